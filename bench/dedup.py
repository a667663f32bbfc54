"""Dedup throughput: the out-of-core stage against an in-memory version of the same passes, same run.

Corpus: synthetic documents (~300 words in 5 paragraphs, 0-3 images) over several shards, with
URL re-crawls, per-domain boilerplate paragraphs, shared image sets and near-duplicate copies.

Measured, one process (``LocalEngine(workers=1)``), so per core:

- the stage: ``run_stage("dedup", ...)`` with all four passes (keys written to hash-partitioned
  Parquet, DuckDB decisions, re-read shards, final write), documents/s;
- baseline: the same four passes in memory (dicts and a union-find over the same keys and MinHash
  bands, documents held in a list), documents/s, on the same documents;
- a check that both keep exactly the same documents and paragraphs.

The stage trades speed for bounded memory (no step holds the corpus) and resumability; the
ratio says what that costs. Usage: ``python bench/dedup.py [--docs 4000] [--shards 8]``
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from obelics.dedup import keys as K  # noqa: E402
from obelics.document import PARAGRAPH_SEP, Document, Node, image_metadata  # noqa: E402
from obelics.io.parquet import read_documents, write_documents  # noqa: E402
from obelics.run.runner import LocalEngine, run_stage  # noqa: E402
from obelics.stages.dedup import DEFAULTS  # noqa: E402


def make_corpus(n: int, shards: int, seed: int = 0) -> list[list[Document]]:
    r = random.Random(seed)
    vocab = ["".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(2, 9))) for _ in range(20000)]
    domains = [f"site{i}.example{r.choice(['.com', '.co.uk', '.org'])}" for i in range(max(5, n // 40))]
    boiler = {d: [" ".join(r.choices(vocab, k=8)) for _ in range(2)] for d in domains}

    def para(k: int) -> str:
        return " ".join(r.choices(vocab, k=k))

    docs: list[Document] = []
    for i in range(n):
        kind = r.random()
        if docs and kind < 0.12:  # a re-crawl of an earlier URL
            src = r.choice(docs)
            gm = dict(src.general_metadata, crawl_date=f"20{r.randint(20, 23)}-0{r.randint(1, 9)}-01T00:00:00Z")
            docs.append(Document.from_nodes([Node(text=para(300))], gm))
            continue
        if docs and kind < 0.20:  # a near duplicate: an earlier text with a few words more
            src = r.choice(docs)
            gm = {"url": f"https://copy{i}.net/p", "crawl_date": "2022-01-01T00:00:00Z"}
            docs.append(Document.from_nodes([Node(text=src.text + " " + para(3))], gm))
            continue
        d = r.choice(domains)
        nodes = [Node(text=para(60)) for _ in range(5)]
        if r.random() < 0.5:
            nodes.append(Node(text=r.choice(boiler[d])))
        imgs = [f"https://img.{d}/{r.randint(0, n)}.jpg" for _ in range(r.randint(0, 3))]
        if docs and kind < 0.25:  # the image set of an earlier document
            imgs = [u for u in r.choice(docs).images if u] or imgs
        nodes += [Node(image=u, meta=image_metadata(u)) for u in imgs]
        warc = f"crawl-data/CC-MAIN-20{r.randint(20, 23)}-{r.randint(10, 50)}/x.warc.gz"
        docs.append(Document.from_nodes(nodes, {"url": f"https://www.{d}/page{i}", "warc_filename": warc}))
    r.shuffle(docs)
    return [docs[i::shards] for i in range(shards)]


def best(members: list[tuple[int, Document]]) -> int:
    """The kept one of a group: most recent, then WARC position, then corpus order."""
    ranked = sorted(members, key=lambda m: (K.tiebreak(m[1].general_metadata), m[0]))
    ranked.sort(key=lambda m: K.recency(m[1].general_metadata), reverse=True)  # stable
    return ranked[0][0]


def in_memory(shards: list[list[Document]], s: dict) -> list[list[Document]]:
    """The four passes over documents held in memory; returns the kept documents per shard."""
    docs = [(si, d) for si, sh in enumerate(shards) for d in sh]
    alive = list(range(len(docs)))
    cur = {i: docs[i][1] for i in alive}

    def keep_best(key_of) -> None:
        groups: dict = defaultdict(list)
        for i in alive:
            k = key_of(cur[i])
            if k is not None:
                groups[k].append((i, cur[i]))
        drop = {i for g in groups.values() if len(g) > 1 for i, _ in g if i != best(g)}
        alive[:] = [i for i in alive if i not in drop]

    keep_best(lambda d: K.canonical_url(d.url) if d.url else None)
    counts: dict = defaultdict(int)
    for i in alive:
        dom = K.registered_domain(cur[i].url) if cur[i].url else ""
        if dom:
            for k in {K.paragraph_key(dom, p) for p in cur[i].paragraphs()} - {None}:
                counts[k] += 1
    rep = {k for k, c in counts.items() if c >= s["paragraph_min_count"]}
    for i in list(alive):
        dom = K.registered_domain(cur[i].url) if cur[i].url else ""
        if not dom:
            continue

        def clean(t: str, dom=dom) -> str:
            kept = [p for p in t.split(PARAGRAPH_SEP) if not (p.strip() and K.paragraph_key(dom, p) in rep)]
            return PARAGRAPH_SEP.join(kept).strip("\n")

        cur[i] = cur[i].map_texts(clean)
        if not any(t for t in cur[i].texts if t):
            alive.remove(i)
    keep_best(lambda d: K.image_set_key(d.images))
    b, r = K.lsh_params(s["minhash_threshold"], s["minhash_num_perm"])
    h = K.MinHasher(s["minhash_num_perm"], s["minhash_seed"], s["minhash_ngram"], b, r)
    parent = {i: i for i in alive}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    buckets: dict = {}
    for i in alive:
        for k in h.band_hashes(cur[i].text):
            if k in buckets:
                a, c = find(buckets[k]), find(i)
                parent[max(a, c)] = min(a, c)
            else:
                buckets[k] = i
    comps: dict = defaultdict(list)
    for i in alive:
        comps[find(i)].append((i, cur[i]))
    keep = {best(g) if len(g) > 1 else g[0][0] for g in comps.values()}
    out: list[list[Document]] = [[] for _ in shards]
    for i in alive:
        if i in keep:
            out[docs[i][0]].append(cur[i])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=4000)
    ap.add_argument("--shards", type=int, default=8)
    args = ap.parse_args()
    shards = make_corpus(args.docs, args.shards)
    with tempfile.TemporaryDirectory() as tmp:
        inputs = []
        for i, sh in enumerate(shards):
            p = Path(tmp, "in", f"part-{i:03d}.parquet")
            write_documents(p, sh)
            inputs.append(str(p))
        loaded = [list(read_documents(p)) for p in inputs]  # the baseline starts from the same files
        t0 = time.perf_counter()
        ref = in_memory([list(read_documents(p)) for p in inputs], DEFAULTS)
        t_mem = time.perf_counter() - t0
        t0 = time.perf_counter()
        summary = run_stage("dedup", inputs, str(Path(tmp, "out")), {}, engine=LocalEngine(1))
        t_stage = time.perf_counter() - t0
        got = [list(read_documents(str(Path(tmp, "out", f"part-{i:03d}.parquet")))) for i in range(len(inputs))]
    same = [[(d.url, d.texts, d.images) for d in sh] for sh in got] == [
        [(d.url, d.texts, d.images) for d in sh] for sh in ref
    ]
    n = sum(len(s) for s in loaded)
    print(f"documents: {n} in {len(inputs)} shards -> {summary['documents_out']} kept")
    print(f"removed: {summary.get('removed_documents')}; paragraphs: {summary.get('removed_paragraphs')}")
    print(f"stage (out-of-core, 1 process): {n / t_stage:8.0f} documents/s  ({t_stage:.2f} s)")
    print(f"in-memory baseline:             {n / t_mem:8.0f} documents/s  ({t_mem:.2f} s)")
    print(f"stage / baseline speed: {t_mem / t_stage:.2f}x; identical output: {same}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
