"""Pseudonymizing the demo study: names gone, codings on the same words, key apart and
encrypted, and nothing original left in the project folder once the key is destroyed."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

pytest.importorskip("spacy")

from kvali.db import schema as t  # noqa: E402
from kvali.privacy import vault  # noqa: E402
from kvali.privacy.apply import apply_pseudonymization, destroy_key, show_key  # noqa: E402
from kvali.privacy.service import add_term, detect_study, list_entities  # noqa: E402
from kvali.privacy.tables import privacy_entities, privacy_suggestions, privacy_terms  # noqa: E402
from kvali.transcripts.service import get_text  # noqa: E402

PASS = "correct horse battery staple"
# Names of people, schools, places and networks in the demo transcripts.
NAMES = [
    "Kari Berg", "Ingrid Lie", "Ole Strand", "Per Hauge", "Tone Rød", "Tor Hansen", "Sigrid",
    "Randi Øye", "Marte Aas", "Lars Moen", "Jon Eide", "Hilde Sæther", "Anne Vik", "Geir Hoem",
    "Fjellvang", "Bjørkly", "Nordbø", "Solbakken", "Romsdal", "Sunnmøre", "Nordmøre", "Molde",
    "Ålesund", "Sunndalsøra", "Volda",
]  # fmt: skip
NEEDLES = sorted({w for n in NAMES for w in n.split() if w not in ("Berg", "Lie", "Vik", "Aas")})


@pytest.fixture
def demo(make_project):
    from kvali.demo.build import populate_demo
    from kvali.studies.service import default_study_id

    project = make_project("demo")
    populate_demo(project)
    with project.begin() as conn:
        sid = default_study_id(conn)
    return project, sid


def _coded(conn, sid):
    rows = conn.execute(
        sa.select(
            t.codings.c.id, t.codings.c.transcript_id, t.codings.c.start_char, t.codings.c.end_char
        ).where(t.codings.c.removed_at.is_(None))
    ).all()
    texts = {}
    return {cid: texts.setdefault(tid, get_text(conn, tid))[s:e] for cid, tid, s, e in rows}


def _all_text(conn) -> str:
    parts = [r for (r,) in conn.execute(sa.select(t.turns.c.text))]
    parts += [r for (r,) in conn.execute(sa.select(t.turns.c.speaker))]
    parts += [r for (r,) in conn.execute(sa.select(t.memos.c.text))]
    return "\n".join(parts)


def test_demo_study_pseudonymized_codings_intact_key_apart(demo):
    project, sid = demo
    with project.begin() as conn:
        add_term(conn, sid, term="Fjellvang skole", label="ORG", category="navn på skole")
        add_term(conn, sid, term="Kari Berg", label="PER", category="navn på ansatt")
        before = _coded(conn, sid)
        detect_study(conn, sid)
        originals = {e["text"] for e in list_entities(conn, sid)}
    result = apply_pseudonymization(project, sid, style="tags", passphrase=PASS)
    assert result["transcripts"] >= 3 and result["removed"] == 0

    with project.begin() as conn:
        text = _all_text(conn)
        for name in NEEDLES:
            assert not re.search(rf"(?<!\w){name}(?!\w)", text), name
        after = _coded(conn, sid)
        # Same codings, on the same words: unchanged where no name was inside, else only the
        # names differ (the text around them is identical).
        assert after.keys() == before.keys()
        for cid, old in before.items():
            new = after[cid]
            if new != old:
                # Each tag stands for the name it replaced; everything else is the same words.
                parts = re.split(r"\[[A-Z]+-\d+\]", new)
                assert len(parts) > 1, (old, new)
                assert re.fullmatch(".+?".join(map(re.escape, parts)), old, re.S), (old, new)
        flags = conn.execute(sa.select(t.transcripts.c.pseudonymized)).scalars().all()
        assert all(flags)
        # No original left in the privacy tables.
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(privacy_suggestions)).scalar() == 0
        )
        assert conn.execute(sa.select(sa.func.count()).select_from(privacy_terms)).scalar() == 0
        assert not conn.execute(
            sa.select(privacy_entities.c.id).where(privacy_entities.c.text.is_not(None))
        ).all()
        edits = conn.execute(
            sa.select(sa.func.count())
            .select_from(t.transcript_edits)
            .where(t.transcript_edits.c.reason == "pseudonymization")
        ).scalar()
        assert edits == result["replacements"]

    # The key: same entity, same replacement study-wide; readable only with the passphrase.
    key_file = vault.default_path(project.path)
    blob = key_file.read_bytes()
    assert b"Kari" not in blob and b"Fjellvang" not in blob
    with pytest.raises(vault.WrongPassphrase):
        show_key(project, sid, "not the passphrase")
    key = show_key(project, sid, PASS)
    assert {"Kari Berg", "Fjellvang skole"} <= {k["original"] for k in key} <= originals
    reps = [k["replacement"] for k in key if len(k["original"].split()) > 1]
    assert len(reps) == len(set(reps))
    by = {k["original"]: k["replacement"] for k in key}
    assert by["Kari Berg"].startswith("[PERSON-")
    assert by["Kari"] == by["Kari Berg"]  # the first name alone: the same person, the same tag
    kari = next(k for k in key if k["original"] == "Kari Berg")
    assert kari["category"] == "navn på ansatt"

    assert destroy_key(project, sid)
    assert not key_file.exists()
    if project.is_sqlite:
        data = b"".join(p.read_bytes() for p in project.path.rglob("*") if p.is_file())
        for name in NAMES + [n for n in NEEDLES if len(n) > 4]:
            assert name.encode() not in data, name
    else:
        with project.begin() as conn:
            text = _all_text(conn)
        assert not any(re.search(rf"(?<!\w){n}(?!\w)", text) for n in NEEDLES)


def test_thesis_style_and_pseudonyms_are_consistent(make_project, tmp_path):
    from kvali.interviews.service import add_interview
    from kvali.studies.service import create_study
    from kvali.transcripts.service import save_transcript

    project = make_project()
    with project.begin() as conn:
        sid = create_study(conn, title="T", language="nb")
        for i, txt in enumerate(
            ["Kari Berg jobber på Bjørkly skole.", "Jeg snakket med Kari Berg."]
        ):
            add_interview(conn, sid, label=f"I{i}")
            save_transcript(conn, sid, f"I{i}", turns=[{"speaker": "R", "text": txt}])
        add_term(conn, sid, term="Kari Berg", label="PER", category="navn på ansatt")
        detect_study(conn, sid)
        tids = (
            conn.execute(sa.select(t.transcripts.c.id).order_by(t.transcripts.c.id)).scalars().all()
        )
    apply_pseudonymization(project, sid, style="thesis", passphrase=PASS)
    with project.begin() as conn:
        a, b = (get_text(conn, x) for x in tids)
    assert a == "xxx (navn på ansatt) jobber på xxx (navn på skole)."
    assert b == "Jeg snakket med xxx (navn på ansatt)."

    # A later transcript naming the same person gets the same pseudonym from the key.
    with project.begin() as conn:
        add_interview(conn, sid, label="I2")
        save_transcript(conn, sid, "I2", turns=[{"speaker": "R", "text": "Kari Berg kom også."}])
        detect_study(conn, sid, interviews=["I2"])
    apply_pseudonymization(project, sid, style="pseudonyms", passphrase=PASS)
    with project.begin() as conn:
        c = get_text(conn, conn.execute(sa.select(sa.func.max(t.transcripts.c.id))).scalar())
    assert c == "xxx (navn på ansatt) kom også."


def test_name_split_across_turns_gets_one_pseudonym_in_two_parts(make_project):
    from kvali.interviews.service import add_interview
    from kvali.studies.service import create_study
    from kvali.transcripts.service import save_transcript

    project = make_project()
    with project.begin() as conn:
        sid = create_study(conn, title="T", language="nb")
        add_interview(conn, sid, label="I")
        turns = [
            {"speaker": "A", "text": "Vi snakket med Marte", "start_ms": 0, "end_ms": 900},
            {
                "speaker": "B",
                "text": "Aas, ja. Marte Aas er flink.",
                "start_ms": 900,
                "end_ms": 2000,
            },
        ]
        tid = save_transcript(conn, sid, "I", turns=turns)
        detect_study(conn, sid)
    apply_pseudonymization(project, sid, style="pseudonyms", passphrase=PASS)
    with project.begin() as conn:
        first, second = get_text(conn, tid).split("\n")
        stamps = conn.execute(
            sa.select(t.turns.c.start_ms, t.turns.c.end_ms).order_by(t.turns.c.position)
        ).all()
    given, surname = second.split(". ")[1].removesuffix(" er flink.").split()
    assert first == f"Vi snakket med {given}" and second.startswith(f"{surname}, ja.")
    assert "Marte" not in first + second and [tuple(s) for s in stamps] == [(0, 900), (900, 2000)]


def test_speaker_labels_that_are_names_become_neutral(study, tmp_path):
    """«Kari:» as a speaker label is a name even when «Kari» is never said in the text."""
    from tests.helpers import mini_study

    project, sid = study
    mini_study(project, sid, tmp_path)  # speakers: Intervjuer, Kari (R1); I, Ole (R2)
    with project.begin() as conn:
        detect_study(conn, sid)
    result = apply_pseudonymization(project, sid, style="tags", passphrase=PASS)
    with project.begin() as conn:
        speakers = {s for (s,) in conn.execute(sa.select(t.turns.c.speaker).distinct())}
    assert result["speakers"] >= 2
    assert speakers == {"Intervjuer", "I", "R1", "R2"}
    key = show_key(project, sid, PASS)
    assert key  # the originals are only in the encrypted key
