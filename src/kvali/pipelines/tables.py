"""Tables of the speech pipelines (migration 0003_speech).

``transcription_chunks`` checkpoints each finished audio window of a transcription job, so a
killed job resumes after the last one and never writes a turn twice; rows go away when the
transcript is saved (and with the interview, on withdrawal). ``transcript_words`` keeps word
timestamps as spans of the transcript text — no text of its own — and carries them through
later corrections (see :mod:`kvali.pipelines.words`).
"""

from __future__ import annotations

import sqlalchemy as sa

from kvali.db.schema import TS, fk, metadata
from kvali.jobs.tables import jobs  # noqa: F401 - the FK target must be on the metadata

transcription_chunks = sa.Table(
    "transcription_chunks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    fk("job_id", "jobs.id"),
    fk("interview_id", "interviews.id"),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("start_ms", sa.Integer, nullable=False),
    sa.Column("end_ms", sa.Integer, nullable=False),
    sa.Column("segments", sa.JSON, nullable=False),
    # The window's voice embeddings for speaker separation (migration 0007_diarize).
    sa.Column("voice", sa.JSON, nullable=True),
    sa.Column("created_at", TS, nullable=False),
    sa.UniqueConstraint("job_id", "position", name="uq_transcription_chunks_job_position"),
)

transcript_words = sa.Table(
    "transcript_words",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    fk("transcript_id", "transcripts.id"),
    fk("turn_id", "turns.id"),
    sa.Column("start_char", sa.Integer, nullable=False),
    sa.Column("end_char", sa.Integer, nullable=False),
    sa.Column("start_ms", sa.Integer, nullable=False),
    sa.Column("end_ms", sa.Integer, nullable=False),
    sa.Column("probability", sa.Float),
    # The transcript version these offsets refer to; later edits are replayed on read.
    sa.Column("version", sa.Integer, nullable=False),
)

# Speech the recogniser could not transcribe, as spans of the transcript text (the «[unclear …]»
# markers; migration 0008_gaps). Like word timestamps, no text of its own and carried through
# later edits; see :mod:`kvali.pipelines.gaps`.
transcript_gaps = sa.Table(
    "transcript_gaps",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    fk("transcript_id", "transcripts.id"),
    sa.Column("start_char", sa.Integer, nullable=False),
    sa.Column("end_char", sa.Integer, nullable=False),
    sa.Column("start_ms", sa.Integer, nullable=False),
    sa.Column("end_ms", sa.Integer, nullable=False),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("dropped_words", sa.Integer, nullable=False, server_default="0"),
    sa.Column("marker", sa.String(200), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)
