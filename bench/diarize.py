"""Speaker separation benchmark: the voice timeline against the method it replaced, same run.

    .venv/bin/python bench/diarize.py [--split dev|heldout|both] [--work DIR] [--append FILE]

The evaluation set (``bench/diarize_set.py``) is rendered with espeak-ng into ``--work`` and
transcribed once per dialogue with Whisper tiny.en; both methods then label the same Whisper
segments:

* ``segments`` (before issue 19): Whisper segments split at word gaps >= 400 ms, one GE2E
  embedding per piece, average-linkage clustering of the pieces.
* ``voice``: :mod:`kvali.pipelines.diarize.voice` (VAD regions, sliding-window embeddings,
  change points, clustering, Viterbi) and :mod:`kvali.pipelines.diarize.turns`.

Each runs with the true speaker count given and with the count estimated. Scores: DER with a
±0.25 s collar, overlap scored (``kvali.pipelines.diarize.metrics``), the share of words on
the right speaker (words matched by text), and whether the speaker count was right. Time:
wall and CPU seconds of each method's speaker work per second of audio, next to Whisper's in
the same run. Prints a table per split and one JSON line last.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from diarize_set import PAUSES_MS, evaluation_set  # noqa: E402

METHODS = ("segments", "voice")


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(t: tuple[float, float]) -> tuple[float, float]:
    return time.perf_counter() - t[0], time.process_time() - t[1]


def prepare(work: Path, split: str, transcriber) -> list[dict]:  # noqa: ANN001
    """Render and transcribe each dialogue once (cached in ``work``)."""
    from kvali.pipelines.audio import decode_audio
    from kvali.pipelines.diarize.synthetic import render_dialogue, to_rttm

    out = []
    for d in evaluation_set(split):
        wav, meta = work / f"{d.name}.wav", work / f"{d.name}.json"
        if not meta.exists():
            refs = render_dialogue(d.script, d.voices, wav)
            (work / f"{d.name}.rttm").write_text(to_rttm(refs, d.name))
            t = _clock()
            segments = transcriber.transcribe(decode_audio(wav))
            wall, cpu = _since(t)
            meta.write_text(
                json.dumps(
                    {
                        "refs": [r.__dict__ for r in refs],
                        "segments": [s.to_dict() for s in segments],
                        "whisper_wall_s": wall,
                        "whisper_cpu_s": cpu,
                    }
                )
            )
        out.append({"dialogue": d, "wav": wav, **json.loads(meta.read_text())})
    return out


def run_segments(encoder, samples, segments, n):  # noqa: ANN001, ANN201
    from kvali.pipelines.diarize.cluster import assign_speakers

    clips = [samples[s.start_ms * 16 : s.end_ms * 16] for s in segments]
    emb = encoder.embed_many(clips)
    labels = assign_speakers(emb, [s.end_ms - s.start_ms for s in segments], n=n)
    spans = [(s.start_ms, s.end_ms, f"L{k}") for s, k in zip(segments, labels, strict=True)]
    return segments, labels, spans


def run_voice(encoder, samples, segments, n):  # noqa: ANN001, ANN201
    from kvali.pipelines.diarize.turns import split_segments
    from kvali.pipelines.diarize.voice import diarize, embed_windows

    timeline = diarize(embed_windows(encoder, samples), n=n)
    pieces, labels = split_segments(segments, timeline)
    return pieces, labels, [(s.start_ms, s.end_ms, f"L{s.speaker}") for s in timeline]


def evaluate(items: list[dict], encoder) -> list[dict]:  # noqa: ANN001
    from kvali.pipelines.audio import decode_audio
    from kvali.pipelines.diarize.metrics import der, word_accuracy
    from kvali.pipelines.stt.job import build_turns
    from kvali.pipelines.stt.transcriber import Segment

    rows = []
    for it in items:
        d = it["dialogue"]
        samples = decode_audio(it["wav"])
        audio_s = len(samples) / 16000
        segments = [Segment.from_dict(s) for s in it["segments"]]
        ref = [(r["start_ms"], r["end_ms"], r["speaker"]) for r in it["refs"]]
        script = [(r["speaker"], r["text"]) for r in it["refs"]]
        for method, fn in (("segments", run_segments), ("voice", run_voice)):
            for given in (True, False):
                t = _clock()
                pieces, labels, spans = fn(
                    encoder, samples, segments, d.speakers if given else None
                )
                wall, cpu = _since(t)
                turns = build_turns(pieces, labels)
                words = word_accuracy(script, [(x["speaker"], x["text"]) for x in turns])
                rows.append(
                    {
                        "dialogue": d.name,
                        "split": d.split,
                        "speakers": d.speakers,
                        "pause_ms": d.pause_ms,
                        "method": method,
                        "count": "given" if given else "estimated",
                        "der": der(ref, spans)["der"],
                        "words_right": words["words_right"],
                        "count_right": len(set(labels)) == d.speakers,
                        "speakers_found": len(set(labels)),
                        "turns": len(turns),
                        "audio_s": audio_s,
                        "wall_rtf": wall / audio_s,
                        "cpu_rtf": cpu / audio_s,
                        "whisper_wall_rtf": it["whisper_wall_s"] / audio_s,
                        "whisper_cpu_rtf": it["whisper_cpu_s"] / audio_s,
                    }
                )
        print(f"  {d.name}", file=sys.stderr, flush=True)
    return rows


def summarise(rows: list[dict]) -> dict:
    out: dict = {}
    for split in sorted({r["split"] for r in rows}):
        for method in METHODS:
            for count in ("given", "estimated"):
                sel = [
                    r
                    for r in rows
                    if (r["split"], r["method"], r["count"]) == (split, method, count)
                ]
                if not sel:
                    continue
                key = f"{split}/{method}/{count}"
                out[key] = {
                    "dialogues": len(sel),
                    "der": round(float(np.mean([r["der"] for r in sel])), 3),
                    "words_right": round(float(np.mean([r["words_right"] for r in sel])), 3),
                    "words_right_pause_ge_200": round(
                        float(np.mean([r["words_right"] for r in sel if r["pause_ms"] >= 200])), 3
                    ),
                    "min_words_right": round(float(min(r["words_right"] for r in sel)), 3),
                    "count_right": round(float(np.mean([r["count_right"] for r in sel])), 3),
                    "by_pause": {
                        p: round(
                            float(np.mean([r["words_right"] for r in sel if r["pause_ms"] == p])), 3
                        )
                        for p in PAUSES_MS
                    },
                    "wall_rtf": round(float(np.mean([r["wall_rtf"] for r in sel])), 4),
                    "cpu_rtf": round(float(np.mean([r["cpu_rtf"] for r in sel])), 4),
                    "whisper_wall_rtf": round(
                        float(np.mean([r["whisper_wall_rtf"] for r in sel])), 4
                    ),
                }
    return out


def table(summary: dict) -> str:
    head = (
        "| split | method | speaker count | DER | words right | words right, pauses ≥ 0.2 s "
        "| words right by pause 0 / 0.2 / 0.5 / 1 s | count right | added wall × real time "
        "| CPU × real time | Whisper wall × real time |\n|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = []
    for key, s in summary.items():
        split, method, count = key.split("/")
        by = " / ".join(f"{v:.3f}" for v in s["by_pause"].values())
        lines.append(
            f"| {split} ({s['dialogues']}) | {method} | {count} | {s['der']:.1%} | "
            f"{s['words_right']:.3f} | {s['words_right_pause_ge_200']:.3f} | {by} | "
            f"{s['count_right']:.0%} | {s['wall_rtf']:.3f} | {s['cpu_rtf']:.3f} | "
            f"{s['whisper_wall_rtf']:.3f} |"
        )
    return head + "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", choices=["dev", "heldout", "both"], default="both")
    ap.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "kvali-bench-diarize"
    )
    ap.add_argument("--append", type=Path, default=None, help="add the table to this file")
    args = ap.parse_args()

    from kvali.pipelines.diarize.embed import VoiceEncoder
    from kvali.pipelines.stt.models import resolve_model
    from kvali.pipelines.stt.transcriber import Transcriber

    transcriber = Transcriber(resolve_model("bundled:tiny.en", language="en"), language="en")
    encoder = VoiceEncoder()
    rows = []
    for split in ("dev", "heldout") if args.split == "both" else (args.split,):
        work = args.work / split
        work.mkdir(parents=True, exist_ok=True)
        print(f"{split}: rendering, transcribing, separating", file=sys.stderr)
        rows += evaluate(prepare(work, split, transcriber), encoder)
    summary = summarise(rows)
    text = table(summary)
    print(text)
    (args.work / "rows.json").write_text(json.dumps(rows, indent=1))
    if args.append:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        with args.append.open("a", encoding="utf-8") as f:
            f.write(
                f"\n### `bench/diarize.py`, {date.today().isoformat()}, "
                f"{len(rows) // 4} dialogues, peak RSS {peak} MB\n\n{text}"
            )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
