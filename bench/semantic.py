"""Benchmark and evaluation of semantic search and code suggestions (issues 8 and 15).

    .venv/bin/python bench/semantic.py [--quick] [--sqlite-vec-path DIR] [--only suggest]

0. Learned and zero-shot suggestions on bench/data/plf (issue 15; bench/semantic_plf.py):
   8 interviews, split by interview into train-like and held-out, at code, category and theme
   level: zero-shot top-1 and precision at the default abstention, the learning curve (10, 25,
   50, 100 codings), one coded interview, κ, and the cost of retraining.
1. Evaluation: suggestions for bench/data/statements.jsonl (185 statements written for this,
   124 Bokmål + 61 English, 11 codes + 20 off-topic) against their labels: top-1 accuracy,
   macro-F1, Cohen's kappa, and the coverage/accuracy trade-off of abstention.
2. Throughput: segments embedded per second with 2 threads.
3. Query latency at 200,000 segments (random unit vectors for the index, the query embedded for
   real), vector-store choice (float32 memmap vs float16 vs sqlite-vec when importable; sqlite-vec
   needs a Python whose sqlite3 loads extensions, or apsw: pass --sqlite-vec-path to a folder
   with ``pip install --target DIR sqlite-vec apsw``), and index size on disk.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np  # noqa: E402

from kvali.semantic.codebook import read_codebook  # noqa: E402
from kvali.semantic.metrics import accuracy, cohen_kappa, macro_f1  # noqa: E402
from kvali.semantic.models import load_embedder  # noqa: E402
from kvali.semantic.store import VectorStore  # noqa: E402
from kvali.semantic.suggest import Suggester  # noqa: E402
from semantic_plf import evaluate_plf  # noqa: E402

DATA = Path(__file__).parent / "data"


def evaluate(emb) -> dict:
    rows = [json.loads(x) for x in (DATA / "statements.jsonl").read_text("utf-8").splitlines()]
    codes = read_codebook(DATA / "codebook.json")
    sug = Suggester(emb, codes, threshold=-1.0)
    sims = sug.scores(emb.passages([r["text"] for r in rows]))
    names = [c.name for c in sug.codes]
    top1 = [names[j] for j in sims.argmax(1)]
    lead = sims.max(1) - sims.mean(1)
    gold = [r["label"] for r in rows]
    out: dict = {"n": len(rows), "labelled": sum(g is not None for g in gold)}
    lab = [i for i, g in enumerate(gold) if g is not None]
    for lang in ("all", "nb", "en"):
        idx = [i for i in lab if lang == "all" or rows[i]["lang"] == lang]
        out[f"top1_{lang}"] = accuracy([gold[i] for i in idx], [top1[i] for i in idx])
    curve = []
    for th in (None, 0.010, 0.015, 0.020, 0.025, 0.030):
        pred = [top1[i] if th is None or lead[i] >= th else None for i in range(len(rows))]
        answered = [i for i, p in enumerate(pred) if p is not None]
        offtopic = [i for i, g in enumerate(gold) if g is None]
        curve.append(
            {
                "threshold": th,
                "coverage": len(answered) / len(rows),
                "accuracy_answered": accuracy(
                    [gold[i] for i in answered], [pred[i] for i in answered]
                ),
                "accuracy": accuracy(gold, pred),
                "macro_f1": macro_f1(gold, pred),
                "kappa": cohen_kappa(gold, pred),
                "offtopic_abstained": sum(pred[i] is None for i in offtopic) / len(offtopic),
            }
        )
    out["curve"] = curve
    return out


def throughput(emb, n: int) -> float:
    rows = [json.loads(x) for x in (DATA / "statements.jsonl").read_text("utf-8").splitlines()]
    texts = [rows[i % len(rows)]["text"] + f" ({i})" for i in range(n)]
    emb.passages(texts[:8])
    t0 = time.perf_counter()
    for i in range(0, n, 64):
        emb.passages(texts[i : i + 64])
    return n / (time.perf_counter() - t0)


def latency(emb, n: int, queries: int, sqlite_vec_path: str | None) -> dict:
    rng = np.random.default_rng(0)
    tmp = Path(tempfile.mkdtemp())
    store = VectorStore(tmp, "bench", emb.info.dim)
    for _ in range(0, n, 50_000):
        x = rng.standard_normal((min(50_000, n - store.rows), emb.info.dim), dtype=np.float32)
        store.append(x / np.linalg.norm(x, axis=1, keepdims=True))
    texts = ["Hvordan deler lærerne erfaringer?", "How do principals share leadership?"] * queries
    embed_t, search_t, f16_t = [], [], []
    f16 = np.asarray(store.matrix()).astype(np.float16)
    for q in texts[:queries]:
        t0 = time.perf_counter()
        v = emb.queries([q])[0]
        t1 = time.perf_counter()
        store.top(v, 20)
        t2 = time.perf_counter()
        embed_t.append(t1 - t0)
        search_t.append(t2 - t1)
    for q in texts[:5]:
        v = emb.queries([q])[0]
        t0 = time.perf_counter()
        s = np.empty(n, np.float32)
        for a in range(0, n, 16384):
            s[a : a + 16384] = f16[a : a + 16384].astype(np.float32) @ v
        np.argpartition(s, n - 20)[n - 20 :]
        f16_t.append(time.perf_counter() - t0)
    total = [a + b for a, b in zip(embed_t, search_t, strict=True)]
    out = {
        "segments": n,
        "query_embed_ms_median": 1000 * statistics.median(embed_t),
        "search_ms_median": 1000 * statistics.median(search_t),
        "total_ms_median": 1000 * statistics.median(total),
        "total_ms_p95": 1000 * sorted(total)[int(0.95 * (len(total) - 1))],
        "float16_search_ms_median": 1000 * statistics.median(f16_t),
        "size_bytes_float32": store.size_bytes(),
        "size_bytes_float16": f16.nbytes,
    }
    out |= _sqlite_vec(store, emb, n, sqlite_vec_path, tmp)
    return out


def _sqlite_vec(store: VectorStore, emb, n: int, path: str | None, tmp: Path) -> dict:
    if path:
        sys.path.insert(0, path)
    try:
        import apsw
        import sqlite_vec
    except ImportError:
        return {"sqlite_vec": "not importable (needs sqlite-vec + apsw, see --sqlite-vec-path)"}
    db = apsw.Connection(str(tmp / "vec.db"))
    db.enable_load_extension(True)
    db.load_extension(sqlite_vec.loadable_path())
    db.execute(f"create virtual table v using vec0(embedding float[{emb.info.dim}])")
    m = store.matrix()
    t0 = time.perf_counter()
    with db:
        db.executemany(
            "insert into v(rowid, embedding) values (?, ?)",
            ((i + 1, m[i].tobytes()) for i in range(n)),
        )
    insert_s = time.perf_counter() - t0
    v = emb.queries(["Hvordan deler lærerne erfaringer?"])[0].tobytes()
    ts = []
    for _ in range(10):
        t0 = time.perf_counter()
        db.execute(
            "select rowid, distance from v where embedding match ? and k = 20", (v,)
        ).fetchall()
        ts.append(time.perf_counter() - t0)
    return {
        "sqlite_vec_search_ms_median": 1000 * statistics.median(ts),
        "sqlite_vec_insert_s": insert_s,
        "sqlite_vec_size_bytes": (tmp / "vec.db").stat().st_size,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sqlite-vec-path", default=None)
    ap.add_argument("--out", default=None, help="Write the results as JSON here.")
    ap.add_argument("--only", choices=["suggest"], default=None, help="Only the issue-15 part.")
    args = ap.parse_args()
    emb = load_embedder()
    res = {"model": emb.info.__dict__, "cpus": os.cpu_count(), "threads": 2}
    res["suggestions_plf"] = evaluate_plf(emb, quick=args.quick)
    if args.only == "suggest":
        _write(res, args.out)
        return
    res["evaluation"] = evaluate(emb)
    res["passages_per_s"] = throughput(emb, 64 if args.quick else 512)
    res["latency"] = latency(
        emb, 20_000 if args.quick else 200_000, 10 if args.quick else 50, args.sqlite_vec_path
    )
    _write(res, args.out)


def _write(res: dict, out: str | None) -> None:
    text = json.dumps(res, indent=2, ensure_ascii=False)
    if out:
        Path(out).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
