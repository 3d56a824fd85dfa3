"""Bad input: clear errors or warnings, never a crash, never a half-written study."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kvali.codes.service import list_codes
from kvali.codings.service import list_codings
from kvali.errors import InputError
from kvali.interop.refi import import_qdc, import_qdpx
from tests.conftest import snapshot

from .refi_helpers import SAMPLES, guid, project_xml, small_qdpx, write_qdpx


def test_small_file_imports_exact_segments(project, tmp_path: Path) -> None:
    result = import_qdpx(project, small_qdpx(tmp_path / "a.qdpx"))
    assert result.counts["codings"] == 2 and result.counts["studies"] == 1
    with project.begin() as conn:
        assert sorted(c["text"] for c in list_codings(conn, 1)) == [
            "Tid er alt",
            "deler erfaringer",
        ]


@pytest.mark.parametrize(
    ("origin", "count"), [("NVivo for Windows 12.6", "utf16"), ("QualCoder 3.5", "codepoints")]
)
def test_units_follow_the_origin(project, tmp_path: Path, origin: str, count: str) -> None:
    """NVivo: UTF-16 units, CRLF as two, BOM not counted; others: code points."""
    text = "Intro 😀😀 tekst\r\nKari sier: vi deler erfaringer 🎉 hver uke.\r\n"
    start = text.index("deler")
    end = start + len("deler erfaringer 🎉")
    if count == "utf16":
        start, end = (len(text[:i].encode("utf-16-le")) // 2 for i in (start, end))
    xml = project_xml(origin=origin, sources=[("S", [(start, end, 0)])], codes=["Deling"])
    path = write_qdpx(
        tmp_path / "u.qdpx", xml, {0: b"\xef\xbb\xbf" + text.encode()}, folder="Sources"
    )
    result = import_qdpx(project, path)
    assert not result.warnings
    with project.begin() as conn:
        assert [c["text"] for c in list_codings(conn, 1)] == ["deler erfaringer 🎉"]


def test_wrong_origin_is_caught_on_word_boundaries(project, tmp_path: Path) -> None:
    text = "😀😀😀 " * 5 + "\n" + " ".join(f"ord{i} 😀 annet{i}" for i in range(20))
    spans = []
    for i in range(0, 20, 2):
        a = text.index(f"ord{i} ")
        b = a + len(f"ord{i}")
        spans.append(tuple(len(text[:k].encode("utf-16-le")) // 2 for k in (a, b)) + (0,))
    xml = project_xml(origin="SomeTool 1.0", sources=[("S", spans)], codes=["Ord"])
    result = import_qdpx(project, write_qdpx(tmp_path / "w.qdpx", xml, {0: text.encode()}))
    assert any("utf16 instead of codepoints" in w for w in result.warnings)
    with project.begin() as conn:
        assert {c["text"] for c in list_codings(conn, 1)} == {f"ord{i}" for i in range(0, 20, 2)}


def test_positions_past_the_end_and_unknown_codes_are_warnings(project, tmp_path: Path) -> None:
    text = "Kari: Vi deler erfaringer.\n"
    xml = project_xml(
        origin="QualCoder", sources=[("S", [(6, 8, 0), (10, 500, 0), (6, 8, 7)])], codes=["A"]
    )
    result = import_qdpx(project, write_qdpx(tmp_path / "p.qdpx", xml, {0: text.encode()}))
    assert result.counts["codings"] == 1
    text_w = " ".join(result.warnings)
    assert "past the end" in text_w and "unknown code" in text_w


def test_duplicate_guids_and_unknown_namespace_warn(project, tmp_path: Path) -> None:
    xml = project_xml(
        origin="X",
        sources=[("S", [(0, 4, 0)]), ("T", [])],
        codes=["A", "B"],
        ns="urn:QDA-XML:project:2:0",
    ).replace(guid(1, 1), guid(0, 1))  # code B reuses A's GUID
    result = import_qdpx(
        project, write_qdpx(tmp_path / "d.qdpx", xml, {0: b"Kari sier noe", 1: b"x"})
    )
    text_w = " ".join(result.warnings)
    assert "project:2:0" in text_w and "more than once" in text_w
    assert result.counts["codings"] == 1


@pytest.mark.parametrize(
    "make",
    [
        lambda p: p.write_bytes(b"PK\x03\x04 this is not really a zip"),
        lambda p: p.write_bytes(b"<Project><unclosed"),
        lambda p: _zip(p, {"sources/a.txt": b"x"}),  # no .qde
        lambda p: _zip(p, {"a.qde": b"<Project/>", "b.qde": b"<Project/>"}),  # two
        lambda p: _zip(p, {"project.qde": b"\x00\x01garbage"}),
        lambda p: p.write_bytes(
            b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Project name="&e;"/>'
        ),
    ],
    ids=["corrupt-zip", "bad-xml", "no-qde", "two-qde", "binary-qde", "external-entity"],
)
def test_broken_files_are_input_errors_and_write_nothing(project, tmp_path: Path, make) -> None:
    path = tmp_path / "bad.qdpx"
    make(path)
    before = snapshot(project)
    try:
        import_qdpx(project, path)
    except InputError as exc:
        assert str(path) in str(exc)
    else:  # the entity file is not read: at most an empty project imports
        assert "passwd" not in str(snapshot(project))
        return
    assert snapshot(project) == before


def test_failure_midway_writes_nothing(project, tmp_path: Path, monkeypatch) -> None:
    """An error after codes, interviews, transcripts and codings are written rolls all back."""
    import kvali.interop.refi.importer as importer

    def fail(*args, **kwargs):
        raise InputError("simulated failure while writing memos")

    monkeypatch.setattr(importer, "add_memo", fail)
    text = "Kari: Vi deler erfaringer.\nOle: Tid er alt.\n"
    extra = f'<Notes><Note guid="{guid(1, 8)}" name="n"><PlainTextContent>memo</PlainTextContent></Note></Notes>'
    xml = project_xml(origin="QualCoder", sources=[("S", [(6, 8, 0)])], codes=["A"], extra=extra)
    before = snapshot(project)
    with pytest.raises(InputError, match="nothing was written"):
        import_qdpx(project, write_qdpx(tmp_path / "m.qdpx", xml, {0: text.encode()}))
    assert snapshot(project) == before


def test_a_project_is_not_a_codebook(project, tmp_path: Path) -> None:
    path = small_qdpx(tmp_path / "a.qdpx")
    before = snapshot(project)
    with pytest.raises(InputError, match="import-qdpx"):
        import_qdc(project, path)
    assert snapshot(project) == before


def _zip(path: Path, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)


def _seed() -> bytes:
    """ATLAS.ti 8.4's standard project (every kind of source, sets, links) as a .qdpx."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            "project.qde", (SAMPLES / "atlasti-8.4-mac_refi-standard-project.qde").read_bytes()
        )
    return buf.getvalue()


