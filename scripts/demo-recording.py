"""Regenerate the demo's recording: the first turns of «Intervju 1», spoken by espeak-ng.

    .venv/bin/python scripts/demo-recording.py            # needs espeak-ng and ffmpeg (Debian)

Writes ``src/kvali/demo/data/intervju1-opptak.ogg`` (Opus, mono) and its script
``intervju1-opptak.json``: which turns, which voice, the espeak-ng and ffmpeg versions, and
where each turn really starts and ends in the audio (the truth the demo measures its alignment
against). The researchers (Forsker A and B) share one voice, the principal has the other: two
voices. Each turn starts at its written time in the transcript, or just after the previous turn
when espeak-ng needs longer than the real speaker did, so the audio keeps the transcript's clock.

Run once; kvali only decodes the file (PyAV), so the demo needs neither espeak-ng nor ffmpeg.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

from kvali.interop.transcripts import parse_transcript
from kvali.pipelines.audio import decode_audio

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "kvali" / "demo" / "data"
RATE = 16000
# Chosen by ear and by Whisper base's word error on the result (docs/transcription.md).
VOICES = {"researcher": ("nb+f3", 65), "participant": ("nb", 40)}  # espeak voice, pitch


def _version(cmd: list[str]) -> str:
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return out.strip().splitlines()[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--turns", type=int, default=3, help="how many first turns (default 3)")
    ap.add_argument("--speed", type=int, default=150, help="espeak-ng words per minute")
    ap.add_argument("--bitrate", default="20k", help="Opus bitrate (default 20k)")
    ap.add_argument("--gap-ms", type=int, default=400, help="least pause between turns")
    ap.add_argument("--out", type=Path, default=DATA / "intervju1-opptak.ogg")
    args = ap.parse_args()
    espeak, ffmpeg = shutil.which("espeak-ng"), shutil.which("ffmpeg")
    if not espeak or not ffmpeg:
        print("needs espeak-ng and ffmpeg: apt-get install espeak-ng ffmpeg", file=sys.stderr)
        return 1
    turns = parse_transcript(DATA / "intervju1.txt").turns[: args.turns]
    track = np.zeros(0, dtype=np.float32)
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, turn in enumerate(turns):
            role = "participant" if turn.speaker == "Rektor" else "researcher"
            voice, pitch = VOICES[role]
            wav = Path(tmp) / f"{i}.wav"
            subprocess.run([espeak, "-v", voice, "-p", str(pitch), "-s", str(args.speed),
                            "-w", str(wav), turn.text], check=True, capture_output=True)  # fmt: skip
            samples = decode_audio(wav)
            start = max(turn.start_ms or 0, len(track) * 1000 // RATE + (args.gap_ms if i else 0))
            pad = start * RATE // 1000 - len(track)
            track = np.concatenate([track, np.zeros(pad, dtype=np.float32), samples])
            lines.append({"turn": i, "speaker": turn.speaker, "voice": voice, "pitch": pitch,
                          "written_start_ms": turn.start_ms, "start_ms": start,
                          "end_ms": len(track) * 1000 // RATE, "text": turn.text})  # fmt: skip
        track = np.concatenate([track, np.zeros(RATE // 2, dtype=np.float32)])
        pcm = Path(tmp) / "all.wav"
        with wave.open(str(pcm), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes((np.clip(track, -1, 1) * 32767).astype("<i2").tobytes())
        args.out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([ffmpeg, "-loglevel", "error", "-y", "-i", str(pcm), "-c:a", "libopus",
                        "-b:a", args.bitrate, "-ac", "1", "-map_metadata", "-1",
                        "-fflags", "+bitexact", str(args.out)], check=True)  # fmt: skip
    data = args.out.read_bytes()
    script = {
        "interview": "Intervju 1",
        "transcript": "intervju1.txt",
        "file": args.out.name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "duration_ms": len(track) * 1000 // RATE,
        "synthesised_with": _version([espeak, "--version"]).split("  Data at")[0],
        "encoded_with": " ".join(_version([ffmpeg, "-version"]).split()[:3])
        + f", libopus {args.bitrate}, mono",
        "speed_wpm": args.speed,
        "made_by": "scripts/demo-recording.py "
        + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if k != "out"),
        "turns": lines,
    }
    args.out.with_suffix(".json").write_text(
        json.dumps(script, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(f"{args.out} ({len(data) // 1024} KiB, {script['duration_ms'] / 1000:.1f} s, "
          f"{len(lines)} turns)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
