"""A long synthetic interview for the coding screen's speed checks (tests and bench/web.py).

Deterministic: the same seed gives the same 300,000-character transcript and 2,000 codings,
made through the real services (``save_transcript``, ``create_code``, ``add_coding``).
"""

from __future__ import annotations

import random
from typing import Any

from kvali.project import Project

WORDS = (
    "vi deler erfaringer fra egen praksis hver uke og det krever tid lærerne møtes i team "
    "rektor leder arbeidet sammen med teamlederne nettverket gir faglig påfyll elevene lærer "
    "mer når vi samarbeider om undervisningen kultur for læring tillit respekt refleksjon "
    "utviklingstid tirsdager kommunen skoleeier ressurser kompetanse kapasitet struktur"
).split()
EMOJI = ("😀", "👍", "🙂")


def long_turns(chars: int, *, seed: int = 7) -> list[dict[str, Any]]:
    """Alternating interviewer/participant turns of 60–400 characters until ``chars`` is reached."""
    rnd = random.Random(seed)
    turns: list[dict[str, Any]] = []
    total, ms = 0, 0
    while total < chars:
        interviewer = len(turns) % 2 == 0
        target = rnd.randint(40, 120) if interviewer else rnd.randint(150, 420)
        words: list[str] = []
        n = 0
        while n < target:
            w = rnd.choice(WORDS)
            if rnd.random() < 0.01:
                w += " " + rnd.choice(EMOJI)
            words.append(w)
            n += len(w) + 1
        text = " ".join(words).capitalize() + "."
        turns.append(
            {
                "speaker": "Intervjuer" if interviewer else "R9",
                "role": "interviewer" if interviewer else "participant",
                "start_ms": ms,
                "end_ms": ms + 4000,
                "text": text,
            }
        )
        ms += 5000
        total += len(text) + 1
    return turns


def build_long_interview(
    project: Project,
    *,
    label: str = "Langt intervju",
    chars: int = 300_000,
    codings: int = 2000,
    seed: int = 7,
) -> dict[str, int]:
    """Add an interview with a ``chars``-long transcript and ``codings`` codings over 8 codes."""
    from kvali.codes.service import create_code
    from kvali.codings import service as coding_service
    from kvali.interviews.service import add_interview
    from kvali.participants.service import add_participant
    from kvali.studies.service import default_study_id
    from kvali.transcripts.service import get_turns, save_transcript

    rnd = random.Random(seed)
    with project.begin() as conn:
        sid = default_study_id(conn)
        add_participant(conn, sid, code="R9", attributes={"skoletype": "kombinert"})
        iid = add_interview(conn, sid, label=label, participants=["R9"], mode="digital")
        tid = save_transcript(conn, sid, label, turns=long_turns(chars, seed=seed))
        theme = create_code(conn, sid, name="Lang analyse", level="theme")
        code_ids = [create_code(conn, sid, name=f"Langkode {i}", parent=theme) for i in range(8)]
        turns = get_turns(conn, tid)
        items: dict[tuple[int, int, int], dict[str, Any]] = {}
        while len(items) < codings:
            turn = turns[rnd.randrange(len(turns))]
            length = turn["end_char"] - turn["start_char"]
            start = turn["start_char"] + rnd.randrange(max(1, length - 20))
            end = min(turn["end_char"], start + rnd.randint(10, 200))
            code = rnd.choice(code_ids)
            if end > start:
                items[(code, start, end)] = {
                    "transcript_id": tid,
                    "code": code,
                    "start": start,
                    "end": end,
                    "gold": rnd.random() < 0.05,
                }
        bulk = getattr(
            coding_service, "add_codings", None
        )  # one statement where the service has it
        if bulk is not None:
            bulk(conn, sid, list(items.values()))
        else:
            for item in items.values():
                coding_service.add_coding(conn, sid, **item)
        char_count = turns[-1]["end_char"]
    return {"interview_id": iid, "transcript_id": tid, "chars": char_count, "study_id": sid}
