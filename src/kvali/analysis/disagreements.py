"""Side-by-side review of where two coders differ, and resolution to a consensus coding.

Overlapping codings of both coders form one *item*. Its kind: ``agree`` (same codes on the same
spans), ``boundary`` (same codes, different spans), ``code`` (different codes), ``only_a`` /
``only_b`` (one coder did not code it). Resolving an item closes both coders' codings
(``removed_reason="consensus"``: the rows stay as history), adds the consensus codings through
the core coding service, writes the memo and records the link in ``analysis_resolutions``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from kvali.analysis.tables import analysis_resolutions as res_t
from kvali.codings.service import add_codings, list_codings, remove_coding
from kvali.errors import InputError, NotFoundError
from kvali.events.service import current_actor, log_event
from kvali.memos.service import add_memo
from kvali.transcripts.service import get_text, transcript_id_for
from kvali.util import now

KINDS = ("agree", "boundary", "code", "only_a", "only_b")


def _side(c: dict[str, Any]) -> dict[str, Any]:
    return {k: c[k] for k in ("id", "code", "code_id", "start_char", "end_char", "text")}


def _kind(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> str:
    if not b:
        return "only_a"
    if not a:
        return "only_b"
    if {c["code_id"] for c in a} != {c["code_id"] for c in b}:
        return "code"
    spans_a = sorted((c["code_id"], c["start_char"], c["end_char"]) for c in a)
    spans_b = sorted((c["code_id"], c["start_char"], c["end_char"]) for c in b)
    return "agree" if spans_a == spans_b else "boundary"


def _refuse_while_blind(conn: sa.Connection, transcript_id: int, interview: str | int) -> None:
    """The blind rule: no side-by-side of two coders before every coder of the round is done."""
    from kvali.analysis.blind import _session

    session = _session(conn, transcript_id)
    if session is not None and session["opened_at"] is None:
        raise InputError(
            "{interview} is still being coded blind: the comparison opens when every coder "
            "has marked it done (kvali blind done)",
            interview=interview,
        )


def disagreements(
    conn: sa.Connection,
    study_id: int,
    *,
    interview: str | int,
    coders: Sequence[str],
    include_agreements: bool = False,
) -> list[dict[str, Any]]:
    """The items where the two coders' live codings overlap or stand alone, in text order."""
    if len(coders) != 2:
        raise InputError("the review compares exactly two coders")
    tid = transcript_id_for(conn, study_id, interview)
    _refuse_while_blind(conn, tid, interview)
    text = get_text(conn, tid)
    rows = [r for r in list_codings(conn, study_id, interview=interview) if r["coder"] in coders]
    rows.sort(key=lambda r: (r["start_char"], r["end_char"]))
    groups: list[list[dict[str, Any]]] = []
    end = -1
    for r in rows:
        if groups and r["start_char"] < end:
            groups[-1].append(r)
            end = max(end, r["end_char"])
        else:
            groups.append([r])
            end = r["end_char"]
    out = []
    for g in groups:
        a = [_side(c) for c in g if c["coder"] == coders[0]]
        b = [_side(c) for c in g if c["coder"] == coders[1]]
        kind = _kind(a, b)
        if kind == "agree" and not include_agreements:
            continue
        s, e = min(c["start_char"] for c in g), max(c["end_char"] for c in g)
        out.append(
            {
                "key": f"{tid}:{s}-{e}",
                "transcript_id": tid,
                "kind": kind,
                "start_char": s,
                "end_char": e,
                "text": text[s:e],
                "coders": list(coders),
                "a": a,
                "b": b,
            }
        )
    return out


