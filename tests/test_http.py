"""The one HTTP layer: outcomes decided from types and status codes, retries, redirects, read limits (loopback)."""

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from obelics.io.http import HttpClient, HttpError, RetryPolicy
from tests.imageserver import ImageServer, make_jpeg


def dead_url() -> str:
    s = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = s.server_address[1]
    s.server_close()
    return f"http://127.0.0.1:{port}/x"


def test_outcomes_come_from_types_and_status_codes():
    with ImageServer() as srv:
        ok = srv.add("/a.jpg", make_jpeg(100, 100))
        gone = srv.add_status("/gone.jpg", 404)
        slow = srv.add_slow("/slow.jpg", b"late", delay=2.0)
        loop = srv.add_redirect("/loop-a", "/loop-b")
        srv.add_redirect("/loop-b", "/loop-a")
        moved = srv.add_redirect("/moved", "/a.jpg", status=301)
        to_file = srv.add_redirect("/to-file", "file:///etc/passwd")
        client = HttpClient(timeout=0.5, max_redirects=5)
        r = client.get(moved)
        assert r.status == 200 and r.url == ok and r.redirects == 1 and r.body == srv.routes["/a.jpg"].body
        assert client.get(gone).status == 404  # an answer, not an error: the caller decides
        for url, reason, transient in (
            (slow, "timeout", True),
            (loop, "too_many_redirects", False),
            (to_file, "guard_refused", False),  # never followed, guard or not
            (dead_url(), "connection_refused", True),
            ("ftp://127.0.0.1/x", "bad_url", False),
        ):
            with pytest.raises(HttpError) as e:
                client.get(url)
            assert (e.value.reason, e.value.transient) == (reason, transient), url
        assert srv.count("/loop-a") == 3 and srv.count("/loop-b") == 3  # 5 redirects followed, then stopped


def test_retries_transient_failures_only_with_backoff():
    waits: list[float] = []
    with ImageServer() as srv:
        flaky = srv.add_flaky("/flaky.jpg", b"body", fail_first=2)  # 503 with Retry-After: 0
        gone = srv.add_status("/gone.jpg", 404)
        client = HttpClient(timeout=2, retry=RetryPolicy(3, backoff=0.01, jitter=False), sleep=waits.append)
        assert client.get(flaky).body == b"body" and srv.count("/flaky.jpg") == 3
        assert waits == [0.01, 0.02]
        assert client.get(gone).status == 404 and srv.count("/gone.jpg") == 1
        srv.add_flaky("/busy.jpg", b"x", fail_first=10)
        once = HttpClient(timeout=2, retry=RetryPolicy(1, backoff=0.0), sleep=waits.append)
        with pytest.raises(HttpError) as e:
            once.get(srv.url("/busy.jpg"))
        assert e.value.reason == "http_503" and e.value.status == 503 and e.value.transient
        assert srv.count("/busy.jpg") == 2


def test_retry_policy_delays():
    p = RetryPolicy(5, backoff=1.0, max_backoff=10.0, jitter=False)
    assert [p.delay(a) for a in range(5)] == [1.0, 2.0, 4.0, 8.0, 10.0]
    assert p.delay(0, retry_after=30.0) == 10.0 and p.delay(0, retry_after=3.0) == 3.0
    jittered = RetryPolicy(5, backoff=1.0).delay(2)
    assert 2.0 <= jittered < 6.0


def test_read_limit_stops_reading():
    with ImageServer() as srv:
        url = srv.add("/big.bin", bytes(range(256)) * 4096)
        client = HttpClient(timeout=2)
        assert client.get(url, read_limit=1000).body == (bytes(range(256)) * 4)[:1000]
        assert len(client.get(url).body) == 256 * 4096  # the cut connection was not reused


def test_https_to_the_checked_address_verifies_the_name(monkeypatch):
    """Over TLS the socket goes to the checked address while SNI and the certificate check use the name
    (a self-signed certificate for img.example, trusted for this test only)."""
    import ssl
    import threading
    from http.server import ThreadingHTTPServer
    from pathlib import Path

    from obelics.images import guard

    tls = Path(__file__).parent / "data" / "tls"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = f"host={self.headers['Host']}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tls / "cert.pem", tls / "key.pem")
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]
    monkeypatch.setenv("SSL_CERT_FILE", str(tls / "cert.pem"))
    monkeypatch.setattr(guard, "resolve_host", lambda host: ["127.0.0.1"])
    try:
        client = HttpClient(guard=guard.Guard(allow_loopback=True), timeout=5)
        assert client.get(f"https://img.example:{port}/x").body == f"host=img.example:{port}".encode()
        with pytest.raises(HttpError) as e:
            client.get(f"https://other.example:{port}/x")  # same address, a name the certificate does not hold
        assert e.value.reason == "ssl"
    finally:
        srv.shutdown()
        srv.server_close()
