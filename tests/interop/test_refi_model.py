"""The export writes the model the importer reads: ``read(write(m)) == m`` for any model, and a
study's export is exactly ``write_project(build_project(conn))``."""

from __future__ import annotations

import io
import uuid
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from kvali.codings.service import code_quote
from kvali.interop.refi import export_qdpx
from kvali.interop.refi.build import build_project
from kvali.interop.refi.container import open_package
from kvali.interop.refi.kvalimeta import UNATTRIBUTED_USER
from kvali.interop.refi.model import (
    RCase,
    RCode,
    RCoding,
    RNote,
    RProject,
    RSelection,
    RSet,
    RText,
)
from kvali.interop.refi.reader import read_codebook, read_package
from kvali.interop.refi.writer import write_codebook, write_project
from kvali.interviews.service import add_interview, user_id
from kvali.memos.service import add_memo
from kvali.participants.service import add_participant
from kvali.studies.service import create_study
from tests.helpers import mini_study

from .refi_helpers import SCHEMA

# Strings as the reader gives them back: stripped, XML 1.0 characters only.
_chars = st.characters(
    blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff", max_codepoint=0x1F64F
)
name = st.text(_chars, min_size=1, max_size=12).map(str.strip).filter(bool)
text = st.text(_chars, max_size=20).map(str.strip)
# Texts keep their whitespace; a leading BOM is dropped by every reader, so none is drawn.
body = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff\ufffe\uffff",
                  whitelist_characters="\n\t"),
    max_size=40,
)  # fmt: skip
guids = st.uuids().map(str)
stamp = st.sampled_from(["", "2022-04-26T10:15:00Z", "2026-12-01T08:00:00Z"])


def _codes(depth: int = 2) -> st.SearchStrategy[list[RCode]]:
    kids = _codes(depth - 1) if depth else st.just([])
    code = st.builds(
        RCode,
        guid=guids,
        name=name,
        codable=st.booleans(),
        color=st.sampled_from([None, "#AABBCC", "#abc"]),
        description=text,
        note_refs=st.lists(guids, max_size=2),
        children=kids,
    )
    return st.lists(code, max_size=3)


@st.composite
def models(draw: st.DrawFn) -> RProject:
    users = draw(st.dictionaries(guids, name, max_size=3))
    user = st.sampled_from(["", *users])
    codings = st.builds(RCoding, code=guids, user=user, guid=guids, created=stamp)
    selections = st.builds(RSelection, guid=guids, name=text, start=st.integers(0, 10**6),
                           end=st.integers(0, 10**6), description=text,
                           codings=st.lists(codings, max_size=2),
                           note_refs=st.lists(guids, max_size=2), user=user, created=stamp)  # fmt: skip
    variables = draw(st.dictionaries(guids, name, max_size=3))
    values = st.lists(st.tuples(st.sampled_from([*variables] or [str(uuid.UUID(int=1))]), text),
                      max_size=2)  # fmt: skip
    texts = []
    for _ in range(draw(st.integers(0, 3))):
        gid = draw(guids)
        inline = draw(st.booleans())
        texts.append(RText(
            guid=gid, name=draw(name), kind="text",
            text_path=None if inline else f"internal://{gid}.txt",
            inline=draw(body) if inline else None, plain=None if inline else draw(body),
            description=draw(text), selections=draw(st.lists(selections, max_size=3)),
            note_refs=draw(st.lists(guids, max_size=2)), variables=draw(values),
            created=draw(stamp),
        ))  # fmt: skip
    notes = []
    for _ in range(draw(st.integers(0, 2))):
        gid, inline = draw(guids), draw(st.booleans())
        notes.append(RNote(guid=gid, name=draw(text),
                           text_path=None if inline else f"internal://{gid}.txt",
                           inline=draw(body) if inline else None,
                           plain=None if inline else draw(body), description=draw(text),
                           user=draw(user), created=draw(stamp)))  # fmt: skip
    return RProject(
        name=draw(name),
        origin=draw(st.sampled_from(["kvali 0.1.0", "NVivo for Windows 12.6", ""])),
        description=draw(text),
        users=users,
        codes=draw(_codes()),
        variables=variables,
        cases=draw(
            st.lists(
                st.builds(
                    RCase,
                    guid=guids,
                    name=text,
                    description=text,
                    values=values,
                    sources=st.lists(guids, max_size=2),
                ),
                max_size=2,
            )
        ),  # fmt: skip
        texts=texts,
        notes=notes,
        sets=draw(
            st.lists(
                st.builds(
                    RSet,
                    guid=guids,
                    name=name,
                    description=text,
                    codes=st.lists(guids, max_size=2),
                    sources=st.lists(guids, max_size=2),
                    notes=st.lists(guids, max_size=2),
                ),
                max_size=2,
            )
        ),  # fmt: skip
        project_note_refs=draw(st.lists(guids, max_size=2)),
    )