def resolve(
    conn: sa.Connection,
    study_id: int,
    *,
    transcript_id: int,
    replace: Sequence[int],
    consensus: Sequence[dict[str, Any]],
    memo: str = "",
    coder: str | None = None,
) -> dict[str, Any]:
    """Replace the coders' codings ``replace`` by the ``consensus`` codings
    (``{"code", "start", "end", "gold"?}``; an empty list means «not coded»), with a memo.

    A memo is required unless the coders agreed exactly. Returns the resolution record.
    """
    rows = {
        r["id"]: r
        for r in list_codings(conn, study_id, include_removed=False)
        if r["transcript_id"] == transcript_id
    }
    missing = [i for i in replace if i not in rows]
    if missing or not replace:
        raise NotFoundError(
            "no live codings {missing} on this transcript", missing=missing or list(replace)
        )
    old = [rows[i] for i in replace]
    agreed = len({(r["code_id"], r["start_char"], r["end_char"]) for r in old}) == 1 and len(
        {r["coder"] for r in old}
    ) == len(old)
    if not memo.strip() and not agreed:
        raise InputError("a consensus on a disagreement needs a memo saying why")
    for i in replace:
        remove_coding(conn, study_id, i, reason="consensus")
    new_ids = add_codings(
        conn,
        study_id,
        [
            {
                "transcript_id": transcript_id,
                "code": c["code"],
                "start": int(c["start"]),
                "end": int(c["end"]),
                "coder": coder,
                "gold": bool(c.get("gold")) or any(r["is_gold"] for r in old),
            }
            for c in consensus
        ],
    )
    memo_id = None
    if memo.strip():
        versions = "\n".join(
            f"- {r['coder'] or '?'}: {r['code']} [{r['start_char']}–{r['end_char']}]" for r in old
        )
        memo_id = add_memo(
            conn,
            study_id,
            text=f"{memo.strip()}\n\n{versions}",
            target_type="coding" if new_ids else "interview",
            target_id=new_ids[0] if new_ids else _interview_of(conn, transcript_id),
            title="Consensus",
        )
    kind = "agree" if agreed else "consensus"
    rid = conn.execute(
        res_t.insert().values(
            study_id=study_id,
            transcript_id=transcript_id,
            replaced_ids=list(replace),
            consensus_ids=new_ids,
            memo_id=memo_id,
            kind=kind,
            actor=current_actor(),
            created_at=now(),
        )
    ).inserted_primary_key[0]
    log_event(
        conn,
        study_id=study_id,
        action="resolve",
        entity="coding",
        entity_id=new_ids[0] if new_ids else None,
        payload={"replaced": list(replace), "consensus": new_ids, "resolution": rid},
    )
    return {"id": rid, "replaced_ids": list(replace), "consensus_ids": new_ids, "memo_id": memo_id}


def _interview_of(conn: sa.Connection, transcript_id: int) -> int:
    from kvali.db import schema as t

    return conn.execute(
        sa.select(t.transcripts.c.interview_id).where(t.transcripts.c.id == transcript_id)
    ).scalar_one()


def accept_agreements(
    conn: sa.Connection, study_id: int, *, interview: str | int, coders: Sequence[str]
) -> int:
    """Resolve every exact agreement to one consensus coding each (no memo needed)."""
    n = 0
    for item in disagreements(
        conn, study_id, interview=interview, coders=coders, include_agreements=True
    ):
        if item["kind"] != "agree":
            continue
        pairs: dict[tuple[int, int, int], list[int]] = {}
        for c in item["a"] + item["b"]:
            pairs.setdefault((c["code_id"], c["start_char"], c["end_char"]), []).append(c["id"])
        for (code, s, e), ids in pairs.items():
            resolve(
                conn,
                study_id,
                transcript_id=item["transcript_id"],
                replace=ids,
                consensus=[{"code": code, "start": s, "end": e}],
            )
            n += 1
    return n


def history(conn: sa.Connection, study_id: int, *, interview: str | int) -> list[dict[str, Any]]:
    """Resolutions on a transcript with both coders' closed versions and the consensus."""
    tid = transcript_id_for(conn, study_id, interview)
    rows = {
        r["id"]: r for r in list_codings(conn, study_id, interview=interview, include_removed=True)
    }
    out = []
    for r in conn.execute(
        sa.select(res_t).where(res_t.c.transcript_id == tid).order_by(res_t.c.id)
    ).mappings():
        out.append(
            {
                "id": r["id"],
                "kind": r["kind"],
                "actor": r["actor"],
                "created_at": r["created_at"].isoformat(),
                "memo_id": r["memo_id"],
                "replaced": [rows[i] for i in r["replaced_ids"] if i in rows],
                "consensus": [rows[i] for i in r["consensus_ids"] if i in rows],
            }
        )
    return out
