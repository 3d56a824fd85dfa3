"""The ``transcribe`` job: audio windows → Whisper segments (+ voice embeddings) checkpointed
per window → speakers clustered over the whole recording → turns, words, provenance.

Each finished window is one transaction (its segments and the job's progress), so a killed
job resumes after the last window; turns are written once, at the end, from the checkpoints.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kvali.errors import InputError
from kvali.interviews.service import get_interview, interview_id
from kvali.pipelines import gaps as gaps_mod
from kvali.pipelines.tables import transcription_chunks as chunks
from kvali.project import Project
from kvali.util import now

SAMPLE_RATE = 16000


def audio_path(project: Project, params: dict[str, Any], interview: dict[str, Any]) -> Path:
    """The recording: ``--audio`` as given, else the interview's stored media file."""
    raw = params.get("audio") or interview.get("audio_path")
    if not raw:
        raise InputError(
            "interview {label!r} has no audio; give one with --audio FILE", label=interview["label"]
        )
    path = Path(raw)
    if not path.is_absolute():
        path = project.path / path
    if not path.is_file():
        raise InputError("no audio file {path}", path=path)
    return path


def run(project: Project, job: dict[str, Any], report: Callable[..., None]) -> dict[str, Any]:
    from kvali.pipelines import audio
    from kvali.pipelines.stt.languages import whisper_language
    from kvali.pipelines.stt.models import choose_model, reason_text, resolve_model
    from kvali.pipelines.stt.transcriber import Segment, Transcriber

    p = job["params"]
    sid = job["study_id"]
    with project.begin() as conn:
        interview = get_interview(conn, sid, p["interview"])
        if not p.get("replace") and not p.get("align") and _has_transcript(conn, interview["id"]):
            raise InputError(
                "interview {label!r} already has a transcript", label=interview["label"]
            )
        done = (
            conn.execute(
                sa.select(chunks).where(chunks.c.job_id == job["id"]).order_by(chunks.c.position)
            )
            .mappings()
            .all()
        )
    path = audio_path(project, p, interview)
    language = whisper_language(p.get("language"))
    spec, reason = choose_model(p.get("model"), language)
    model = resolve_model(spec, language=language, allow_download=bool(p.get("allow_download")))
    choice = {"model": model.name, "source": model.source, "why": reason["why"],
              "reason": reason_text(reason)}  # fmt: skip
    speakers = p.get("speakers")
    encoder = None
    if speakers != 1:
        from kvali.pipelines.diarize.embed import VoiceEncoder

        encoder = VoiceEncoder()  # fails here, before any work, when the weights are missing
    total = audio.duration_ms(path)
    start_ms = done[-1]["end_ms"] if done else 0
    report(start_ms, total, "loading model")
    transcriber = Transcriber(
        model,
        language=language,
        device=p.get("device") or "cpu",
        compute_type=p.get("compute_type"),
        cpu_threads=int(p.get("cpu_threads") or 0),
        batched=bool(p.get("batched")),
        batch_size=int(p.get("batch_size") or 8),
        **(p.get("whisper_options") or {}),
    )
    vad_parameters = transcriber.options.get("vad_parameters") or {}
    for window in audio.iter_windows(
        path, window_s=float(p.get("window_s") or 300), start_index=len(done), start_ms=start_ms
    ):
        segments = transcriber.transcribe(window.samples, offset_ms=window.start_ms)
        speech = gaps_mod.speech_regions(window.samples, vad_parameters, offset_ms=window.start_ms)
        segments, window_gaps = gaps_mod.find_gaps(speech, segments)
        payload = {
            "segments": [s.to_dict() for s in segments],
            "gaps": [g.to_dict() for g in window_gaps],
            "speech_ms": gaps_mod.speech_ms(speech),
        }
        voice = None
        if encoder is not None:
            from kvali.pipelines.diarize.voice import embed_windows

            voice = embed_windows(encoder, window.samples, offset_ms=window.start_ms).to_json()
        with project.begin() as conn:
            conn.execute(
                chunks.insert().values(
                    job_id=job["id"],
                    interview_id=interview["id"],
                    position=window.index,
                    start_ms=window.start_ms,
                    end_ms=window.end_ms,
                    segments=payload,
                    voice=voice,
                    created_at=now(),
                )
            )
        report(
            window.end_ms, max(total or 0, window.end_ms), f"transcribed {window.end_ms // 1000} s"
        )
    with project.begin() as conn:
        rows = conn.execute(
            sa.select(chunks.c.segments, chunks.c.voice)
            .where(chunks.c.job_id == job["id"])
            .order_by(chunks.c.position)
        ).all()
        checkpoints = [_checkpoint(segs) for segs, _ in rows]
        seg_dicts = [d for c in checkpoints for d in c["segments"]]
        gaps = [gaps_mod.Gap.from_dict(g) for c in checkpoints for g in c["gaps"]]
        speech = _speech_stats(checkpoints, gaps)
        segments = [Segment.from_dict(d) for d in seg_dicts]
        timeline: list[Any] = []
        segments, labels = _speakers(
            segments, seg_dicts, [v for _, v in rows], speakers, timeline=timeline
        )
        segments, labels = with_gaps(segments, labels, gaps, language, timeline)
        turns = build_turns(segments, labels)
        if len({t["speaker"] for t in turns}) > 1:
            from kvali.pipelines.diarize.roles import propose_for_turns

            propose_for_turns(conn, sid, turns, language)
        provenance = {
            **model.provenance(),
            "model_choice": choice["why"],
            "language": language,
            "parameters": {
                **transcriber.parameters(),
                "speakers": speakers,
                "window_s": p.get("window_s") or 300,
            },
            "diarization": _diarization_provenance() if encoder else None,
            "speech": speech,
            "audio_duration_ms": total,
            "kvali_version": metadata.version("kvali"),
        }
        if p.get("synthetic"):
            provenance["synthetic"] = True  # demo audio: left out of the mode comparison
        if p.get("align"):  # times for the transcript already there (pipelines/stt/align.py)
            from kvali.pipelines.stt.align import align_transcription

            turns_range = tuple(p["align_turns"]) if p.get("align_turns") else None
            quality = align_transcription(conn, sid, interview["id"], segments,
                                          provenance=provenance, turns=turns_range)  # fmt: skip
            conn.execute(chunks.delete().where(chunks.c.job_id == job["id"]))
            return {"interview": interview["label"], "aligned": quality, "duration_ms": total,
                    "segments": len(segments), "model": choice,
                    **_speech_result(speech, gaps)}  # fmt: skip
        tid = store_transcription(
            conn,
            sid,
            interview["id"],
            turns,
            language=language,
            source=path.name,
            provenance=provenance,
            replace=bool(p.get("replace")),
        )
        gaps_mod.save_gaps(conn, tid, gaps, language)
        conn.execute(chunks.delete().where(chunks.c.job_id == job["id"]))
    return {
        "transcript_id": tid,
        "interview": interview["label"],
        "turns": len(turns),
        "speakers": sorted({t["speaker"] for t in turns}),
        "segments": len(segments),
        "duration_ms": total,
        "model": choice,
        **_speech_result(speech, gaps),
    }


