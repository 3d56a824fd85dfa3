"""Near-paraphrases within an interview, for the analysis model's «repeated and reinforced
statements» column: a participant who says the same thing in other words several times is
reinforcing it, which recurring codes and words alone do not show.

Everything here is optional: without the ``semantic`` extra the report is left as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kvali.db import schema as t

# e5-small cosines: paraphrases 0.89–0.93, same-topic statements mostly below 0.90.
THRESHOLD = 0.92
MAX_GROUPS = 10


def _project_path(conn: sa.Connection) -> Path | None:
    """The project folder of a SQLite project (the index lives beside ``kvali.db``)."""
    if conn.dialect.name == "sqlite" and conn.engine.url.database:
        return Path(conn.engine.url.database).parent
    return None


def group_paraphrases(
    conn: sa.Connection,
    study_id: int,
    interview_id: int,
    threshold: float = THRESHOLD,
    *,
    project_path: Path | None = None,
    model: str | None = None,
) -> list[list[dict[str, Any]]]:
    """Groups (≥ 2 quotes from different turns) of the participants' near-paraphrases.

    Vectors come from the project's index when it is up to date for the interview; otherwise the
    interview's segments are embedded on the spot (a few seconds). Groups are connected
    components of the "cosine ≥ threshold" graph, largest first.
    """
    import numpy as np

    from kvali.semantic.models import load_embedder
    from kvali.semantic.segments import segment_turns

    tu, tr = t.turns, t.transcripts
    turns = [
        dict(r)
        for r in conn.execute(
            sa.select(tu.c.id, tu.c.start_char, tu.c.text, tu.c.speaker)
            .join(tr, tr.c.id == tu.c.transcript_id)
            .where(tr.c.interview_id == interview_id, tu.c.role == "participant")
            .order_by(tu.c.position)
        ).mappings()
    ]
    segs = segment_turns(turns)
    if len(segs) < 2:
        return []
    emb = load_embedder(model)
    x = _indexed_vectors(conn, segs, emb, project_path or _project_path(conn))
    if x is None:
        x = emb.passages([s.text for s in segs])
    sims = x @ x.T
    groups = _complete_linkage(sims, [s.turn_id for s in segs], threshold)
    speaker = {tr_["id"]: tr_["speaker"] for tr_ in turns}
    out = []
    for members in groups:
        sub = sims[np.ix_(members, members)]
        out.append(
            [
                {
                    "text": segs[i].text,
                    "start_char": segs[i].start_char,
                    "end_char": segs[i].end_char,
                    "speaker": speaker[segs[i].turn_id],
                    "similarity": round(float((sub[n].sum() - 1) / (len(members) - 1)), 3),
                }
                for n, i in enumerate(members)
            ]
        )
    out.sort(key=lambda g: (-len(g), g[0]["start_char"]))
    return out[:MAX_GROUPS]


def _complete_linkage(sims: Any, turns: list[int], threshold: float) -> list[list[int]]:
    """Greedy complete linkage over pairs from the most similar down; groups of ≥ 2 turns."""
    import numpy as np

    n = len(turns)
    iu = np.triu_indices(n, 1)
    order = np.argsort(-sims[iu], kind="stable")
    group_of: dict[int, list[int]] = {}
    for k in order:
        i, j = int(iu[0][k]), int(iu[1][k])
        if sims[i, j] < threshold:
            break
        gi, gj = group_of.get(i), group_of.get(j)
        if gi is not None and gi is gj:
            continue
        a, b = gi or [i], gj or [j]
        if all(sims[p, q] >= threshold for p in a for q in b):
            merged = a + b
            for m in merged:
                group_of[m] = merged
    groups = {id(g): g for g in group_of.values()}.values()
    return [sorted(g) for g in groups if len({turns[m] for m in g}) >= 2]


def _indexed_vectors(conn: sa.Connection, segs: list[Any], emb: Any, path: Path | None) -> Any:
    """The segments' vectors from the index if every one is there (same text hash), else None."""
    if path is None:
        return None
    from kvali.semantic.service import index_for, open_store
    from kvali.semantic.tables import semantic_segments as ss

    index_id = index_for(conn, emb.info, create=False)
    if index_id is None:
        return None
    rows = {
        (r.turn_id, r.start_char, r.text_hash): r.row
        for r in conn.execute(
            sa.select(ss.c.turn_id, ss.c.start_char, ss.c.text_hash, ss.c.row).where(
                ss.c.index_id == index_id, ss.c.turn_id.in_(sorted({s.turn_id for s in segs}))
            )
        )
    }
    keys = [(s.turn_id, s.start_char, s.text_hash) for s in segs]
    if not all(k in rows for k in keys):
        return None
    return open_store(path, emb.info).get([rows[k] for k in keys])


def add_paraphrases_to_report(
    conn: sa.Connection,
    study_id: int,
    report: Any,
    *,
    threshold: float = THRESHOLD,
    project_path: Path | None = None,
) -> None:
    """Fill ``report.extra["paraphrase_groups"]`` = {interview label: [groups of quotes]}.

    Does nothing when the semantic extra is not installed (or the model cannot load).
    """
    from kvali.semantic import available

    if not available():
        return
    from kvali.errors import KvaliError

    labels = {
        r.label: r.id
        for r in conn.execute(
            sa.select(t.interviews.c.id, t.interviews.c.label).where(
                t.interviews.c.study_id == study_id
            )
        )
    }
    out: dict[str, list[list[dict[str, Any]]]] = {}
    try:
        for model in report.analysis_models:
            iid = labels.get(model.interview)
            if iid is not None:
                out[model.interview] = group_paraphrases(
                    conn, study_id, iid, threshold, project_path=project_path
                )
    except (KvaliError, ImportError, OSError):
        return
    report.extra["paraphrase_groups"] = out
