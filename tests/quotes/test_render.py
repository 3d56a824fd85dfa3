"""Published renderings beside the verbatim: accept one, accept all, keep, edit; events; the
report prints renderings (or verbatim) and `kvali report` refuses open quotes."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from kvali.cli import cli
from kvali.errors import ConflictError, KvaliError
from tests.helpers import write

DIALECT = """\
I: Hva betyr fellestida for dere?
R: Æ veit itj ka vi ska gjør uten den. Dokker må forstå at ungan trenge det.
I: Og nettverket?
R: Vi lærer mye av hverandre på møtene.
"""


@pytest.fixture
def quoted(study, tmp_path):
    from kvali.codes.service import create_code
    from kvali.codings.service import add_coding
    from kvali.interviews.service import add_interview
    from kvali.participants.service import add_participant
    from kvali.transcripts.service import get_text, import_transcript

    project, sid = study
    with project.begin() as conn:
        add_participant(conn, sid, code="R1")
        add_interview(conn, sid, label="Intervju 1", participants=["R1"])
        tid = import_transcript(conn, sid, "Intervju 1", write(tmp_path, "i.txt", DIALECT))
        create_code(conn, sid, name="Tid", level="theme")
        create_code(conn, sid, name="Fellestid", parent="Tid")
        text = get_text(conn, tid)
        a = text.index("Æ veit")
        b = text.index("trenge det.") + len("trenge det.")
        cid = add_coding(conn, sid, transcript_id=tid, code="Fellestid", start=a, end=b, gold=True)
        c = text.index("Vi lærer")
        plain = add_coding(
            conn, sid, transcript_id=tid, code="Fellestid", start=c, end=len(text), gold=True
        )
    return project, sid, tid, cid, plain


def test_accept_one_then_all_keeps_the_verbatim(quoted):
    from kvali.quotes.render import accept_all, accept_flag, get_quote
    from kvali.transcripts.service import get_text

    project, sid, tid, cid, _ = quoted
    with project.begin() as conn:
        before = get_text(conn, tid)
        q = get_quote(conn, sid, cid)
        assert not q["rendered"] and q["text"] == q["verbatim"]
        words = [f["word"] for f in q["flags"]]
        assert words[:3] == ["Æ", "itj", "ka"] and "trenge" not in words  # «ungan trenge»
        q = accept_flag(conn, sid, cid, word="itj")
        assert q["rendered"] and q["text"].startswith("Æ veit ikke ka")
        itj_left = [f for f in q["flags"] if f["word"] == "itj"]
        assert itj_left == []
        q = accept_all(conn, sid, cid)
        assert q["flags"] == []
        assert (
            q["text"]
            == "Jeg veit ikke hva vi skal gjør uten den. Dere må forstå at ungene trenge det."
        )
        assert q["verbatim"].startswith("Æ veit itj ka")
        assert get_text(conn, tid) == before  # the transcript stays as said
        rows = conn.execute(
            sa.text(
                "SELECT action, payload FROM events WHERE entity = 'quote_rendering' ORDER BY id"
            )
        ).all()
    assert [r[0] for r in rows] == ["create", "update"]
    payloads = [r[1] if isinstance(r[1], dict) else json.loads(r[1]) for r in rows]
    assert payloads[0]["coding_id"] == cid and payloads[1]["accepted"] >= 4
    assert "ikke" not in json.dumps(payloads)  # no text in the event log


def test_stale_flag_position_is_a_conflict_and_edit_is_free(quoted):
    from kvali.quotes.render import accept_flag, edit_rendering, get_quote, keep_flag

    project, sid, _, cid, _ = quoted
    with project.begin() as conn:
        with pytest.raises(ConflictError):
            accept_flag(conn, sid, cid, start=1)
        q = edit_rendering(conn, sid, cid, "Jeg vet ikke hva vi skal gjøre uten den, sier dokker.")
        assert [f["word"] for f in q["flags"]] == ["dokker"]
        q = keep_flag(conn, sid, cid, word="dokker")
        assert q["flags"] == [] and q["kept"] == ["dokker"]
        assert get_quote(conn, sid, cid)["updated_by"]


def test_rendering_goes_stale_when_the_passage_changes(quoted):
    from kvali.quotes.render import accept_all, get_quote
    from kvali.transcripts.offsets import Edit
    from kvali.transcripts.service import edit_text, get_text

    project, sid, tid, cid, _ = quoted
    with project.begin() as conn:
        accept_all(conn, sid, cid)
        text = get_text(conn, tid)
        i = text.index("uten den")
        edit_text(conn, sid, tid, [Edit(i, i + 4, "utan")], reason="correction")
        q = get_quote(conn, sid, cid)
    assert q["stale"] and not q["rendered"] and q["text"] == q["verbatim"]


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_report_refuses_open_quotes_then_prints_renderings(quoted, tmp_path):
    project, sid, _, cid, _ = quoted
    p = project.path
    r = run("-p", p, "report", "--format", "md", "--out", tmp_path / "r")
    assert r.exit_code != 0 and "--allow-unchecked" in r.output
    assert f"Intervju 1 at 31: Æ, itj, ka, ska, Dokker, ungan (kvali quote render show {cid})" in (
        r.output
    )
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").iterdir())
    r = run("-p", p, "--lang", "nb", "report", "--format", "md", "--out", tmp_path / "r")
    assert r.exit_code != 0 and "--allow-unchecked" in r.output and "sitater" in r.output
    r = run("-p", p, "quote", "render", "accept-all", cid)
    assert r.exit_code == 0, r.output
    r = run("-p", p, "report", "--format", "md", "--out", tmp_path / "r")
    assert r.exit_code == 0, r.output
    assert "2 quotes (published): 1 rendered for publication, 0 not checked" in r.output
    md = next((tmp_path / "r").glob("*.md")).read_text(encoding="utf-8")
    assert "Jeg veit ikke hva vi skal" in md and "Æ veit itj" not in md
    r = run("-p", p, "report", "--format", "md", "--out", tmp_path / "v", "--quotes", "verbatim")
    assert r.exit_code == 0, r.output
    md = next((tmp_path / "v").glob("*.md")).read_text(encoding="utf-8")
    assert "Æ veit itj" in md


def test_cli_list_show_keep_edit_and_settings(quoted):
    project, sid, _, cid, plain = quoted
    p = project.path
    out = json.loads(run("-p", p, "quote", "list", "--json").output)
    assert [q["coding_id"] for q in out] == [cid, plain]
    assert out[1]["flags"] == []
    r = run("-p", p, "quote", "render", "accept", cid, "--word", "ka", "--json")
    assert json.loads(r.output)["text"].startswith("Æ veit itj hva")
    r = run("-p", p, "quote", "render", "keep", cid, "--word", "itj")
    assert r.exit_code == 0 and "itj →" not in r.output
    r = run("-p", p, "quote", "render", "edit", cid, "--text", "Jeg vet ikke.")
    assert "Jeg vet ikke." in r.output
    r = run("-p", p, "quote", "render", "show", cid)
    assert "as said:" in r.output and "Æ veit itj ka" in r.output
    r = run("-p", p, "quote", "settings", "--report-quotes", "verbatim", "--json")
    assert json.loads(r.output)["report_quotes"] == "verbatim"
    r = run("-p", p, "quote", "settings", "--report-quotes", "nope")
    assert r.exit_code != 0


def test_refi_export_keeps_the_verbatim(quoted, tmp_path):
    from kvali.quotes.render import accept_all

    project, sid, _, cid, _ = quoted
    with project.begin() as conn:
        accept_all(conn, sid, cid)
    r = run("-p", project.path, "export-qdpx", tmp_path / "out.qdpx")
    if r.exit_code != 0:
        pytest.fail(r.output)
    import zipfile

    with zipfile.ZipFile(tmp_path / "out.qdpx") as z:
        blob = "".join(
            z.read(n).decode("utf-8", "replace")
            for n in z.namelist()
            if n.endswith((".txt", ".qde"))
        )
    assert "Æ veit itj ka" in blob and "Jeg veit ikke hva" not in blob


def test_unmasked_names():
    from kvali.quotes.render import unmasked_names

    got = [n["word"] for n in unmasked_names("Vi snakket med Ingrid Berg på Fjellvang skole.")]
    assert "Ingrid" in got
    assert unmasked_names("Vi snakket med xxx (navn på ansatt) om det.") == []
    with pytest.raises(KvaliError):
        raise KvaliError("x")


def test_pseudonymization_replaces_names_in_renderings(quoted):
    """A rendering quotes names like a memo does: applying pseudonymization replaces them
    (originals to the key) and leaves the rendering stale, since the passage changed."""
    from kvali.privacy.apply import _renderings
    from kvali.quotes.render import edit_rendering, get_quote

    project, sid, _, cid, _ = quoted
    with project.begin() as conn:
        edit_rendering(conn, sid, cid, "Jeg vet ikke, sa Ingrid til meg.")
        entry: dict = {}
        assigned = {1: {"text": "Ingrid", "replacement": "[navn 1]", "kind": "name"}}
        assert _renderings(conn, sid, assigned, entry) == 1
        assert get_quote(conn, sid, cid)["rendering"] == "Jeg vet ikke, sa [navn 1] til meg."
    assert entry["renderings"][0]["text"] == "Jeg vet ikke, sa Ingrid til meg."


def test_stale_renderings_can_be_dropped(quoted):
    """What withdrawal calls after deleting a speaker's turns in a group interview."""
    from kvali.quotes.render import accept_all, drop_stale_renderings, get_quote
    from kvali.transcripts.offsets import Edit
    from kvali.transcripts.service import edit_text, get_text

    project, sid, tid, cid, plain = quoted
    with project.begin() as conn:
        accept_all(conn, sid, cid)
        assert drop_stale_renderings(conn, sid, tid) == 0
        text = get_text(conn, tid)
        i = text.index("ungan")
        edit_text(conn, sid, tid, [Edit(i, i + 5, "barna")], reason="correction")
        assert drop_stale_renderings(conn, sid, tid) == 1
        assert get_quote(conn, sid, cid)["rendering"] is None
