"""Tables of the quotes area: a study's quote-check settings and the published rendering of a
quote (a coding's passage), kept beside the verbatim transcript, which is never changed."""

from __future__ import annotations

import sqlalchemy as sa

from kvali.db.schema import TS, fk, metadata

# One row per study that changed a default: conservative Bokmål forms flagged too; whether
# reports print quotes as rendered for publication or as said.
quote_settings = sa.Table(
    "quote_settings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "study_id",
        sa.Integer,
        sa.ForeignKey("studies.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    sa.Column("conservative", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("report_quotes", sa.String(16), nullable=False, server_default="published"),
)

# The rendering of one coding's passage. ``verbatim_sha256`` is the hash of the passage it was
# made from: when the transcript changes under it (a correction, pseudonymization) the
# rendering is stale and the publication check says so. ``kept`` lists the words the
# researcher left as said on purpose (their flags count as checked).
quote_renderings = sa.Table(
    "quote_renderings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    fk("study_id", "studies.id"),
    sa.Column(
        "coding_id",
        sa.Integer,
        sa.ForeignKey("codings.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("verbatim_sha256", sa.String(64), nullable=False),
    sa.Column("kept", sa.JSON, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)
