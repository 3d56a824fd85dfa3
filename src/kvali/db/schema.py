"""The kvali schema as SQLAlchemy Core tables: the single source the migrations are checked against.

Text positions (``start_char``/``end_char``) are code-point offsets into the NFC, LF-normalised
transcript text (the turns' texts joined by ``\\n``). Conversion to other tools' units happens in
``kvali.interop``, never here.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

TS = sa.DateTime(timezone=True)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer, primary_key=True)


def _guid() -> sa.Column:
    return sa.Column("guid", sa.String(36), nullable=False, unique=True)


def fk(name: str, target: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> sa.Column:
    """An indexed integer foreign key (the feature areas' tables use it too)."""
    return sa.Column(
        name, sa.Integer, sa.ForeignKey(target, ondelete=ondelete), nullable=nullable, index=True
    )


studies = sa.Table(
    "studies",
    metadata,
    _id(),
    _guid(),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("problem_statement", sa.Text, nullable=False, server_default=""),
    sa.Column("language", sa.String(16), nullable=False, server_default="nb"),
    sa.Column("guide_introduction", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", TS, nullable=False),
)

research_questions = sa.Table(
    "research_questions",
    metadata,
    _id(),
    _guid(),
    fk("study_id", "studies.id"),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
)

# Interview guide as a tree: topic -> question -> keyword (prompt keywords, «stikkord»).
guide_nodes = sa.Table(
    "guide_nodes",
    metadata,
    _id(),
    _guid(),
    fk("study_id", "studies.id"),
    fk("parent_id", "guide_nodes.id", nullable=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.CheckConstraint("kind IN ('topic','question','keyword')", name="kind"),
)

# Researchers: interviewers and coders.
users = sa.Table(
    "users",
    metadata,
    _id(),
    _guid(),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("created_at", TS, nullable=False),
)

participants = sa.Table(
    "participants",
    metadata,
    _id(),
    _guid(),
    fk("study_id", "studies.id"),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("consent_date", sa.Date),
    sa.Column("consent_document", sa.Text),
    sa.Column("member_check_status", sa.String(32), nullable=False, server_default="not_offered"),
    sa.Column("member_check_comments", sa.Text),
    sa.Column("member_check_at", TS),
    sa.Column("withdrawn_at", TS),
    sa.Column("created_at", TS, nullable=False),
    sa.UniqueConstraint("study_id", "code", name="uq_participants_study_code"),
    sa.CheckConstraint(
        "member_check_status IN ('not_offered','sent','approved','changes_requested','declined')",
        name="member_check_status",
    ),
)

# Case attributes (school type, municipality size, years in post, ...): name/value pairs so they
# can be filtered portably and map onto REFI-QDA variables.
participant_attributes = sa.Table(
    "participant_attributes",
    metadata,
    _id(),
    fk("participant_id", "participants.id"),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.UniqueConstraint("participant_id", "name", name="uq_participant_attributes_pid_name"),
)

interviews = sa.Table(
    "interviews",
    metadata,
    _id(),
    _guid(),
    fk("study_id", "studies.id"),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("date", sa.Date),
    sa.Column("mode", sa.String(16), nullable=False, server_default="in_person"),
    sa.Column("duration_s", sa.Integer),
    sa.Column("audio_path", sa.Text),
    sa.Column("created_at", TS, nullable=False),
    sa.UniqueConstraint("study_id", "label", name="uq_interviews_study_label"),
    sa.CheckConstraint("mode IN ('in_person','hybrid','digital')", name="mode"),
)

interview_participants = sa.Table(
    "interview_participants",
    metadata,
    fk("interview_id", "interviews.id"),
    fk("participant_id", "participants.id"),
    sa.PrimaryKeyConstraint("interview_id", "participant_id"),
)

interview_interviewers = sa.Table(
    "interview_interviewers",
    metadata,
    fk("interview_id", "interviews.id"),
    fk("user_id", "users.id"),
    sa.PrimaryKeyConstraint("interview_id", "user_id"),
)

transcripts = sa.Table(
    "transcripts",
    metadata,
    _id(),
    _guid(),
    sa.Column(
        "interview_id",
        sa.Integer,
        sa.ForeignKey("interviews.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("language", sa.String(16)),
    sa.Column("source", sa.Text),
    sa.Column("provenance", sa.JSON),
    sa.Column("pseudonymized", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("char_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)

turns = sa.Table(
    "turns",
    metadata,
    _id(),
    fk("transcript_id", "transcripts.id"),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("speaker", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    fk("participant_id", "participants.id", nullable=True, ondelete="SET NULL"),
    sa.Column("start_ms", sa.Integer),
    sa.Column("end_ms", sa.Integer),
    sa.Column("start_char", sa.Integer, nullable=False),
    sa.Column("end_char", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.CheckConstraint("role IN ('interviewer','participant','other')", name="role"),
)

# Record of text edits (corrections, pseudonymization): positions and lengths only, never text,
# so that the history cannot leak what pseudonymization removed.
transcript_edits = sa.Table(
    "transcript_edits",
    metadata,
    _id(),
    fk("transcript_id", "transcripts.id"),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("start_char", sa.Integer, nullable=False),
    sa.Column("end_char", sa.Integer, nullable=False),
    sa.Column("new_length", sa.Integer, nullable=False),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("created_at", TS, nullable=False),
)

codes = sa.Table(
    "codes",
    metadata,
    _id(),
    _guid(),
    fk("study_id", "studies.id"),
    fk("parent_id", "codes.id", nullable=True, ondelete="SET NULL"),
    sa.Column("level", sa.String(16), nullable=False, server_default="code"),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("color", sa.String(16), nullable=False, server_default="#888888"),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.Column("status", sa.String(16), nullable=False, server_default="active"),
    sa.Column("created_at", TS, nullable=False),
    sa.CheckConstraint("level IN ('theme','category','code')", name="level"),
    sa.CheckConstraint("status IN ('active','merged','split','retired')", name="status"),
)

cycles = sa.Table(
    "cycles",
    metadata,
    _id(),
    fk("study_id", "studies.id"),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("name", sa.Text, nullable=False, server_default=""),
    sa.Column("started_at", TS, nullable=False),
    sa.UniqueConstraint("study_id", "number", name="uq_cycles_study_number"),
)

codings = sa.Table(
    "codings",
    metadata,
    _id(),
    _guid(),
    fk("transcript_id", "transcripts.id"),
    fk("code_id", "codes.id"),
    fk("cycle_id", "cycles.id"),
    fk("coder_id", "users.id", nullable=True, ondelete="SET NULL"),
    sa.Column("start_char", sa.Integer, nullable=False),
    sa.Column("end_char", sa.Integer, nullable=False),
    sa.Column("is_gold", sa.Boolean, nullable=False, server_default=sa.false()),
    fk("derived_from_id", "codings.id", nullable=True, ondelete="SET NULL"),
    sa.Column("created_at", TS, nullable=False),
    # Removal is recorded, not performed: history is appended, not overwritten.
    sa.Column("removed_at", TS),
    sa.Column("removed_reason", sa.String(64)),
    sa.CheckConstraint("start_char >= 0 AND end_char > start_char", name="span"),
)
sa.Index("ix_codings_transcript_cycle", codings.c.transcript_id, codings.c.cycle_id)

# Renames, merges, splits and moves of codes, per cycle: which codes became which.
code_changes = sa.Table(
    "code_changes",
    metadata,
    _id(),
    fk("study_id", "studies.id"),
    fk("cycle_id", "cycles.id"),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("from_code_ids", sa.JSON, nullable=False),
    sa.Column("to_code_ids", sa.JSON, nullable=False),
    sa.Column("old_name", sa.Text),
    sa.Column("new_name", sa.Text),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.CheckConstraint("kind IN ('rename','merge','split','move')", name="kind"),
)

memos = sa.Table(
    "memos",
    metadata,
    _id(),
    _guid(),
    fk("study_id", "studies.id"),
    sa.Column("target_type", sa.String(32), nullable=False),
    sa.Column("target_id", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False, server_default="analytic"),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.CheckConstraint(
        "target_type IN ('study','interview','participant','code','coding','research_question')",
        name="target_type",
    ),
    sa.CheckConstraint("kind IN ('analytic','reflexivity','condensation')", name="kind"),
)
sa.Index("ix_memos_target", memos.c.target_type, memos.c.target_id)

# Which themes answer which research question (thesis Figure 4).
research_question_themes = sa.Table(
    "research_question_themes",
    metadata,
    fk("research_question_id", "research_questions.id"),
    fk("code_id", "codes.id"),
    sa.PrimaryKeyConstraint("research_question_id", "code_id"),
)

# Append-only audit trail of every change: who, when, what (ids and names, never transcript text).
events = sa.Table(
    "events",
    metadata,
    _id(),
    sa.Column("study_id", sa.Integer, index=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("entity", sa.String(32), nullable=False),
    sa.Column("entity_id", sa.Integer),
    sa.Column("payload", sa.JSON, nullable=False),
)
