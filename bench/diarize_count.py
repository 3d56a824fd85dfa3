"""The speaker-count estimate of the voice timeline, dialogue by dialogue, from cached windows.

    .venv/bin/python bench/diarize_count.py [--split dev|heldout|both] [--work DIR] [-v]

Uses ``bench/diarize.py``'s work folder: the rendered dialogues, Whisper's output and the voice
windows (``*.windows.json``); what is missing is made once (render, Whisper, embeddings), so
re-runs only redo the clustering (seconds). Prints per dialogue the true and the estimated
count, DER and words right with the count estimated and given, and with ``-v`` the count
criterion's score for each candidate count. Tune on ``dev`` only.

``--extra N`` adds N more dialogues made like the dev split (dev voices, other seeds, also one-
and four-voice ones) scored on the count alone: twelve dev dialogues are too few to tune a
count rule on without fitting their accidents.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from diarize import prepare, run_voice, windows_path  # noqa: E402
from diarize_set import PAUSES_MS, make_dialogue  # noqa: E402

EXTRA_SPEAKERS = (2, 3, 2, 3, 1, 4)


def extra_windows(work: Path, count: int, encoder):  # noqa: ANN001, ANN201
    """``count`` dev-like dialogues (seeds from 1000): (name, true count, windows), cached."""
    from kvali.pipelines.audio import decode_audio
    from kvali.pipelines.diarize import voice
    from kvali.pipelines.diarize.synthetic import render_dialogue

    work.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        spk = EXTRA_SPEAKERS[i % len(EXTRA_SPEAKERS)]
        d = make_dialogue(1000 + i, split="dev", speakers=max(2, spk), pause_ms=PAUSES_MS[i % 4])
        voices = d.voices if spk > 1 else [d.voices[0], d.voices[0]]
        name = f"x{i:03d}-{spk}spk-{d.pause_ms}ms"
        cache, refs = work / f"{name}.windows.json", work / f"{name}.refs.json"
        if not cache.exists() or not refs.exists():
            wav = work / f"{name}.wav"
            spans = render_dialogue(d.script, voices, wav)
            refs.write_text(json.dumps([r.__dict__ for r in spans]))
            if not cache.exists():
                vw = voice.embed_windows(encoder(), decode_audio(wav))
                cache.write_text(json.dumps(vw.to_json()))
            wav.unlink()
        yield name, spk, voice.VoiceWindows.from_json(json.loads(cache.read_text()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", choices=["dev", "heldout", "both"], default="dev")
    ap.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "kvali-bench-diarize"
    )
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--extra", type=int, default=0, help="more dev-like dialogues, count only")
    args = ap.parse_args()

    from kvali.pipelines.audio import decode_audio
    from kvali.pipelines.diarize import voice
    from kvali.pipelines.diarize.embed import VoiceEncoder
    from kvali.pipelines.diarize.metrics import der, word_accuracy
    from kvali.pipelines.stt.job import build_turns
    from kvali.pipelines.stt.transcriber import Segment

    class _Lazy:  # Whisper is loaded only when a dialogue still has to be transcribed
        _t = None

        def transcribe(self, samples):  # noqa: ANN001, ANN201
            if self._t is None:
                from kvali.pipelines.stt.models import resolve_model
                from kvali.pipelines.stt.transcriber import Transcriber

                model = resolve_model("bundled:tiny.en", language="en")
                self._t = Transcriber(model, language="en")
            return self._t.transcribe(samples)

    encoders: list = []

    def _encoder():  # noqa: ANN202
        if not encoders:
            encoders.append(VoiceEncoder())
        return encoders[0]

    agg: dict[str, list] = {"est": [], "given": []}
    for split in ("dev", "heldout") if args.split == "both" else (args.split,):
        work = args.work / split
        work.mkdir(parents=True, exist_ok=True)
        for it in prepare(work, split, _Lazy()):
            d, cache = it["dialogue"], windows_path(it["wav"])
            if not cache.exists():
                vw = voice.embed_windows(_encoder(), decode_audio(it["wav"]))
                cache.write_text(json.dumps(vw.to_json()))
            vw = voice.VoiceWindows.from_json(json.loads(cache.read_text()))
            segments = [Segment.from_dict(s) for s in it["segments"]]
            ref = [(r["start_ms"], r["end_ms"], r["speaker"]) for r in it["refs"]]
            script = [(r["speaker"], r["text"]) for r in it["refs"]]
            out = {}
            for key, n in (("est", None), ("given", d.speakers)):
                pieces, labels, spans = run_voice(None, None, segments, n, windows=vw)
                turns = build_turns(pieces, labels)
                words = word_accuracy(script, [(x["speaker"], x["text"]) for x in turns])
                row = {
                    "found": len(set(labels)),
                    "der": der(ref, spans)["der"],
                    "words": words["words_right"],
                    "pause_ms": d.pause_ms,
                    "speakers": d.speakers,
                }
                agg[key].append(row)
                out[key] = row
            e, g = out["est"], out["given"]
            mark = "  " if e["found"] == d.speakers else "XX"
            print(
                f"{mark} {d.name:28s} true {d.speakers} est {e['found']}  "
                f"DER {e['der']:.3f} (given {g['der']:.3f})  "
                f"words {e['words']:.3f} (given {g['words']:.3f})"
            )
            if args.verbose:
                for k, score in voice.count_scores(vw).items():
                    print(f"      k={k}: {score}")
    right, wrong = 0, []
    for name, spk, vw in extra_windows(args.work / "extra", args.extra, _encoder):
        found = len({s.speaker for s in voice.diarize(vw)})
        right += found == spk
        if found != spk:
            wrong.append(f"{name} → {found}")
        if args.verbose:
            mark = "  " if found == spk else "XX"
            print(f"{mark} {name:28s} true {spk} est {found}  {voice.count_scores(vw)}")
    if args.extra:
        print(f"extra: count right {right}/{args.extra}; wrong: {', '.join(wrong) or '-'}")
    for key, rows in agg.items():
        ge = [r["words"] for r in rows if r["pause_ms"] >= 200]
        print(
            f"{key:5s}: count right {np.mean([r['found'] == r['speakers'] for r in rows]):.0%}"
            f"  DER {np.mean([r['der'] for r in rows]):.1%}"
            f"  words {np.mean([r['words'] for r in rows]):.3f}"
            f"  words pause>=0.2 {np.mean(ge):.3f}"
        )


if __name__ == "__main__":
    main()
