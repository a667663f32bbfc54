"""The internal-address guard: before download (URLs, hosts) and during download (connections, redirects)."""

import urllib.error

import pytest

from obelics.images.guard import GuardError, build_opener, check_url, ip_refusal, url_refusal
from tests.imageserver import ImageServer, make_jpeg


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/a.jpg", "loopback"),
        ("http://127.8.9.10:8080/a.jpg", "loopback"),
        ("http://localhost/a.jpg", "loopback"),
        ("http://LOCALHOST./a.jpg", "loopback"),
        ("http://img.localhost/a.jpg", "loopback"),
        ("http://[::1]/a.jpg", "loopback"),
        ("http://2130706433/a.jpg", "loopback"),  # 127.0.0.1 written as one number
        ("http://0x7f.1/a.jpg", "loopback"),
        ("http://[::ffff:127.0.0.1]/a.jpg", "loopback"),
        ("http://10.0.0.5/a.jpg", "private"),
        ("http://10.255.1.1/a.jpg", "private"),
        ("http://192.168.1.20/a.jpg", "private"),
        ("http://172.16.0.1/a.jpg", "private"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://[fd00:ec2::254]/", "metadata"),
        ("http://metadata.google.internal/computeMetadata/v1/", "metadata"),
        ("http://169.254.1.1/a.jpg", "link_local"),
        ("http://[fe80::1]/a.jpg", "link_local"),
        ("http://0.0.0.0/a.jpg", "unspecified"),
        ("http://224.0.0.1/a.jpg", "multicast"),
        ("http://100.64.0.1/a.jpg", "not_global"),
        ("http://240.0.0.1/a.jpg", "private"),
        ("ftp://example.org/a.jpg", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("data:image/png;base64,AAAA", "scheme"),
        ("http:///a.jpg", "no_host"),
        ("http://8.8.8.8/a.jpg", None),
        ("https://93.184.216.34/a.jpg", None),
    ],
)
def test_url_refusals(url, reason):
    assert url_refusal(url, resolver=None) == reason


def test_loopback_allowed_only_when_asked_and_only_loopback():
    for url in ("http://127.0.0.1:8000/a.jpg", "http://localhost/a.jpg", "http://[::1]/x"):
        assert url_refusal(url, allow_loopback=True, resolver=None) is None
    for url, reason in (
        ("http://10.1.2.3/a.jpg", "private"),
        ("http://169.254.169.254/", "metadata"),
        ("http://192.168.0.1/", "private"),
        ("http://metadata.google.internal/", "metadata"),
    ):
        assert url_refusal(url, allow_loopback=True, resolver=None) == reason


def test_hostname_resolving_to_internal_addresses_is_refused():
    # "localhost" through the system resolver, and names through a resolver we control
    assert url_refusal("http://localhost:9/a.jpg") == "loopback"
    fake = {"rebind.example": ["10.0.0.7"], "public.example": ["93.184.216.34"], "mixed.example": ["8.8.8.8", "::1"]}
    resolver = fake.get
    assert url_refusal("http://rebind.example/a.jpg", resolver=resolver) == "private"
    assert url_refusal("http://public.example/a.jpg", resolver=resolver) is None
    assert url_refusal("http://mixed.example/a.jpg", resolver=resolver) == "loopback"
    assert url_refusal("http://mixed.example/a.jpg", allow_loopback=True, resolver=resolver) is None
    with pytest.raises(GuardError, match="obelics-guard: loopback"):
        check_url("http://localhost/a.jpg")
    check_url("http://localhost/a.jpg", allow_loopback=True)


def test_ip_refusal_handles_mapped_and_nat64_forms():
    assert ip_refusal("::ffff:10.0.0.1") == "private"
    assert ip_refusal("64:ff9b::a9fe:a9fe") == "metadata"  # 169.254.169.254 through NAT64
    assert ip_refusal("2002:7f00:1::") == "loopback"  # 6to4 of 127.0.0.1
    assert ip_refusal("not an ip") == "bad_address"


def test_opener_checks_the_connection_and_every_redirect():
    with ImageServer() as srv:
        ok = srv.add("/a.jpg", make_jpeg(200, 200))
        to_meta = srv.add_redirect("/meta.jpg", "http://169.254.169.254/latest/meta-data/")
        to_private = srv.add_redirect("/private.jpg", "http://10.20.30.40/x.jpg")
        to_ftp = srv.add_redirect("/ftp.jpg", "ftp://127.0.0.1/x.jpg")
        via = srv.add_redirect("/via.jpg", "/a.jpg")
        strict = build_opener(allow_loopback=False)
        with pytest.raises(urllib.error.URLError, match="obelics-guard: loopback"):
            strict.open(ok, timeout=5)
        assert srv.count("/a.jpg") == 0  # refused at connect time, before any request was sent
        loose = build_opener(allow_loopback=True)
        assert loose.open(ok, timeout=5).read().startswith(b"\xff\xd8")
        assert loose.open(via, timeout=5).read().startswith(b"\xff\xd8")
        for url, kind in (
            (to_meta, "redirect_metadata"),
            (to_private, "redirect_private"),
            (to_ftp, "redirect_scheme"),
        ):
            with pytest.raises(urllib.error.URLError, match=f"obelics-guard: {kind}"):
                loose.open(url, timeout=5)