def _distance(a: Any, b: Any) -> int:
    return max(a.start_ms - b.end_ms, b.start_ms - a.end_ms, 0)


def _checkpoint(stored: Any) -> dict[str, Any]:
    """A window's checkpoint; one written before gaps existed is a bare list of segments."""
    if isinstance(stored, list):
        return {"segments": stored, "gaps": [], "speech_ms": None}
    return stored


def _speech_stats(checkpoints: list[dict[str, Any]], gaps: list[Any]) -> dict[str, Any]:
    """How much speech the voice-activity detector heard, and how much of it is in gaps."""
    heard = [c["speech_ms"] for c in checkpoints]
    speech_ms = None if any(h is None for h in heard) else sum(heard)
    gap_ms = sum(g.end_ms - g.start_ms for g in gaps)
    return {
        "speech_ms": speech_ms,
        "gap_ms": gap_ms,
        "transcribed_ms": None if speech_ms is None else max(speech_ms - gap_ms, 0),
        "gaps": len(gaps),
        "method": {
            "max_compression": gaps_mod.MAX_COMPRESSION,
            "min_gap_ms": gaps_mod.MIN_GAP_MS,
            "pad_ms": gaps_mod.PAD_MS,
        },
    }


def _speech_result(speech: dict[str, Any], gaps: list[Any]) -> dict[str, Any]:
    ms = speech["transcribed_ms"]
    return {
        "speech_s": None if speech["speech_ms"] is None else round(speech["speech_ms"] / 1000, 1),
        "transcribed_s": None if ms is None else round(ms / 1000, 1),
        "gap_s": round(speech["gap_ms"] / 1000, 1),
        "gaps": [g.summary() for g in gaps],
    }


def with_gaps(
    segments: list[Any],
    labels: list[int],
    gaps: list[Any],
    language: str,
    timeline: list[Any] | None = None,
) -> tuple[list[Any], list[int]]:
    """The gaps' markers among the segments in time order, each with the speaker the voice
    timeline hears most during it, else the speaker of the nearer neighbouring segment."""
    if not gaps:
        return segments, labels

    def voice_of(g: Any) -> int | None:
        heard: dict[int, int] = {}
        for sp in timeline or ():
            overlap = min(sp.end_ms, g.end_ms) - max(sp.start_ms, g.start_ms)
            if overlap > 0:
                heard[sp.speaker] = heard.get(sp.speaker, 0) + overlap
        return max(heard, key=lambda k: heard[k]) if heard else None

    items = [(s.start_ms, 0, s, lab) for s, lab in zip(segments, labels, strict=True)]
    items += [(g.start_ms, 1, gaps_mod.gap_segment(g, language), voice_of(g)) for g in gaps]
    items.sort(key=lambda x: (x[0], x[1]))
    out_s, out_l = [], []
    for i, (_, _, seg, lab) in enumerate(items):
        if lab is None:
            before = next((x for x in reversed(items[:i]) if x[1] == 0), None)
            after = next((x for x in items[i + 1 :] if x[1] == 0), None)
            near = [x for x in (before, after) if x is not None]
            if near:
                lab = min(near, key=lambda x: _distance(x[2], seg))[3]
            else:
                lab = 0
        out_s.append(seg)
        out_l.append(lab)
    return out_s, out_l


