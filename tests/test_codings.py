"""Coding by span and by quote, gold quotes, CSV import, cycles, and codebook changes."""

from __future__ import annotations

import pytest

from kvali.errors import InputError, NotFoundError
from tests.conftest import snapshot
from tests.helpers import mini_study, write


@pytest.fixture
def coded(study, tmp_path):
    project, sid = study
    ids = mini_study(project, sid, tmp_path)
    return project, sid, ids


def test_code_by_span_and_by_quote(coded):
    from kvali.codings.service import add_coding, code_quote, list_codings
    from kvali.transcripts.service import get_text

    project, sid, ids = coded
    with project.begin() as conn:
        text = get_text(conn, ids["t1"])
        s = text.index("Vi deler erfaringer")
        a = add_coding(
            conn,
            sid,
            transcript_id=ids["t1"],
            code="Deler erfaringer",
            start=s,
            end=s + 19,
            coder="Forsker A",
        )
        b = code_quote(
            conn,
            sid,
            interview="Intervju 1",
            code="Tid",
            quote="Uten tid blir det ingenting av det.",
            gold=True,
        )
        again = add_coding(
            conn,
            sid,
            transcript_id=ids["t1"],
            code="Deler erfaringer",
            start=s,
            end=s + 19,
            coder="Forsker A",
        )
        rows = list_codings(conn, sid)
    assert again == a
    assert [(r["id"], r["code"], r["text"], r["is_gold"]) for r in rows] == [
        (a, "Deler erfaringer", "Vi deler erfaringer", False),
        (b, "Tid", "Uten tid blir det ingenting av det.", True),
    ]
    assert (
        rows[0]["coder"] == "Forsker A"
        and rows[0]["speaker"] == "Kari"
        and rows[0]["start_ms"] == 9000
    )


def test_quote_whitespace_tolerant_and_ambiguous_lists_matches(coded):
    from kvali.codings.service import code_quote

    project, sid, _ = coded
    with project.begin() as conn:
        code_quote(conn, sid, interview="Intervju 1", code="Tid", quote="Og det   krever\ttid.")
        with pytest.raises(InputError) as exc:
            code_quote(conn, sid, interview="Intervju 2", code="Tid", quote="tid")
        assert "ambiguous" in str(exc.value) and "2 matches" in str(exc.value)
        with pytest.raises(InputError, match="not found"):
            code_quote(conn, sid, interview="Intervju 1", code="Tid", quote="finnes ikke")


def test_bad_spans_unknown_codes_and_foreign_codes_are_refused(coded, make_project):
    from kvali.codes.service import create_code
    from kvali.codings.service import add_coding
    from kvali.studies.service import create_study

    project, sid, ids = coded
    with project.begin() as conn:
        other = create_study(conn, title="Another study")
        foreign = create_code(conn, other, name="Fremmed")
    before = snapshot(project)
    for kwargs, err in [
        ({"code": "Tid", "start": 5, "end": 5}, InputError),
        ({"code": "Tid", "start": -1, "end": 4}, InputError),
        ({"code": "Tid", "start": 0, "end": 10_000}, InputError),
        ({"code": "Ukjent kode", "start": 0, "end": 4}, NotFoundError),
        ({"code": foreign, "start": 0, "end": 4}, NotFoundError),
    ]:
        with pytest.raises(err), project.begin() as conn:
            add_coding(conn, sid, transcript_id=ids["t1"], **kwargs)
    assert snapshot(project) == before


def test_remove_and_gold_keep_history(coded):
    from kvali.codings.service import code_quote, list_codings, remove_coding, set_gold

    project, sid, _ = coded
    with project.begin() as conn:
        cid = code_quote(conn, sid, interview="Intervju 1", code="Tid", quote="Tid er alt.")
        set_gold(conn, sid, cid)
        remove_coding(conn, sid, cid)
        with pytest.raises(InputError, match="already removed"):
            remove_coding(conn, sid, cid)
        live = list_codings(conn, sid)
        history = list_codings(conn, sid, include_removed=True)
    assert live == []
    assert history[0]["is_gold"] and history[0]["removed_reason"] == "removed"


