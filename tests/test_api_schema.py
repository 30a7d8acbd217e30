"""The OpenAPI document describes the served API, and no request it allows makes it fail.

schemathesis generates requests from /api/openapi.json (valid and invalid fields, files,
keys) and sends them to a live server; every answer must be something other than a
server error.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from openapi_spec_validator import validate

from restorer.api.models import ApiKey


@pytest.fixture
def api_schema(live_server, settings):
    settings.API_QPS = 1000
    settings.API_SYNC_TIMEOUT = 0
    settings.RESTORER_PROVIDER = "local"
    return schemathesis.openapi.from_url(f"{live_server.url}/api/openapi.json")


@pytest.fixture
def api_secret(transactional_db, django_user_model) -> str:
    owner = django_user_model.objects.create_user("schema", "schema@example.org", "x")
    return ApiKey.issue(owner, "schemathesis")[1]


@pytest.mark.django_db
def test_the_document_is_valid_openapi_3(client):
    document = client.get("/api/openapi.json").json()
    validate(document)
    assert document["openapi"].startswith("3.")


@pytest.mark.parametrize(
    "operation_id", ["createRestorationTask", "getRestorationTask", "getResult"]
)
def test_no_request_makes_a_server_error(api_schema, api_secret, operation_id):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    operation = next(op for op in operations if op.definition.raw["operationId"] == operation_id)
    seen = []

    @given(case=operation.as_strategy())
    @hypothesis_settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case):
        response = case.call(headers={"X-API-KEY": api_secret})
        seen.append(response.status_code)
        assert response.status_code < 500, (case.as_curl_command(), response.text[:500])
        if response.headers.get("Content-Type", "").startswith("application/json"):
            assert response.json()["status"] == response.status_code

    check()
    assert len(seen) > 10
    if operation_id == "createRestorationTask":
        assert {200, 400} <= set(seen)  # tasks made, and bad fields refused