def test_blank_and_nested_atlas_projects(project, tmp_path: Path) -> None:
    """The shapes of ATLAS.ti 23's blank and target exports: users only; a parent with two
    children as nested codes (both import, the empty one writes no study content)."""
    users = (
        f'<Users><User guid="{guid(1, 9)}" name="A"/><User guid="{guid(2, 9)}" name="B"/></Users>'
    )
    blank = (
        '<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" '
        f'name="blank" origin="ATLAS.ti for Windows 23.2.3.27778">{users}</Project>'
    )
    result = import_qdpx(project, write_qdpx(tmp_path / "b.qdpx", blank, {}))
    assert result.counts["users_in_file"] == 2 and result.counts.get("codes", 0) == 0
    nested = blank.replace('name="blank"', 'name="target"').replace(
        "</Users>",
        f'</Users><CodeBook><Codes><Code guid="{guid(1, 1)}" name="Parent" isCodable="true">'
        f'<Code guid="{guid(2, 1)}" name="Child A" isCodable="true"/>'
        f'<Code guid="{guid(3, 1)}" name="Child B" isCodable="true"/></Code></Codes></CodeBook>',
    )
    result = import_qdpx(project, write_qdpx(tmp_path / "t.qdpx", nested, {}))
    assert result.counts["codes"] == 3 and not result.warnings
    with project.begin() as conn:
        paths = {c["path"] for c in list_codes(conn, 1)}
    assert paths == {"Parent", "Parent/Child A", "Parent/Child B"}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_fuzzed_files_never_crash(project, tmp_path: Path, data: st.DataObject) -> None:
    """Mutated ZIP bytes and mutated XML: the import succeeds or raises InputError, nothing
    else; a rejected file leaves every table exactly as it was."""
    small = small_qdpx(tmp_path / "seed.qdpx").read_bytes()
    seed = data.draw(st.sampled_from([small, _seed()]))
    mode = data.draw(st.sampled_from(["bytes", "xml"]))
    if mode == "bytes":
        raw = bytearray(seed)
        for _ in range(data.draw(st.integers(1, 8))):
            i = data.draw(st.integers(0, len(raw) - 1))
            raw[i] = data.draw(st.integers(0, 255))
        payload = bytes(raw)
    else:
        with zipfile.ZipFile(io.BytesIO(seed)) as zf:
            files = {n: zf.read(n) for n in zf.namelist()}
        xml = bytearray(files["project.qde"])
        for _ in range(data.draw(st.integers(1, 6))):
            i = data.draw(st.integers(0, len(xml) - 1))
            xml[i : i + data.draw(st.integers(0, 4))] = data.draw(
                st.sampled_from([b"", b"<", b'"', b"9", b"-1", b"\x00", b"&amp;", b"/>", b"\xff"])
            )
        files["project.qde"] = bytes(xml)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for n, d in files.items():
                zf.writestr(n, d)
        payload = buf.getvalue()
    path = tmp_path / "fuzz.qdpx"
    path.write_bytes(payload)
    before = snapshot(project)
    try:
        import_qdpx(project, path)
    except InputError:
        assert snapshot(project) == before