def test_csv_import_is_all_or_nothing_and_names_the_line(coded, tmp_path):
    from kvali.codings.service import import_codings_csv, list_codings

    project, sid, _ = coded
    good = write(
        tmp_path,
        "ok.csv",
        "interview,code,quote,gold,coder\n"
        "Intervju 1,Tid,Tid er alt.,true,Forsker A\n"
        'Intervju 2,Faglig påfyll,"Nettverket i Romsdal gir oss faglig påfyll.",,Forsker B\n',
    )
    bad = write(
        tmp_path,
        "bad.csv",
        "interview,code,quote\n"
        "Intervju 1,Deler erfaringer,Vi deler erfaringer\n"
        "Intervju 1,Ingen slik kode,Tid er alt.\n",
    )
    before = snapshot(project)
    with pytest.raises(InputError) as exc, project.begin() as conn:
        import_codings_csv(conn, sid, bad)
    assert "bad.csv:3" in str(exc.value) and "Ingen slik kode" in str(exc.value)
    assert snapshot(project) == before
    with project.begin() as conn:
        assert import_codings_csv(conn, sid, good) == 2
        rows = list_codings(conn, sid)
    assert {(r["code"], r["is_gold"], r["coder"]) for r in rows} == {
        ("Tid", True, "Forsker A"),
        ("Faglig påfyll", False, "Forsker B"),
    }
    spans = write(
        tmp_path, "spans.csv", "interview,code,start,end\nIntervju 1,Tid,0,3\nIntervju 1,Tid,0,x\n"
    )
    with pytest.raises(InputError, match="spans.csv:3"), project.begin() as conn:
        import_codings_csv(conn, sid, spans)


def test_new_cycle_keeps_earlier_codings_as_history(coded):
    from kvali.codings.cycles import list_cycles, start_cycle
    from kvali.codings.service import code_quote, list_codings, remove_coding

    project, sid, _ = coded
    with project.begin() as conn:
        a = code_quote(conn, sid, interview="Intervju 1", code="Tid", quote="Tid er alt.")
        code_quote(
            conn, sid, interview="Intervju 1", code="Deler erfaringer", quote="Vi deler erfaringer"
        )
        assert start_cycle(conn, sid, name="Skjerpet fokus") == 2
        current = list_codings(conn, sid)
        remove_coding(conn, sid, current[0]["id"])
        code_quote(
            conn,
            sid,
            interview="Intervju 2",
            code="Faglig påfyll",
            quote="Vi lærer av andre skoler.",
        )
        with pytest.raises(InputError, match="earlier cycle"):
            remove_coding(conn, sid, a)
        cycle1 = list_codings(conn, sid, cycle=1)
        cycle2 = list_codings(conn, sid)
        cycles = list_cycles(conn, sid)
    assert [r["text"] for r in cycle1] == ["Vi deler erfaringer", "Tid er alt."]
    assert {r["text"] for r in cycle2} == {"Tid er alt.", "Vi lærer av andre skoler."}
    assert all(r["derived_from_id"] for r in cycle2 if r["text"] == "Tid er alt.")
    assert [(c["number"], c["codings"], c["codings_removed"]) for c in cycles] == [
        (1, 2, 0),
        (2, 2, 1),
    ]


