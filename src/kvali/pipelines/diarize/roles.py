"""Who is the interviewer? Proposed from who asks the questions, confirmed by the researcher.

Speaking time alone misleads (a talkative interviewer, a terse participant), so each speaker
is scored on three signs of the interviewer's part: the share of their turns that ask a
question (a «?» or an opening question word), how many of the study's interview-guide
questions their turns match, and how short their turns are. The speaker with the highest score
is proposed as interviewer, the others as participants; nothing changes until the researcher
confirms (``kvali diarization roles INTERVIEW --confirm``) or says otherwise.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

import sqlalchemy as sa

from kvali.db import schema as t
from kvali.errors import InputError, NotFoundError
from kvali.events.service import log_event

_WORD = re.compile(r"[\w']+")
# Words that open a question when the transcript lost its «?» (speech-to-text often does).
QUESTION_WORDS = {
    "en": {"what", "how", "why", "who", "when", "where", "which", "could", "can", "do", "does",
           "did", "would", "is", "are", "have", "tell"},
    "nb": {"hva", "hvordan", "hvorfor", "hvem", "når", "hvor", "hvilke", "hvilken", "kan",
           "kunne", "vil", "er", "har", "fortell", "synes", "tenker"},
}  # fmt: skip
GUIDE_MATCH = 0.7  # share of a guide question's words, in order, that counts as asking it


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.?!])\s+", text) if s.strip()]


def _asks(text: str, words: set[str]) -> bool:
    for s in _sentences(text):
        toks = _WORD.findall(s.lower())
        if s.endswith("?") or (toks and toks[0] in words and len(toks) >= 3):
            return True
    return False


def _guide_questions(conn: sa.Connection, study_id: int) -> list[list[str]]:
    g = t.guide_nodes
    return [
        _WORD.findall(text.lower())
        for (text,) in conn.execute(
            sa.select(g.c.text).where(g.c.study_id == study_id, g.c.kind == "question")
        )
    ]


def _matches_guide(text: str, guide: list[list[str]]) -> bool:
    """A guide question counts as asked when most of its words occur, in order, in one
    sentence of the turn (interviewers rephrase and wrap the guide's wording)."""
    for s in _sentences(text):
        toks = _WORD.findall(s.lower())
        for q in guide:
            if len(q) < 3:
                continue
            sm = difflib.SequenceMatcher(None, q, toks, autojunk=False)
            if sum(b.size for b in sm.get_matching_blocks()) >= GUIDE_MATCH * len(q):
                return True
    return False


def score_speakers(
    turns: list[dict[str, Any]], language: str, guide: list[list[str]] | None = None
) -> list[dict[str, Any]]:
    """Per speaker: turns, words, questions asked, guide questions matched, the interviewer
    score and the proposed role (one interviewer: the highest score). Pure: the transcribe
    job calls it before its turns are stored."""
    words = QUESTION_WORDS["en" if (language or "").lower().startswith("en") else "nb"]
    stats: dict[str, dict[str, Any]] = {}
    for tr in turns:
        row = stats.setdefault(
            tr["speaker"],
            {"speaker": tr["speaker"], "role": tr.get("role"), "turns": 0, "words": 0,
             "questions": 0, "guide_questions": 0},
        )  # fmt: skip
        row["turns"] += 1
        row["words"] += len(_WORD.findall(tr["text"]))
        row["questions"] += _asks(tr["text"], words)
        row["guide_questions"] += bool(guide) and _matches_guide(tr["text"], guide or [])
    rows = list(stats.values())
    if not rows:
        return rows
    longest = max(r["words"] / r["turns"] for r in rows) or 1
    total_guide = sum(r["guide_questions"] for r in rows)
    for r in rows:
        r["question_share"] = round(r["questions"] / r["turns"], 3)
        r["words_per_turn"] = round(r["words"] / r["turns"], 1)
        guide_share = r["guide_questions"] / total_guide if total_guide else 0.0
        shortness = 1.0 - (r["words"] / r["turns"]) / longest
        r["score"] = round(r["question_share"] + guide_share + 0.5 * shortness, 3)
    top = max(rows, key=lambda r: (r["score"], -r["words"]))["speaker"] if len(rows) > 1 else None
    for r in rows:
        r["proposed_role"] = "interviewer" if r["speaker"] == top else "participant"
    return rows


def propose_for_turns(
    conn: sa.Connection, study_id: int, turns: list[dict[str, Any]], language: str
) -> None:
    """Set each new turn's role to the proposal (the transcribe job, before saving)."""
    rows = score_speakers(turns, language, _guide_questions(conn, study_id))
    role = {r["speaker"]: r["proposed_role"] for r in rows}
    for tr in turns:
        tr["role"] = role[tr["speaker"]]


def propose_roles(conn: sa.Connection, study_id: int, transcript_id: int) -> dict[str, Any]:
    """The proposal for a stored transcript, with the study's guide questions, next to each
    speaker's current role."""
    from kvali.transcripts.service import check_transcript_in_study, get_turns

    check_transcript_in_study(conn, study_id, transcript_id)
    lang = conn.execute(
        sa.select(t.transcripts.c.language).where(t.transcripts.c.id == transcript_id)
    ).scalar()
    guide = _guide_questions(conn, study_id)
    rows = score_speakers(get_turns(conn, transcript_id), lang or "nb", guide)
    if not rows:
        raise NotFoundError("transcript {transcript_id} has no turns", transcript_id=transcript_id)
    return {
        "transcript_id": transcript_id,
        "interviewer": next(
            (r["speaker"] for r in rows if r["proposed_role"] == "interviewer"), None
        ),
        "guide_questions": len(guide),
        "speakers": rows,
        "changes": sum(r["role"] != r["proposed_role"] for r in rows),
    }


def set_roles(
    conn: sa.Connection, study_id: int, transcript_id: int, roles: dict[str, str]
) -> dict[str, Any]:
    """Give each named speaker a role across the transcript (the researcher's confirmation);
    participant turns are linked to the interview's participant when it has exactly one."""
    from kvali.transcripts.service import ROLES, check_transcript_in_study

    check_transcript_in_study(conn, study_id, transcript_id)
    known = {
        s for (s,) in conn.execute(
            sa.select(t.turns.c.speaker).where(t.turns.c.transcript_id == transcript_id).distinct()
        )
    }  # fmt: skip
    for speaker, role in roles.items():
        if speaker not in known:
            raise NotFoundError(
                "no speaker {speaker!r} (speakers: {known})",
                speaker=speaker,
                known=", ".join(sorted(known)),
            )
        if role not in ROLES:
            raise InputError("role must be one of {roles}", roles=", ".join(ROLES))
    pid = _only_participant(conn, transcript_id)
    changed = 0
    for speaker, role in roles.items():
        changed += conn.execute(
            t.turns.update()
            .where(t.turns.c.transcript_id == transcript_id, t.turns.c.speaker == speaker)
            .values(role=role, participant_id=pid if role == "participant" else None)
        ).rowcount
    log_event(
        conn,
        study_id=study_id,
        action="confirm_roles",
        entity="transcript",
        entity_id=transcript_id,
        payload={"speakers": len(roles), "turns": changed,
                 "interviewers": sum(r == "interviewer" for r in roles.values())},
    )  # fmt: skip
    return {"transcript_id": transcript_id, "turns": changed, "roles": roles}


def _only_participant(conn: sa.Connection, transcript_id: int) -> int | None:
    ip = t.interview_participants
    pids = conn.execute(
        sa.select(ip.c.participant_id)
        .join(t.transcripts, t.transcripts.c.interview_id == ip.c.interview_id)
        .where(t.transcripts.c.id == transcript_id)
    ).all()
    return pids[0][0] if len(pids) == 1 else None
