"""Shipped framework codebooks (valid QDA-XML), loading, and the evidence matrix."""

from __future__ import annotations

import pytest
from lxml import etree

from kvali.analysis.frameworks import (
    SHIPPED,
    add_framework,
    add_item,
    export_framework,
    get_framework,
    link_codes,
    shipped_file,
)
from kvali.analysis.matrix import framework_matrix, set_evidence
from kvali.analysis.qdc import read_qdc, write_qdc
from kvali.errors import InputError
from tests.helpers import mini_study
from tests.interop.refi_helpers import SCHEMA

XSD = SCHEMA / "Codebook.xsd"  # found where the REFI-QDA tests find it, relative to the checkout


@pytest.mark.parametrize("lang", ["en", "nb"])
@pytest.mark.parametrize("key", SHIPPED)
def test_shipped_codebooks_are_valid_qda_xml(key, lang):
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    doc = etree.parse(str(shipped_file(key, lang)))
    assert schema.validate(doc), schema.error_log
    fw = read_qdc(shipped_file(key, lang))
    assert len(fw["items"]) in (3, 6) and all(i["keywords"] for i in fw["items"])
    # What kvali writes back validates too and reads the same.
    again = read_qdc(write_qdc(fw, language=lang))
    assert again == fw


def test_irgens_has_six_characteristics_in_both_languages():
    en, nb = read_qdc(shipped_file("irgens", "en")), read_qdc(shipped_file("irgens", "nb"))
    assert len(en["items"]) == len(nb["items"]) == 6
    assert "critical" in en["items"][4]["name"] and "kritisk" in nb["items"][4]["name"]


def test_bad_codebook_is_an_input_error(tmp_path):
    bad = tmp_path / "bad.qdc"
    bad.write_text("<nope/>", encoding="utf-8")
    with pytest.raises(InputError):
        read_qdc(bad)


def test_matrix_suggests_and_researcher_sets(study, tmp_path):
    from kvali.codings.service import add_coding

    project, sid = study
    ids = mini_study(project, sid, tmp_path)
    with project.begin() as conn:
        fid = add_framework(conn, sid, key="irgens", language="nb")
        link_codes(conn, sid, framework="irgens", item="4", codes=["Deler erfaringer"])
        cid = add_coding(
            conn,
            sid,
            transcript_id=ids["t1"],
            code="Deler erfaringer",
            start=100,
            end=140,
            coder="Ann",
        )
        m = framework_matrix(conn, sid, fid)
        cells = {r["item"]: [c["suggested"] for c in r["cells"]] for r in m["rows"]}
        assert [c["label"] for c in m["columns"]] == ["Intervju 1", "Intervju 2"]
        assert cells["Deler erfaringer fra egen praksis"][0] == "explicit"
        # «Vi lærer sammen … hver uke» / «Tid er alt»: keywords, not codings → implicit.
        assert cells["Som møtes jevnlig"][0] in ("implicit", "not_found")
        assert cells["En gruppe"][1] == "implicit"  # «Vi deler erfaringer i team.»
        set_evidence(
            conn,
            sid,
            framework=fid,
            item="5",
            interview="Intervju 1",
            level="not_found",
            note="No critical inquiry.",
            coding_ids=[cid],
        )
        m = framework_matrix(conn, sid, fid)
        cell = m["rows"][4]["cells"][0]
        assert cell["level"] == "not_found" and cell["set"] and cell["note"]
        assert cell["passages"][0]["coding_id"] == cid
        by_theme = framework_matrix(conn, sid, fid, by="theme")
        assert [c["label"] for c in by_theme["columns"]] == ["Samskaping", "Nettverk"]
        assert by_theme["rows"][3]["cells"][0]["suggested"] == "explicit"
        with pytest.raises(InputError):
            set_evidence(conn, sid, framework=fid, item="1", interview="Intervju 1", level="maybe")
        with pytest.raises(InputError):
            add_framework(conn, sid, key="irgens")


def test_own_framework_as_codes_and_import(study, tmp_path):
    project, sid = study
    mini_study(project, sid, tmp_path)
    with project.begin() as conn:
        fid = add_framework(conn, sid, data={"name": "Mine", "items": []}, as_codes=False)
        add_item(conn, sid, framework=fid, name="Tid", keywords=["tid", "møtetid"])
        data = export_framework(conn, sid, fid)
        path = tmp_path / "mine.qdc"
        path.write_bytes(data)
        with pytest.raises(InputError):
            add_framework(conn, sid, path=path)  # same name twice
        fw2 = add_framework(conn, sid, key="dickinson", language="en", as_codes=True)
        items = get_framework(conn, sid, fw2)["items"]
        assert all(len(i["code_ids"]) == 1 for i in items)
    assert read_qdc(data)["items"][0]["keywords"] == ["tid", "møtetid"]