def test_rename_merge_split_record_which_codes_became_which(coded):
    from kvali.codes.service import code_history, list_codes, merge_codes, rename_code, split_code
    from kvali.codings.cycles import start_cycle
    from kvali.codings.service import code_quote, list_codings

    project, sid, _ = coded
    with project.begin() as conn:
        code_quote(conn, sid, interview="Intervju 1", code="Tid", quote="Tid er alt.")
        code_quote(
            conn, sid, interview="Intervju 1", code="Deler erfaringer", quote="Vi deler erfaringer"
        )
        code_quote(
            conn,
            sid,
            interview="Intervju 2",
            code="Deler erfaringer",
            quote="Vi deler erfaringer i team.",
        )
        start_cycle(conn, sid)
        rename_code(conn, sid, "Tid", "Tid til utvikling")
        merge_codes(conn, sid, ["Faglig påfyll"], "Deler erfaringer")
        copy = next(
            r["id"] for r in list_codings(conn, sid) if r["text"] == "Vi deler erfaringer i team."
        )
        split_code(
            conn,
            sid,
            "Deler erfaringer",
            ["Deling i team", "Deling på tvers"],
            assign={copy: "Deling på tvers"},
        )
        history = code_history(conn, sid)
        now = {(r["code"], r["text"]) for r in list_codings(conn, sid)}
        before = {(r["code"], r["text"]) for r in list_codings(conn, sid, cycle=1)}
        names = {c["name"]: c["status"] for c in list_codes(conn, sid, include_inactive=True)}
        with pytest.raises(InputError, match="cannot take new codings"):
            code_quote(conn, sid, interview="Intervju 1", code="Faglig påfyll", quote="Tid er alt.")
    assert [(h["cycle"], h["kind"], h["from"], h["to"]) for h in history] == [
        (2, "rename", ["Tid"], ["Tid til utvikling"]),
        (2, "merge", ["Faglig påfyll"], ["Deler erfaringer"]),
        (2, "split", ["Deler erfaringer"], ["Deling i team", "Deling på tvers"]),
    ]
    assert now == {
        ("Tid til utvikling", "Tid er alt."),
        ("Deling i team", "Vi deler erfaringer"),
        ("Deling på tvers", "Vi deler erfaringer i team."),
    }
    # Cycle 1 still shows what was coded then (the renamed code carries its new name).
    assert before == {
        ("Tid til utvikling", "Tid er alt."),
        ("Deler erfaringer", "Vi deler erfaringer"),
        ("Deler erfaringer", "Vi deler erfaringer i team."),
    }
    assert names["Faglig påfyll"] == "merged" and names["Deler erfaringer"] == "split"


def test_code_tree_levels_and_move(coded):
    from kvali.codes.service import code_id, create_code, list_codes, move_code

    project, sid, _ = coded
    with project.begin() as conn:
        with pytest.raises(InputError, match="under itself"):
            move_code(conn, sid, "Samskaping", "Tid")
        move_code(conn, sid, "Tid", "Nettverk")
        assert code_id(conn, sid, "Nettverk/Tid") == code_id(conn, sid, "Tid")
        create_code(conn, sid, name="Tid", parent="Deling")
        with pytest.raises(InputError, match="ambiguous"):
            code_id(conn, sid, "Tid")
        rows = list_codes(conn, sid)
    levels = {r["path"]: r["level"] for r in rows}
    assert levels["Samskaping"] == "theme" and levels["Samskaping/Deling"] == "category"
    assert levels["Samskaping/Deling/Deler erfaringer"] == "code" and "Nettverk/Tid" in levels


def test_two_coders_on_the_same_span_are_two_codings(coded):
    from kvali.codes.service import merge_codes
    from kvali.codings.service import code_quote, list_codings

    project, sid, _ = coded
    with project.begin() as conn:
        a = code_quote(
            conn, sid, interview="Intervju 1", code="Tid", quote="Tid er alt.", coder="Forsker A"
        )
        b = code_quote(
            conn, sid, interview="Intervju 1", code="Tid", quote="Tid er alt.", coder="Forsker B"
        )
        again = code_quote(
            conn, sid, interview="Intervju 1", code="Tid", quote="Tid er alt.", coder="Forsker A"
        )
        code_quote(
            conn, sid, interview="Intervju 1", code="Deling", quote="Tid er alt.", coder="Forsker B"
        )
        merge_codes(conn, sid, ["Deling"], "Tid")
        rows = list_codings(conn, sid)
    assert a != b and again == a
    assert sorted((r["code"], r["coder"]) for r in rows) == [
        ("Tid", "Forsker A"),
        ("Tid", "Forsker B"),
    ]
