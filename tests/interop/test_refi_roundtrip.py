"""Export validates against the REFI-QDA schemas; export → import gives back the same study."""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

from kvali.codes.service import list_codes
from kvali.codings.service import add_coding, code_quote, list_codings
from kvali.interop.refi import export_qdc, export_qdpx, import_qdc, import_qdpx
from kvali.memos.service import add_memo, list_memos
from kvali.participants.service import list_participants
from kvali.studies.service import add_research_question, get_study, link_theme
from kvali.transcripts.service import get_text, transcript_id_for
from tests.helpers import mini_study

from .refi_helpers import SCHEMA


def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA / name)))


def _study(project, sid: int, tmp: Path) -> None:
    """The mini study plus a gold quote, a research question, a cross-turn coding and a memo."""
    ids = mini_study(project, sid, tmp)
    with project.begin() as conn:
        code_quote(
            conn,
            sid,
            interview="Intervju 1",
            code="Tid",
            quote="Uten tid blir det ingenting",
            gold=True,
        )
        add_research_question(conn, sid, text="Hvordan forstår rektorer PLF?")
        link_theme(conn, sid, question=1, code_id=ids["theme"])
        text = get_text(conn, ids["t2"])
        a, b = text.index("Vi lærer"), text.index("Tid er alltid") + 3
        add_coding(conn, sid, transcript_id=ids["t2"], code=ids["time"], start=a, end=b,
                   coder="Forsker B")  # fmt: skip
        add_memo(conn, sid, text="Refleksjon 😀", kind="reflexivity", title="Journal")


def _codings(project) -> list[tuple]:
    with project.begin() as conn:
        return sorted(
            (
                c["interview"],
                c["code"],
                c["text"],
                c["is_gold"],
                c["start_char"],
                c["end_char"],
                c["coder"],
            )  # fmt: skip
            for c in list_codings(conn, 1)
        )


def test_export_validates_and_round_trips(study, make_project, tmp_path: Path) -> None:
    project, sid = study
    _study(project, sid, tmp_path)
    out = tmp_path / "out.qdpx"
    result = export_qdpx(project, out)
    assert result.counts["codings"] == len(_codings(project))
    with zipfile.ZipFile(out) as zf:
        root = etree.fromstring(zf.read("project.qde"))
        names = zf.namelist()
    schema = _schema("Project.xsd")
    assert schema.validate(root), schema.error_log
    assert sum(n.startswith("sources/") for n in names) == 2

    copy = make_project("copy")
    back = import_qdpx(copy, out)
    assert back.counts["codings"] == result.counts["codings"]
    assert _codings(copy) == _codings(project)
    with project.begin() as a, copy.begin() as b:
        for label in ("Intervju 1", "Intervju 2"):
            assert get_text(a, transcript_id_for(a, sid, label)) == get_text(
                b, transcript_id_for(b, 1, label)
            )
        sa_, sb = get_study(a, sid), get_study(b, 1)
        assert (sa_["title"], sa_["problem_statement"]) == (sb["title"], sb["problem_statement"])
        assert [(q["text"], q["themes"]) for q in sa_["research_questions"]] == [
            (q["text"], q["themes"]) for q in sb["research_questions"]
        ]
        assert _code_tree(a, sid) == _code_tree(b, 1)
        assert [(p["code"], p["attributes"]) for p in list_participants(a, sid)] == [
            (p["code"], p["attributes"]) for p in list_participants(b, 1)
        ]
        assert sorted((m["kind"], m["title"], m["text"]) for m in list_memos(a, sid)) == sorted(
            (m["kind"], m["title"], m["text"]) for m in list_memos(b, 1)
        )


def _code_tree(conn, sid: int) -> list[tuple]:
    out = []

    def walk(codes):
        for c in codes:
            out.append((c["path"], c["level"], c["color"], c["description"]))
            walk(c.get("children", []))

    walk(list_codes(conn, sid))
    return sorted(out)


def test_codebook_export_validates_and_round_trips(study, make_project, tmp_path: Path) -> None:
    project, sid = study
    mini_study(project, sid, tmp_path)
    out = tmp_path / "codebook.qdc"
    result = export_qdc(project, out)
    root = etree.fromstring(out.read_bytes())
    schema = _schema("Codebook.xsd")
    assert schema.validate(root), schema.error_log
    copy = make_project("copy")
    back = import_qdc(copy, out)
    assert back.counts["codes"] == result.counts["codes"]
    with project.begin() as a, copy.begin() as b:
        assert _code_tree(a, sid) == _code_tree(b, 1)
