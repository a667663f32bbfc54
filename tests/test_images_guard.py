"""The internal-address guard: before download (URLs, hosts) and at every hop of a download, before it connects."""

import socket

import pytest

from obelics.images import guard
from obelics.images.guard import Guard, GuardError, check_url, ip_refusal, url_refusal
from obelics.io.http import HttpClient, HttpError
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


@pytest.fixture
def connects(monkeypatch):
    """Every address a socket connected (or tried to connect) to in this test."""
    seen: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self, address):
        seen.append(address[0])
        return real_connect(self, address)

    def connect_ex(self, address):
        seen.append(address[0])
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    return seen


@pytest.fixture
def dns(monkeypatch):
    """A resolver we control, in place of the one the guard uses; records every name it is asked."""
    table: dict[str, list[str]] = {}
    asked: list[str] = []
    real = guard.resolve_host

    def resolve(host):
        asked.append(host)
        return list(table[host]) if host in table else real(host)

    monkeypatch.setattr(guard, "resolve_host", resolve)
    return table, asked


def test_every_hop_is_checked_before_it_connects(connects, dns):
    table, asked = dns
    table.update(
        {
            "evil.example": ["10.0.0.7"],
            "meta.example": ["169.254.169.254"],
            "mixed.example": ["127.0.0.1", "::ffff:192.168.0.9"],
        }
    )
    with ImageServer() as srv:
        ok = srv.add("/a.jpg", make_jpeg(200, 200))
        to_evil = srv.add_redirect("/evil.jpg", f"http://evil.example:{srv.port}/x.jpg")
        to_meta = srv.add_redirect("/meta.jpg", "http://meta.example/latest/meta-data/")
        to_mixed = srv.add_redirect("/mixed.jpg", f"http://mixed.example:{srv.port}/a.jpg")
        to_literal = srv.add_redirect("/literal.jpg", "http://169.254.169.254/latest/meta-data/")
        to_file = srv.add_redirect("/file.jpg", "file:///etc/passwd")
        to_ftp = srv.add_redirect("/ftp.jpg", f"ftp://127.0.0.1:{srv.port}/a.jpg")
        client = HttpClient(guard=Guard(allow_loopback=True), timeout=5)
        assert client.get(ok).body.startswith(b"\xff\xd8")
        for url, detail in (
            (to_evil, "private"),
            (to_meta, "metadata"),
            (to_mixed, "private"),  # one internal address among the answers is enough
            (to_literal, "metadata"),
            (to_file, "redirect_scheme"),
            (to_ftp, "redirect_scheme"),
        ):
            with pytest.raises(HttpError) as e:
                client.get(url)
            assert e.value.reason == "guard_refused" and detail in str(e.value), url
        assert {"evil.example", "meta.example", "mixed.example"} <= set(asked)
        strict = HttpClient(guard=Guard(), timeout=5)
        with pytest.raises(HttpError, match="loopback"):
            strict.get(ok)
        assert srv.count("/a.jpg") == 1 and srv.count("/x.jpg") == 0
    # no socket ever went to an address the guard refused: only the loopback server was connected to
    assert connects and set(connects) == {"127.0.0.1"}, connects


def test_the_connection_goes_to_the_checked_address(connects, dns):
    """One resolution per hop: the socket connects to the address checked and the name travels in the Host header,
    so no second lookup (a DNS rebinding answer) can choose where the connection goes."""
    table, asked = dns
    with ImageServer() as srv:
        srv.add("/a.jpg", make_jpeg(200, 200))
        table["img.example"] = ["127.0.0.1"]
        client = HttpClient(guard=Guard(allow_loopback=True), timeout=5)
        assert client.get(f"http://img.example:{srv.port}/a.jpg").status == 200
        assert srv.hosts == [f"img.example:{srv.port}"]
    assert asked == ["img.example"] and connects == ["127.0.0.1"]


def test_unresolvable_names_and_literals_without_dns(connects, dns):
    table, _ = dns
    table["nowhere.example"] = []
    client = HttpClient(guard=Guard(), timeout=5)
    with pytest.raises(HttpError) as e:
        client.get("http://nowhere.example/a.jpg")
    assert e.value.reason == "dns"
    for url in ("http://10.1.2.3/a.jpg", "http://[::ffff:10.1.2.3]/a.jpg", "http://0x7f.1/a.jpg", "http://[fe80::1]/"):
        with pytest.raises(HttpError) as e:
            client.get(url)
        assert e.value.reason == "guard_refused", url
    assert connects == []


def test_stage_refuses_internal_hops_and_counts_them(tmp_path, connects, dns):
    """The images stage with ``guard_dns=false``: a private literal is still refused before download, a name that
    resolves to a private address is refused at download time without a connection, and a redirect to a
    non-http(s) target counts as ``guard_refused``."""
    from obelics.document import Document, Node, image_metadata
    from obelics.io.parquet import read_documents, write_documents
    from obelics.run.runner import run_stage

    table, asked = dns
    table["intranet.example"] = ["10.9.9.9"]
    with ImageServer() as srv:
        good = srv.add("/good.jpg", make_jpeg(300, 220, seed=1))
        table["images.example"] = ["127.0.0.1"]
        by_name = f"http://images.example:{srv.port}/good2.jpg"
        srv.add("/good2.jpg", make_jpeg(300, 230, seed=2))
        urls = [
            good,
            by_name,
            "http://10.1.2.3/literal.jpg",
            f"http://intranet.example:{srv.port}/inside.jpg",
            srv.add_redirect("/to-file.jpg", "file:///etc/passwd"),
            srv.add_redirect("/to-intranet.jpg", f"http://intranet.example:{srv.port}/inside.jpg"),
        ]
        doc = Document.from_nodes(
            [Node(text="text")] + [Node(image=u, meta=image_metadata(u)) for u in urls], {"url": "http://p.example/"}
        )
        write_documents(tmp_path / "in.parquet", [doc])
        settings = {"allow_loopback": True, "guard_dns": False, "processes_count": 1, "thread_count": 4, "timeout": 2}
        s = run_stage("images", [str(tmp_path / "in.parquet")], str(tmp_path / "out"), settings)
        assert srv.count("/inside.jpg") == 0
    assert s["url_dropped"] == {"guard:private": 1}
    assert s["download"] == {"success": 2, "guard_refused": 3}
    assert "intranet.example" in asked and set(connects) == {"127.0.0.1"}, connects
    (out,) = read_documents(str(tmp_path / "out" / "in.parquet"))
    assert [u for u in out.images if u] == [good, by_name]


def test_checked_address(dns):
    table, asked = dns
    table.update({"cdn.example": ["2a00:1450:4001::64", "93.184.216.34"], "v6.example": ["2606:4700::1111"]})
    g = Guard()
    assert g.checked_address("cdn.example") == "93.184.216.34"  # IPv4 first when there is one
    assert g.checked_address("v6.example") == "2606:4700::1111"
    assert (
        g.checked_address("8.8.8.8") == "8.8.8.8"
        and Guard(allow_loopback=True).checked_address("0x7f.1") == "127.0.0.1"
    )
    for host, kind in (
        ("metadata.google.internal", "metadata"),
        ("localhost", "loopback"),
        ("[::1]", "loopback"),
        ("", "no_host"),
    ):
        with pytest.raises(GuardError) as e:
            g.checked_address(host)
        assert e.value.kind == kind, host
    assert asked == ["cdn.example", "v6.example"]  # literals and refused names are never looked up
