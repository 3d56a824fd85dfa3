"""Diarization made elsewhere: RTTM (pyannote and others), WhisperX JSON, noScribe/WebVTT with
voice tags. Speaker labels go onto an existing transcript's turns by time overlap, or, when the
interview has no transcript yet and the file has text, the file becomes the transcript."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kvali.db import schema as t
from kvali.errors import InputError
from kvali.events.service import log_event


@dataclass
class SpeakerSpan:
    start_ms: int
    end_ms: int
    speaker: str
    text: str = ""


def _ms(stamp: str) -> int:
    parts = stamp.replace(",", ".").split(":")
    secs = float(parts[-1]) + 60 * float(parts[-2] if len(parts) > 1 else 0)
    secs += 3600 * float(parts[-3]) if len(parts) > 2 else 0
    return round(secs * 1000)


def parse_rttm(text: str, path: Path) -> list[SpeakerSpan]:
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        f = line.split()
        if not f or f[0] != "SPEAKER":
            continue
        if len(f) < 8:
            raise InputError("an RTTM SPEAKER line needs 8+ fields", file=path, line=n)
        start = round(float(f[3]) * 1000)
        out.append(SpeakerSpan(start, start + round(float(f[4]) * 1000), f[7]))
    return out


def parse_whisperx(data: Any, path: Path) -> list[SpeakerSpan]:
    segs = data.get("segments") if isinstance(data, dict) else data
    if not isinstance(segs, list):
        raise InputError("expected WhisperX JSON with a 'segments' list", file=path)
    out = []
    for s in segs:
        if "start" not in s or "end" not in s:
            continue
        out.append(
            SpeakerSpan(
                round(float(s["start"]) * 1000),
                round(float(s["end"]) * 1000),
                str(s.get("speaker") or "SPEAKER"),
                str(s.get("text") or "").strip(),
            )
        )
    return out


_CUE = re.compile(r"([\d:.,]+)\s*-->\s*([\d:.,]+)")
_VOICE = re.compile(r"^<v(?:\.[^ >]*)?\s+([^>]+)>(.*?)(?:</v>)?$", re.S)
_LABEL = re.compile(r"^([^:\n]{1,40}):\s+(.*)$", re.S)


def parse_vtt(text: str, path: Path) -> list[SpeakerSpan]:
    """WebVTT with ``<v Speaker>`` tags (noScribe, WhisperX) or ``Speaker: text`` cues."""
    out = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = block.strip().splitlines()
        for i, line in enumerate(lines):
            m = _CUE.search(line)
            if not m:
                continue
            body = " ".join(lines[i + 1 :]).strip()
            speaker = "SPEAKER"
            if v := _VOICE.match(body):
                speaker, body = v.group(1).strip(), v.group(2)
            elif lab := _LABEL.match(body):
                speaker, body = lab.group(1).strip(), lab.group(2)
            body = re.sub(r"<[^>]+>", "", body).strip()
            out.append(SpeakerSpan(_ms(m.group(1)), _ms(m.group(2)), speaker, body))
            break
    return out


def parse_diarization(path: Path) -> list[SpeakerSpan]:
    text = path.read_text(encoding="utf-8-sig")
    suffix = path.suffix.lower()
    if suffix == ".rttm" or text.lstrip().startswith("SPEAKER "):
        spans = parse_rttm(text, path)
    elif suffix == ".json":
        try:
            spans = parse_whisperx(json.loads(text), path)
        except json.JSONDecodeError as exc:
            raise InputError("invalid JSON: {exc}", file=path, line=exc.lineno, exc=exc) from exc
    elif suffix == ".vtt" or text.startswith("WEBVTT"):
        spans = parse_vtt(text, path)
    else:
        raise InputError("unknown diarization format; use .rttm, WhisperX .json or .vtt", file=path)
    if not spans:
        raise InputError("no speaker segments found", file=path)
    return sorted(spans, key=lambda s: s.start_ms)


def speaker_for(start: int, end: int, spans: list[SpeakerSpan]) -> str | None:
    """The speaker overlapping ``[start, end)`` the most (None when nobody does)."""
    best: dict[str, int] = {}
    for s in spans:
        if s.start_ms >= end:
            break
        overlap = min(end, s.end_ms) - max(start, s.start_ms)
        if overlap > 0:
            best[s.speaker] = best.get(s.speaker, 0) + overlap
    return max(best, key=lambda k: best[k]) if best else None


def apply_diarization(
    conn: sa.Connection, study_id: int, transcript_id: int, spans: list[SpeakerSpan]
) -> dict[str, Any]:
    """Relabel turns with the speaker who talks most during each; turns without timestamps or
    without overlap keep their label. Roles: the longest-talking speaker is the participant."""
    talk: dict[str, int] = {}
    for s in spans:
        talk[s.speaker] = talk.get(s.speaker, 0) + s.end_ms - s.start_ms
    main = max(talk, key=lambda k: talk[k])
    turns = conn.execute(
        sa.select(t.turns.c.id, t.turns.c.start_ms, t.turns.c.end_ms, t.turns.c.speaker)
        .where(t.turns.c.transcript_id == transcript_id)
        .order_by(t.turns.c.position)
    ).all()
    changed = 0
    for i, tr in enumerate(turns):
        if tr.start_ms is None:
            continue
        end = (
            tr.end_ms
            or (turns[i + 1].start_ms if i + 1 < len(turns) else None)
            or tr.start_ms + 2000
        )
        who = speaker_for(tr.start_ms, end, spans)
        if who is None:
            continue
        role = "participant" if who == main else "interviewer"
        conn.execute(t.turns.update().where(t.turns.c.id == tr.id).values(speaker=who, role=role))
        changed += 1
    log_event(
        conn,
        study_id=study_id,
        action="import_diarization",
        entity="transcript",
        entity_id=transcript_id,
        payload={"turns": changed, "speakers": len(talk)},
    )
    return {"turns_relabelled": changed, "speakers": sorted(talk)}


def import_diarization(
    conn: sa.Connection, study_id: int, interview: str | int, path: str | Path
) -> dict[str, Any]:
    """Relabel the interview's transcript, or create it from the file when there is none."""
    from kvali.interviews.service import interview_id
    from kvali.transcripts.service import save_transcript

    path = Path(path)
    spans = parse_diarization(path)
    iid = interview_id(conn, study_id, interview)
    tid = conn.execute(
        sa.select(t.transcripts.c.id).where(t.transcripts.c.interview_id == iid)
    ).scalar()
    if tid is not None:
        return {"transcript_id": tid, "created": False} | apply_diarization(
            conn, study_id, tid, spans
        )
    if not any(s.text for s in spans):
        raise InputError(
            "interview {interview!r} has no transcript yet and the file has no text: transcribe or import the transcript first",
            file=path,
            interview=interview,
        )
    talk: dict[str, int] = {}
    for s in spans:
        talk[s.speaker] = talk.get(s.speaker, 0) + s.end_ms - s.start_ms
    main = max(talk, key=lambda k: talk[k])
    turns: list[dict[str, Any]] = []
    for s in spans:
        if not s.text:
            continue
        if turns and turns[-1]["speaker"] == s.speaker:
            turns[-1]["text"] += " " + s.text
            turns[-1]["end_ms"] = s.end_ms
        else:
            role = "participant" if s.speaker == main else "interviewer"
            turns.append(
                {
                    "speaker": s.speaker,
                    "role": role,
                    "start_ms": s.start_ms,
                    "end_ms": s.end_ms,
                    "text": s.text,
                }
            )
    tid = save_transcript(
        conn,
        study_id,
        iid,
        turns=turns,
        source=str(path),
        provenance={"imported_from": path.name, "format": path.suffix.lstrip(".") or "diarization"},
    )
    return {
        "transcript_id": tid,
        "created": True,
        "turns_relabelled": len(turns),
        "speakers": sorted(talk),
    }