def _read(data: bytes, tmp: Path) -> RProject:
    path = tmp / "m.qdpx"
    path.write_bytes(data)
    package = open_package(path)
    try:
        return read_package(package)
    finally:
        package.close()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(model=models())
def test_read_of_write_is_the_model(model: RProject, tmp_path: Path) -> None:
    assert _read(write_project(model), tmp_path) == model


@settings(max_examples=60, deadline=None)
@given(codes=_codes(), sets=st.lists(st.builds(RSet, guid=guids, name=name, description=text,
                                               codes=st.lists(guids, min_size=0, max_size=2)),
                                     max_size=2))  # fmt: skip
def test_codebook_read_of_write_is_the_model(codes: list[RCode], sets: list[RSet]) -> None:
    def no_notes(cs: list[RCode]) -> None:  # a codebook's codes carry no notes
        for c in cs:
            c.note_refs = []
            no_notes(c.children)

    no_notes(codes)
    model = RProject(origin="kvali", codes=codes, sets=sets)
    root = etree.fromstring(write_codebook(model))
    assert read_codebook(root) == model


def test_export_is_the_built_model(study, tmp_path: Path) -> None:
    """What lands in the file is the model, all of it; GUIDs lower case, every selection and
    coding with a declared user and a date."""
    project, sid = study
    ids = mini_study(project, sid, tmp_path)
    with project.begin() as conn:
        code_quote(conn, sid, interview="Intervju 1", code="Tid", quote="Uten tid", coder="Kari")
        code_quote(conn, sid, interview="Intervju 2", code="Tid", quote="Tid er alltid")
        add_memo(conn, sid, text="Notat", title="Journal")
    out = tmp_path / "s.qdpx"
    export_qdpx(project, out)
    with project.begin() as conn:
        built = build_project(conn)
    back = _read(out.read_bytes(), tmp_path)
    assert back == built
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as zf:
        root = etree.fromstring(zf.read("project.qde"))
    assert etree.XMLSchema(etree.parse(str(SCHEMA / "Project.xsd"))).validate(root)
    for el in root.iter():
        for attr in ("guid", "targetGUID", "creatingUser"):
            value = el.get(attr)
            assert value is None or value == value.lower(), (el.tag, attr, value)
    assert ids and UNATTRIBUTED_USER in back.users.values() and "Kari" in back.users.values()
    selections = [s for t in back.texts for s in t.selections]
    assert selections and all(
        s.user in back.users
        and s.created
        and all(c.user in back.users and c.created for c in s.codings)
        for s in selections
    )


def test_export_takes_only_the_study_s_rows(study, tmp_path: Path) -> None:
    """Users, participants and attributes of another study in the same database stay out."""
    project, sid = study
    mini_study(project, sid, tmp_path)
    with project.begin() as conn:
        other = create_study(conn, title="Other", problem_statement="?", language="nb")
        add_participant(conn, other, code="X9", attributes={"hemmelig": "ja"})
        add_interview(conn, other, label="Annet", participants=["X9"], interviewers=["Fremmed"])
        user_id(conn, "Ukjent koder")
        model = build_project(conn, sid)
    assert {c.name for c in model.cases} == {"R1", "R2"}
    assert "hemmelig" not in model.variables.values()
    assert set(model.users.values()) == {"Forsker A", "Forsker B"}
    assert {t.name for t in model.texts} == {"Intervju 1", "Intervju 2"}
