"""SIGKILL the images stage in the middle of its downloads, rerun it: what was fetched is kept, each URL is
fetched at most once overall, and the output equals an uninterrupted run's."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from obelics.document import Document, Node, image_metadata
from obelics.io.parquet import read_documents, write_documents
from tests.imageserver import ImageServer, make_jpeg

ROOT = Path(__file__).resolve().parent.parent
N_IMAGES = 40
STALL_AT = 17  # the request held while the process is killed


def _corpus(srv: ImageServer, folder: Path) -> list[str]:
    urls = [srv.add(f"/k{i}.jpg", make_jpeg(200 + i, 180, seed=500 + i)) for i in range(N_IMAGES)]
    urls.append(srv.add_status("/k-missing.jpg", 404))
    docs = []
    for d in range(0, len(urls), 3):
        nodes = [Node(text=f"document {d}")]
        for u in urls[d : d + 3]:
            nodes += [Node(image=u, meta=image_metadata(u)), Node(text=f"after {u[-8:]}")]
        docs.append(Document.from_nodes(nodes, {"url": f"http://pages.example/{d}"}))
    folder.mkdir()
    paths = []
    for k in range(2):
        paths.append(str(folder / f"s{k}.parquet"))
        write_documents(paths[-1], docs[k::2])
    return paths


def _command(inputs: str, out: Path) -> list[str]:
    return [sys.executable, "-m", "obelics", "images", inputs, "-o", str(out), "--allow-loopback"] + [
        "--processes", "1", "--threads", "1", "--timeout", "30", "--set", "chunk_size=4",
    ]  # fmt: skip


def _run(cmd: list[str]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)


def _docs(folder: Path) -> list[tuple]:
    return [
        (d.texts, d.images, d.image_bytes, [m and m.get("sha256") for m in d.metadata])
        for name in ("s0", "s1")
        for d in read_documents(str(folder / f"{name}.parquet"))
    ]


def test_kill_mid_download_then_rerun_fetches_each_url_at_most_once(tmp_path):
    with ImageServer() as srv:
        _corpus(srv, tmp_path / "in")
        clean = _run(_command(str(tmp_path / "in"), tmp_path / "clean"))
        assert clean.wait(120) == 0, clean.stdout.read().decode()[-3000:]
        srv.reset()

        srv.stall_at = STALL_AT
        first = _run(_command(str(tmp_path / "in"), tmp_path / "out"))
        try:
            assert srv.stalled.wait(120), first.stdout.read().decode()[-3000:]
            os.killpg(first.pid, signal.SIGKILL)  # the whole process group, workers included
            first.wait(30)
        finally:
            srv.release.set()
        assert first.returncode == -signal.SIGKILL
        served_before = sum(srv.served.values())
        assert served_before == STALL_AT - 1  # what the killed run had fetched in full

        srv.stall_at = 0
        second = _run(_command(str(tmp_path / "in"), tmp_path / "out"))
        assert second.wait(120) == 0, second.stdout.read().decode()[-3000:]
        asked = dict(srv.requests)
        served = dict(srv.served)

    paths = [f"/k{i}.jpg" for i in range(N_IMAGES)] + ["/k-missing.jpg"]
    assert all(served.get(p, 0) == 1 for p in paths), served  # every URL answered once, over both runs
    twice = [p for p in paths if asked.get(p, 0) > 1]
    assert len(twice) == 1 and served.get(twice[0]) == 1  # only the request in flight at the kill was sent again
    assert sum(asked.values()) == len(paths) + 1
    assert _docs(tmp_path / "out") == _docs(tmp_path / "clean")


def test_a_journal_cut_mid_row_keeps_its_complete_rows(tmp_path):
    """A process killed while writing a result leaves a cut last row: sealing keeps the rows before it, once."""
    from obelics.images import download as dl

    folder = tmp_path / "fetched"
    folder.mkdir()
    journal = dl.Journal(str(folder / "j0000.arrows"))
    for i in range(3):
        journal.write({"url": f"http://x/{i}", "status": "ok", "bytes": bytes([i]) * 1000, "ph": i})
    journal.close()
    path = folder / "j0000.arrows"
    path.write_bytes(path.read_bytes()[:-700])  # the third row's bytes cut short
    dl.seal_journals(str(folder), chunk_size=2)
    dl.seal_journals(str(folder), chunk_size=2)  # nothing left to seal: the chunk is not duplicated
    (chunk,) = dl.chunk_files(str(folder))
    assert not path.exists() and dl.fetched_urls(str(folder)) == {"http://x/0", "http://x/1"}
    reader = dl.ImageReader()
    assert [reader.read(chunk, i) for i in range(2)] == [b"\x00" * 1000, b"\x01" * 1000]
