"""restorer.net against a real HTTP server (the fake PicWish, which also serves plain bytes)."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest
import requests

from restorer import net
from tests.fakes.picwish_server import FakePicWish


@pytest.fixture
def fake():
    with FakePicWish() as server:
        yield server


def fetch(url: str, **kwargs):
    kwargs.setdefault("max_bytes", 1_000_000)
    kwargs.setdefault("timeout", (2, 2))
    return net.fetch_result(url, **kwargs)


# --- sessions ---


def test_session_applies_default_timeout(fake):
    fake.configure(response_delay=1.0)
    session = net.make_session(timeout=(2, 0.1))
    with pytest.raises(requests.Timeout):
        session.get(f"{fake.url}/api/tasks/visual/restoration-old-photo/some-task")


def test_session_names_itself(fake):
    session = net.make_session()
    session.get(f"{fake.url}/api/tasks/visual/restoration-old-photo/some-task")
    assert fake.requests[-1].user_agent == net.USER_AGENT


def test_session_does_not_retry(fake):
    fake.error_burst(1, [503])
    session = net.make_session(timeout=(2, 2))
    response = session.get(f"{fake.url}/api/tasks/visual/restoration-old-photo/some-task")
    assert response.status_code == 503
    assert len(fake.requests) == 1


# --- fetch_result: what is allowed ---


def test_it_fetches_from_an_allowed_host(fake):
    body = fetch(f"{fake.url}/_fake/bytes?n=1000", allowed_hosts={fake.result_host})
    assert body == b"\0" * 1000


def test_it_fetches_a_chunked_body_from_an_allowed_host(fake):
    body = fetch(f"{fake.url}/_fake/bytes?n=70000&chunked=1", allowed_hosts={fake.result_host})
    assert len(body) == 70000


def test_it_follows_a_redirect_within_allowed_hosts(fake):
    target = quote(f"{fake.url}/_fake/bytes?n=10", safe="")
    body = fetch(f"{fake.url}/_fake/redirect?to={target}", allowed_hosts={fake.result_host})
    assert body == b"\0" * 10


def test_it_follows_a_relative_redirect(fake):
    target = quote("/_fake/bytes?n=5", safe="")
    body = fetch(
        f"{fake.url}/_fake/redirect?status=307&to={target}", allowed_hosts={fake.result_host}
    )
    assert body == b"\0" * 5


# --- fetch_result: what is refused ---


def test_it_refuses_http_to_a_host_not_allowed(fake):
    with pytest.raises(net.UnsafeURL):
        fetch(f"{fake.url}/_fake/bytes?n=10")


def test_it_refuses_an_allowed_name_on_another_port(fake):
    with pytest.raises(net.UnsafeURL):
        fetch(f"{fake.url}/_fake/bytes?n=10", allowed_hosts={f"{fake.host}:1"})


def test_it_refuses_another_name_for_an_allowed_address(fake):
    with pytest.raises(net.UnsafeURL):
        fetch(f"http://localhost:{fake.port}/_fake/bytes?n=10", allowed_hosts={fake.result_host})


def test_it_refuses_https_to_loopback_when_not_allowed(fake):
    with pytest.raises(net.UnsafeURL):
        fetch(f"https://127.0.0.1:{fake.port}/_fake/bytes?n=10")


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/x",
        "https://127.1.2.3/x",
        "https://localhost/x",
        "https://2130706433/x",  # 127.0.0.1 written as a number
        "https://0x7f000001/x",
        "https://[::1]/x",
        "https://[::ffff:127.0.0.1]/x",
        "https://10.0.0.1/x",
        "https://172.16.5.4/x",
        "https://192.168.1.1/x",
        "https://100.64.0.1/x",  # carrier-grade NAT
        "https://[fd00::1]/x",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fe80::1]/x",
        "https://224.0.0.1/x",
        "https://[ff02::1]/x",
        "https://240.0.0.1/x",
        "https://255.255.255.255/x",
        "https://0.0.0.0/x",
        "https://[::]/x",
        "https://192.0.2.1/x",  # documentation range
        "https://[2002:7f00:1::]/x",  # 6to4 wrapping 127.0.0.1
        "https://[64:ff9b::a00:1]/x",  # NAT64 wrapping 10.0.0.1
    ],
)
def test_it_refuses_non_public_addresses(url):
    with pytest.raises(net.UnsafeURL):
        fetch(url)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "file:///etc/passwd",
        "gopher://example.com/x",
        "http://example.com/x",  # plain http to a host not allowed
        "https://user:secret@example.com/x",
        "https:///nohost",
        "https://example.com:99999/x",
        "not a url",
    ],
)
def test_it_refuses_bad_urls_without_looking_them_up(url, monkeypatch):
    def no_lookup(host, port):
        raise AssertionError("looked up a URL it should have refused")

    monkeypatch.setattr(net, "_resolve", no_lookup)
    with pytest.raises(net.UnsafeURL):
        fetch(url)


def test_it_checks_every_address_of_a_host(monkeypatch):
    monkeypatch.setattr(net, "_resolve", lambda host, port: ["93.184.215.14", "127.0.0.1"])
    with pytest.raises(net.UnsafeURL, match="127.0.0.1"):
        fetch("https://mixed.example/x")


def test_it_connects_to_the_address_it_checked(fake, monkeypatch):
    # "pinned.test" exists in no DNS: the download can only work by connecting to the address
    # the check resolved, which is what defeats a DNS answer that changes after the check.
    lookups = []

    def resolve(host, port):
        lookups.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(net, "_resolve", resolve)
    body = fetch(
        f"http://pinned.test:{fake.port}/_fake/bytes?n=3",
        allowed_hosts={f"pinned.test:{fake.port}"},
    )
    assert body == b"\0\0\0"
    assert lookups == ["pinned.test"]


def test_it_refuses_a_redirect_to_a_private_address(fake):
    target = quote("https://10.1.2.3/result.jpg", safe="")
    with pytest.raises(net.UnsafeURL):
        fetch(f"{fake.url}/_fake/redirect?to={target}", allowed_hosts={fake.result_host})


def test_it_refuses_a_redirect_to_a_loopback_name(fake):
    target = quote(f"http://localhost:{fake.port}/_fake/bytes?n=1", safe="")
    with pytest.raises(net.UnsafeURL):
        fetch(f"{fake.url}/_fake/redirect?to={target}", allowed_hosts={fake.result_host})


def test_it_refuses_a_redirect_to_another_scheme(fake):
    target = quote("file:///etc/passwd", safe="")
    with pytest.raises(net.UnsafeURL):
        fetch(f"{fake.url}/_fake/redirect?to={target}", allowed_hosts={fake.result_host})


def test_it_stops_after_a_few_redirects(fake):
    url = f"{fake.url}/_fake/bytes?n=1"
    for _ in range(net.MAX_REDIRECTS + 1):
        url = f"{fake.url}/_fake/redirect?to={quote(url, safe='')}"
    with pytest.raises(net.FetchError, match="redirects"):
        fetch(url, allowed_hosts={fake.result_host})


# --- fetch_result: size, status, time ---


def test_it_refuses_a_body_announced_too_large(fake):
    with pytest.raises(net.TooLarge):
        fetch(f"{fake.url}/_fake/bytes?n=5000", max_bytes=4999, allowed_hosts={fake.result_host})


def test_it_stops_reading_a_chunked_body_past_the_limit(fake):
    with pytest.raises(net.TooLarge):
        fetch(
            f"{fake.url}/_fake/bytes?n=500000&chunked=1",
            max_bytes=100_000,
            allowed_hosts={fake.result_host},
        )


def test_a_body_exactly_at_the_limit_passes(fake):
    body = fetch(f"{fake.url}/_fake/bytes?n=5000", max_bytes=5000, allowed_hosts={fake.result_host})
    assert len(body) == 5000


@pytest.mark.parametrize("code", [403, 404, 410])
def test_forbidden_and_gone_mean_the_link_expired(fake, code):
    with pytest.raises(net.ResultGone) as caught:
        fetch(f"{fake.url}/_fake/status?code={code}", allowed_hosts={fake.result_host})
    assert caught.value.status == code


@pytest.mark.parametrize("code", [400, 429, 500, 503])
def test_other_statuses_are_fetch_errors_with_the_status(fake, code):
    with pytest.raises(net.FetchError) as caught:
        fetch(f"{fake.url}/_fake/status?code={code}", allowed_hosts={fake.result_host})
    assert not isinstance(caught.value, net.ResultGone)
    assert caught.value.status == code


def test_a_slow_server_times_out(fake):
    with pytest.raises(net.FetchTimeout):
        fetch(
            f"{fake.url}/_fake/bytes?n=10&delay=1",
            timeout=(2, 0.1),
            allowed_hosts={fake.result_host},
        )


def test_a_closed_port_is_a_fetch_error():
    with FakePicWish() as server:
        host = server.result_host
        url = f"{server.url}/_fake/bytes?n=1"
    with pytest.raises(net.FetchError) as caught:
        fetch(url, allowed_hosts={host})
    assert caught.value.status is None


def test_errors_do_not_repeat_the_signed_query(fake):
    with pytest.raises(net.ResultGone) as caught:
        fetch(
            f"{fake.url}/_fake/status?code=403&sig=very-secret-signature",
            allowed_hosts={fake.result_host},
        )
    assert "very-secret-signature" not in str(caught.value)


# --- address classification ---


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_public(address):
    assert net.is_public_address(address)


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.0.0.1", "::1", "fe80::1", "::ffff:10.0.0.1", "nonsense", ""]
)
def test_other_addresses_are_not(address):
    assert not net.is_public_address(address)


# --- https: the pinned connection still verifies the certificate for the host name ---


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    key_options = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl(
        "req", "-x509", *key_options, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=Test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    openssl("req", *key_options, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=x")
    (folder / "ext.cnf").write_text(
        "subjectAltName=DNS:pinned.test\nbasicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
    )
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf",
    )  # fmt: skip
    return folder


@pytest.fixture
def tls_server(tls_files, monkeypatch):
    """An https server on 127.0.0.1 with a certificate for pinned.test only."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = f"host={self.headers['Host']}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files / "server.pem", tls_files / "server.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(net, "_ca_certs", lambda: str(tls_files / "ca.pem"))
    monkeypatch.setattr(net, "_resolve", lambda host, port: ["127.0.0.1"])
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_https_connects_to_the_checked_address_and_verifies_the_name(tls_server):
    port = tls_server
    body = fetch(f"https://pinned.test:{port}/r.jpg", allowed_hosts={f"pinned.test:{port}"})
    assert body == f"host=pinned.test:{port}".encode()


def test_https_refuses_a_certificate_for_another_name(tls_server):
    port = tls_server
    with pytest.raises(net.FetchError, match="TLS"):
        fetch(f"https://other.test:{port}/r.jpg", allowed_hosts={f"other.test:{port}"})


def test_https_refuses_an_untrusted_certificate(tls_server, monkeypatch):
    import certifi

    monkeypatch.setattr(net, "_ca_certs", certifi.where)
    port = tls_server
    with pytest.raises(net.FetchError, match="TLS"):
        fetch(f"https://pinned.test:{port}/r.jpg", allowed_hosts={f"pinned.test:{port}"})
