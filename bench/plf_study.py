"""A kvali study built from bench/data/plf (the labelled evaluation statements of issue 15).

Each interview becomes a transcript: a short interviewer prompt, then the participant's
statement as one turn, for every statement in order; the codebook is imported as it is; the
statements of ``coded`` interviews become codings of their codes (off-topic ones stay uncoded),
as a researcher who has coded those interviews would have left them.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data" / "plf"
TRAIN = ("I1", "I2", "I3", "I7")  # train-like interviews: defaults and choices were made here
HELD_OUT = ("I4", "I5", "I6", "I8")  # never used to choose anything
PROMPTS = {
    "nb": ["Kan du si mer om det?", "Hvordan er det hos dere?", "Hva tenker du om det?"],
    "en": ["Could you say more about that?", "How is that at your school?", "What do you think?"],
}


def statements() -> list[dict[str, Any]]:
    lines = (DATA / "statements.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(x) for x in lines if x.strip()]


def codebook() -> dict[str, Any]:
    return yaml.safe_load((DATA / "codebook.yaml").read_text(encoding="utf-8"))


def build_study(
    project: Any, study_id: int, *, interviews: tuple[str, ...], coded: tuple[str, ...]
) -> dict[str, int]:
    """Add ``interviews`` (ids like ``I1``) with their transcripts and the codings of ``coded``;
    returns the transcript id per interview."""
    from kvali.codes.io import import_codebook
    from kvali.codings.service import add_codings
    from kvali.interviews.service import add_interview
    from kvali.participants.service import add_participant
    from kvali.transcripts.service import get_turns, import_transcript

    rows = statements()
    tids: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp, project.begin() as conn:
        import_codebook(conn, study_id, codebook())
        for iv in interviews:
            mine = [r for r in rows if r["interview"] == iv]
            who = f"R{iv[1:]}"
            add_participant(conn, study_id, code=who)
            add_interview(conn, study_id, label=iv, participants=[who], mode="in-person")
            prompts = PROMPTS[mine[0]["lang"]]
            text = "".join(
                f"I: {prompts[i % len(prompts)]}\n{who}: {r['text']}\n" for i, r in enumerate(mine)
            )
            src = Path(tmp) / f"{iv}.txt"
            src.write_text(text, encoding="utf-8")
            tids[iv] = import_transcript(conn, study_id, iv, src)
            if iv not in coded:
                continue
            turns = {
                tu["text"]: tu for tu in get_turns(conn, tids[iv]) if tu["role"] == "participant"
            }
            items = [
                {
                    "transcript_id": tids[iv],
                    "code": r["code"],
                    "start": turns[r["text"]]["start_char"],
                    "end": turns[r["text"]]["end_char"],
                    "coder": "Forsker A",
                }
                for r in mine
                if r["code"]
            ]
            add_codings(conn, study_id, items)
    return tids
