"""An S3 endpoint for tests: the configured one, or moto's server on 127.0.0.1.

moto runs here as a real server speaking the S3 protocol over HTTP, never as a mock
inside boto3, so the storage backend and presigned URLs are exercised as deployed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import boto3
from botocore.config import Config
from django.conf import settings


@dataclass(frozen=True)
class Endpoint:
    url: str
    region: str
    access_key: str
    secret_key: str

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    def create_bucket(self, name: str) -> str:
        extra = {}
        if self.region != "us-east-1":
            extra["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        client = self.client()
        existing = {bucket["Name"] for bucket in client.list_buckets().get("Buckets", [])}
        if name not in existing:
            client.create_bucket(Bucket=name, **extra)
        return name

    def storage_options(self, bucket: str, location: str = "") -> dict:
        return {
            "bucket_name": bucket,
            "endpoint_url": self.url,
            "region_name": self.region,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "location": location or f"tests/{uuid.uuid4().hex}",
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": settings.S3_URL_EXPIRY,
            "file_overwrite": False,
            "client_config": Config(
                signature_version="s3v4", s3={"addressing_style": "path"}, connect_timeout=5
            ),
        }


def configured_endpoint() -> Endpoint | None:
    if not settings.S3_BUCKET or not settings.S3_ENDPOINT_URL:
        return None
    options = settings.STORAGES["default"]["OPTIONS"]
    return Endpoint(
        url=settings.S3_ENDPOINT_URL,
        region=settings.S3_REGION,
        access_key=options["access_key"] or "",
        secret_key=options["secret_key"] or "",
    )


class MotoServer:
    def __init__(self):
        from moto.server import ThreadedMotoServer

        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)

    def __enter__(self) -> Endpoint:
        self.server.start()
        host, port = self.server.get_host_and_port()
        return Endpoint(f"http://{host}:{port}", "us-east-1", "testing", "testing")

    def __exit__(self, *exc_info) -> None:
        self.server.stop()
