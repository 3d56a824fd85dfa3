"""The quote check measured: recall of dialect and Nynorsk forms, precision of the flags, the
share of standard Bokmål quotes flagged at all, the share of right suggestions, and speed.

    .venv/bin/python bench/quotes.py                 # dev and held-out sets, speed on 10,000
    .venv/bin/python bench/quotes.py --set heldout --errors

The sets are ``tests/data/quotes/{dev,heldout}.txt``: one quote a line, ``REGION<TAB>text``, a
spoken or Nynorsk form written ``form{bokmål}``; ``std`` quotes are standard Bokmål. The last
line of stdout is one JSON object with the figures.

Speed: 10,000 quotes checked in a fresh process, the dictionaries loaded from kvali's cache
(the first run ever expands them, about 15 s, once). The quotes are sentences of the Bokmål
half of NDT (``shared/norne``, read here, never stored), so the vocabulary is a real one and
the memoised word decisions do not flatter the figure; without the treebank the sets are cycled.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETS = ROOT / "tests" / "data" / "quotes"
MARK = re.compile(r"([^\s{}]+?)\{([^}]*)\}")
TARGETS = {"recall": 0.90, "precision": 0.90, "standard_flagged": 0.05, "suggestion_right": 0.75}


def parse_set(path: Path) -> list[dict]:
    """Quotes with their gold forms: ``{"id", "region", "text", "gold": [(start, end, bokmål)]}``."""
    quotes = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        region, marked = line.split("\t", 1)
        text, gold, pos = [], [], 0
        for m in MARK.finditer(marked):
            text.append(marked[pos : m.start()])
            start = sum(len(s) for s in text)
            text.append(m.group(1))
            gold.append((start, start + len(m.group(1)), m.group(2)))
            pos = m.end()
        text.append(marked[pos:])
        quotes.append(
            {"id": f"{path.stem}:{n}", "region": region, "text": "".join(text), "gold": gold}
        )
    return quotes


def score(quotes: list[dict], flags: dict[str, list[dict]]) -> dict:
    """The four figures, overall and per region, and the errors (missed, wrong, false)."""
    gold_n = found = right = flag_n = true_flags = 0
    std_n = std_flagged = 0
    errors: list[str] = []
    per_region: dict[str, list[int]] = {}
    for q in quotes:
        got = {(f["start"], f["end"]): f for f in flags[q["id"]]}
        gold = {(a, b): s for a, b, s in q["gold"]}
        reg = per_region.setdefault(q["region"], [0, 0])
        flag_n += len(got)
        true_flags += sum(1 for k in got if k in gold)
        if q["region"] == "std":
            std_n += 1
            std_flagged += bool(got)
        for span, want in gold.items():
            gold_n += 1
            reg[0] += 1
            f = got.get(span)
            word = q["text"][span[0] : span[1]]
            if f is None:
                errors.append(f"missed  {word!r} → {want!r}   in {q['id']}")
                continue
            found += 1
            reg[1] += 1
            if (f["suggestion"] or "").lower() == want.lower():
                right += 1
            else:
                errors.append(
                    f"wrong   {word!r} → {f['suggestion']!r}, want {want!r}   in {q['id']}"
                )
        for span, f in got.items():
            if span not in gold:
                errors.append(
                    f"false   {f['word']!r} → {f['suggestion']!r} ({f['kind']})   in {q['id']}"
                )
    return {
        "quotes": len(quotes),
        "forms": gold_n,
        "recall": round(found / gold_n, 3) if gold_n else None,
        "precision": round(true_flags / flag_n, 3) if flag_n else None,
        "standard_quotes": std_n,
        "standard_flagged": round(std_flagged / std_n, 3) if std_n else None,
        "suggestion_right": round(right / found, 3) if found else None,
        "recall_by_region": {r: round(f / g, 2) for r, (g, f) in sorted(per_region.items()) if g},
        "errors": errors,
    }


def evaluate(path: Path) -> dict:
    from kvali.quotes.service import check_quotes

    quotes = parse_set(path)
    out = check_quotes(quotes, standard="nb")
    return score(quotes, {o["id"]: o["flags"] for o in out})


def _speed_quotes(n: int) -> list[dict]:
    found = [p / "shared" / "norne" / "ndt" / "nob" for p in ROOT.parents]
    folder = next((p for p in found if p.is_dir()), None)
    texts: list[str] = []
    if folder is not None:
        for path in sorted(folder.glob("*.conll")):
            words: list[str] = []
            for line in path.read_text(encoding="utf-8").splitlines():
                cols = line.split("\t")
                if len(cols) > 1:
                    words.append(cols[1])
                elif words:
                    texts.append(" ".join(words))
                    words = []
            if len(texts) >= n:
                break
    if not texts:
        texts = [q["text"] for s in ("dev", "heldout") for q in parse_set(SETS / f"{s}.txt")]
    return [{"id": i, "text": texts[i % len(texts)]} for i in range(n)]


_SPEED_CHILD = """
import json, sys, time
t0 = time.perf_counter()
from kvali.quotes.check import checker
checker("nb")
t1 = time.perf_counter()
from kvali.quotes.service import check_quotes
items = [json.loads(line) for line in sys.stdin]
t2 = time.perf_counter()
out = check_quotes(items, standard="nb")
t3 = time.perf_counter()
print(json.dumps({"load_s": t1 - t0, "check_s": t3 - t2, "total_s": t3 - t0,
                  "flags": sum(len(o["flags"]) for o in out)}))
"""


def speed(n: int) -> dict:
    """Seconds for ``n`` quotes in a fresh process (loading the cached dictionaries included)."""
    items = _speed_quotes(n)
    subprocess.run(
        [sys.executable, "-c", "from kvali.quotes.check import checker; checker('nb')"], check=True
    )  # make sure the cache exists: the first expansion is not timed
    payload = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in items)
    t = time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-c", _SPEED_CHILD],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - t
    got = json.loads(res.stdout.strip().splitlines()[-1])
    words = sum(len(x["text"].split()) for x in items)
    return {
        "quotes": n,
        "words": words,
        "process_s": round(wall, 2),
        **{k: round(v, 2) if isinstance(v, float) else v for k, v in got.items()},
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", choices=["dev", "heldout", "both"], default="both")
    ap.add_argument("--errors", action="store_true", help="List every miss and false flag.")
    ap.add_argument("--speed", type=int, default=10_000, help="Quotes for the speed run (0: none).")
    args = ap.parse_args()
    result: dict = {}
    for name in ("dev", "heldout") if args.set == "both" else (args.set,):
        r = evaluate(SETS / f"{name}.txt")
        errors = r.pop("errors")
        result[name] = r
        print(f"{name}: {json.dumps(r, ensure_ascii=False)}")
        if args.errors:
            for e in errors:
                print("   ", e)
    if args.speed:
        result["speed"] = speed(args.speed)
        print(f"speed: {json.dumps(result['speed'])}")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
