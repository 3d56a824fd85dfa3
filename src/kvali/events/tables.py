"""What undo needs that the event log must not hold: the text a correction replaced.

The event log never keeps transcript text (it is append-only and outlives pseudonymization).
A correction made in the workbench keeps its turn's text before and after here, keyed by the
transcript version the correction made, so ``events.undo`` can put it back. The rows go with
the transcript (withdrawal) and are erased whenever its text is replaced for another reason
than a correction (pseudonymization, a withdrawn speaker's turns), so no original name
outlives the replacement here.
"""

from __future__ import annotations

import sqlalchemy as sa

from kvali.db.schema import fk, metadata

undo_texts = sa.Table(
    "undo_texts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    fk("transcript_id", "transcripts.id"),
    sa.Column("version", sa.Integer, nullable=False),  # the version the correction made
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("before", sa.Text, nullable=False),
    sa.Column("after", sa.Text, nullable=False),
    sa.UniqueConstraint("transcript_id", "version", name="uq_undo_texts_version"),
)
