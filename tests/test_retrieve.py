"""Retrieval of coded passages (codings.retrieve): a code and everything under it, with
context, filters, the blind-coding rule, counts rolled up the codebook and the exports."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from kvali.codes.service import list_codes
from kvali.codings.retrieve import retrieve, to_csv, to_docx
from kvali.codings.service import code_quote
from kvali.errors import NotFoundError
from tests.helpers import mini_study


@pytest.fixture
def coded(study, tmp_path):
    project, sid = study
    ids = mini_study(project, sid, tmp_path)
    with project.begin() as conn:
        q = lambda iv, code, quote, coder="Forsker A", gold=False: code_quote(  # noqa: E731
            conn, sid, interview=iv, code=code, quote=quote, coder=coder, gold=gold
        )
        q("Intervju 1", "Deler erfaringer", "Vi deler erfaringer fra egen praksis hver uke.")
        q("Intervju 1", "Tid", "Uten tid blir det ingenting av det.", gold=True)
        q("Intervju 2", "Deler erfaringer", "Vi deler erfaringer i team.", coder="Forsker B")
        q("Intervju 2", "Faglig påfyll", "gir oss faglig påfyll")
    return project, sid, ids


def test_a_theme_gathers_every_passage_beneath_it_with_context(coded):
    project, sid, ids = coded
    with project.begin() as conn:
        out = retrieve(conn, sid, "Samskaping", viewer="Forsker A")
        assert out["code"]["path"] == "Samskaping"
        assert out["counts"]["passages"] == 3 and out["counts"]["interviews"] == 2
        assert out["counts"]["per_code"] == {
            "Samskaping/Deling/Deler erfaringer": 2,
            "Samskaping/Deling/Tid": 1,
        }
        first = out["passages"][0]
        assert first["interview"] == "Intervju 1" and first["speaker"] == "Kari"
        assert first["time"] == "00:00:09" and first["mode"] == "in_person"
        assert first["before"] == "For meg handler det om at vi lærer sammen. "
        assert first["text"] == "Vi deler erfaringer fra egen praksis hver uke."
        assert first["after"] == ""  # the end of the turn: no context from the next one
        assert first["link"] == (
            f"/interviews/{first['interview_id']}/transcript#at={first['start']}-{first['end']}"
        )
        tid = next(p for p in out["passages"] if p["code"] == "Tid")
        assert tid["gold"] and tid["before"] == "Og det krever tid. "
        assert tid["after"] == " Tid er alt."
        # Counts rolled up the tree in the codebook.
        rows = {r["path"]: r for r in list_codes(conn, sid)}
        assert rows["Samskaping"]["codings"] == 0 and rows["Samskaping"]["total"] == 3
        assert rows["Samskaping/Deling"]["total"] == 3
        assert rows["Nettverk"]["total"] == 1
        with pytest.raises(NotFoundError):
            retrieve(conn, sid, "Finnes ikke", viewer="Forsker A")


def test_filters_by_attribute_mode_and_coder(coded):
    project, sid, ids = coded
    with project.begin() as conn:
        by = lambda **kw: [  # noqa: E731
            (p["interview"], p["code"])
            for p in retrieve(conn, sid, "Deling", viewer=None, **kw)["passages"]
        ]
        assert by(attributes={"skoletype": "ungdomsskole"}) == [("Intervju 2", "Deler erfaringer")]
        assert by(attributes={"skoletype": "ungdomsskole", "år": "7"}) == []
        assert by(mode="in_person") == [
            ("Intervju 1", "Deler erfaringer"),
            ("Intervju 1", "Tid"),
        ]
        assert by(coder="Forsker B") == [("Intervju 2", "Deler erfaringer")]


def test_blind_coding_hides_the_other_coders_passages(coded):
    from kvali.analysis.blind import set_blind

    project, sid, ids = coded
    with project.begin() as conn:
        set_blind(conn, sid, ids["t2"], coders=["Forsker A", "Forsker B"])
        mine = retrieve(conn, sid, "Deler erfaringer", viewer="Forsker A")["passages"]
        assert [p["coder"] for p in mine] == ["Forsker A"]  # B's passage in Intervju 2 is hidden
        theirs = retrieve(conn, sid, "Deler erfaringer", viewer="Forsker B")["passages"]
        # Intervju 1 is not blind: B reads A's passage there, and their own in Intervju 2.
        assert [(p["interview"], p["coder"]) for p in theirs] == [
            ("Intervju 1", "Forsker A"),
            ("Intervju 2", "Forsker B"),
        ]


def test_exports_csv_and_docx(coded):
    project, sid, ids = coded
    with project.begin() as conn:
        out = retrieve(conn, sid, "Deling", viewer="Forsker A", coder="Forsker A")
    rows = list(csv.DictReader(io.StringIO(to_csv(out))))
    assert [r["text"] for r in rows] == [
        "Vi deler erfaringer fra egen praksis hver uke.",
        "Uten tid blir det ingenting av det.",
    ]
    assert rows[1]["gold"] == "1" and rows[0]["participants"] == "R1"
    data = to_docx(out, "nb")
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "Kodede passasjer: Samskaping/Deling" in xml
    assert "Uten tid blir det ingenting av det." in xml and "Intervju 1" in xml