def _has_transcript(conn: sa.Connection, iid: int) -> bool:
    from kvali.db import schema as t

    return (
        conn.execute(
            sa.select(t.transcripts.c.id).where(t.transcripts.c.interview_id == iid)
        ).first()
        is not None
    )


def _speakers(
    segments: list[Any],
    seg_dicts: list[dict[str, Any]],
    voice: list[Any],
    n: int | None,
    *,
    timeline: list[Any] | None = None,
) -> tuple[list[Any], list[int]]:
    """Segments split at speaker changes and a speaker index per segment: from the voice
    timeline of the whole recording (:mod:`kvali.pipelines.diarize.voice`), which is also
    put in ``timeline`` when given. A job checkpointed before voice windows existed clusters
    its per-segment embeddings as it used to."""
    import numpy as np

    if n == 1 or not segments:
        return segments, [0] * len(segments)
    if all(v is not None for v in voice):
        from kvali.pipelines.diarize.turns import split_segments
        from kvali.pipelines.diarize.voice import VoiceWindows, diarize

        windows = VoiceWindows.concat([VoiceWindows.from_json(v) for v in voice])
        spans = diarize(windows, n=n)
        if timeline is not None:
            timeline.extend(spans)
        return split_segments(segments, spans)
    if "embedding" not in seg_dicts[0]:
        return segments, [0] * len(segments)
    from kvali.pipelines.diarize.cluster import assign_speakers

    emb = np.array([d["embedding"] for d in seg_dicts], dtype=np.float32)
    return segments, assign_speakers(emb, [d["end_ms"] - d["start_ms"] for d in seg_dicts], n=n)


def _diarization_provenance() -> dict[str, Any]:
    from kvali.pipelines.diarize import voice

    return {
        "method": "voice timeline: Silero VAD regions, GE2E window embeddings "
        "(resemblyzer-0.1.4 weights, numpy), change points, average-linkage clustering, "
        "Viterbi resegmentation; words by midpoint, segments split at speaker changes",
        "window_ms": voice.WIN_MS,
        "hop_ms": voice.HOP_MS,
        "vad": voice.VAD,
    }


def build_turns(segments: list[Any], labels: list[int]) -> list[dict[str, Any]]:
    """Consecutive segments of one speaker become one turn; the speaker who talks longest is
    taken as the participant, the others as interviewers (the researcher can reassign)."""
    talk: dict[int, int] = {}
    for s, lab in zip(segments, labels, strict=True):
        talk[lab] = talk.get(lab, 0) + (0 if s.gap else s.end_ms - s.start_ms)
    main = max(talk, key=lambda k: talk[k]) if talk else 0
    turns: list[dict[str, Any]] = []
    for s, lab in zip(segments, labels, strict=True):
        speaker = f"Speaker {lab + 1}"
        if turns and turns[-1]["speaker"] == speaker:
            t = turns[-1]
            t["text"] += " " + s.text
            t["end_ms"] = s.end_ms
            t["words"] += [w.__dict__ for w in s.words]
        else:
            turns.append(
                {
                    "speaker": speaker,
                    "role": "participant" if lab == main or len(talk) == 1 else "interviewer",
                    "start_ms": s.start_ms,
                    "end_ms": s.end_ms,
                    "text": s.text,
                    "words": [w.__dict__ for w in s.words],
                }
            )
    return turns


def store_transcription(
    conn: sa.Connection,
    study_id: int,
    interview: str | int,
    turns: list[dict[str, Any]],
    *,
    language: str,
    source: str,
    provenance: dict[str, Any],
    replace: bool = False,
) -> int:
    """Save turns through the transcripts service, then their word timestamps."""
    from kvali.pipelines.words import save_words
    from kvali.transcripts.service import get_turns, save_transcript

    iid = interview_id(conn, study_id, interview)
    kept = [t for t in turns if t["text"].strip()]
    tid = save_transcript(
        conn,
        study_id,
        iid,
        turns=[{k: t[k] for k in ("speaker", "role", "start_ms", "end_ms", "text")} for t in kept],
        language=language,
        source=source,
        provenance=provenance,
        replace=replace,
    )
    stored = get_turns(conn, tid)
    save_words(
        conn, tid, [(s["id"], t.get("words") or []) for s, t in zip(stored, kept, strict=True)]
    )
    return tid
