"""Detection on Bokmål, Nynorsk and English, plus the speech-to-text edge cases of issue 5."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("spacy")

from kvali.privacy.detect import Term, detect  # noqa: E402
from kvali.privacy.patterns import find_patterns, valid_fnr  # noqa: E402


def found(text: str, lang: str = "nb", terms=(), min_score: float = 0.5) -> dict[str, str]:
    """Detections that would be replaced without review (score at least ``min_score``)."""
    return {d.text: d.label for d in detect(text, lang=lang, terms=terms) if d.score >= min_score}


def test_bokmaal_persons_places_organisations():
    got = found("Jeg snakket med Sigrid Nilsen på Bjørkly skole i Molde om Romsdal-nettverket.")
    assert got["Sigrid Nilsen"] == "PER"
    assert got["Bjørkly skole"] == "ORG"
    assert "Molde" in got
    assert any("Romsdal" in k for k in got)


def test_nynorsk():
    got = found("Eg møtte Ingrid Lie frå Høgskulen i Volda, og ho fortalde om Sunnmøre.", "nn")
    assert got["Ingrid Lie"] == "PER"
    assert any("Volda" in k for k in got)


def test_english():
    got = found("I met John Smith at Fjellvang School in Molde last week.", "en")
    assert got["John Smith"] == "PER"
    assert "Molde" in got


def test_study_list_matches_any_inflection_and_case():
    terms = [Term("Kari", "PER", "navn på ansatt"), Term("Molde", "LOC", "navn på sted")]
    dets = detect("Karis team og Molde-skolen, sa kari.", lang="nb", terms=terms)
    spans = [(d.text, d.source, d.category) for d in dets if d.source == "list"]
    assert ("Kari", "list", "navn på ansatt") in spans  # genitive: the ending stays
    assert ("Molde", "list", "navn på sted") in spans
    assert ("kari", "list", "navn på ansatt") in spans  # speech-to-text lower case


def test_lower_case_names_from_speech_to_text():
    assert any(d.text == "ingrid" for d in detect("ja så sa ingrid at det var greit", lang="nb"))


def test_lower_case_names_no_list_knows_are_replaced_by_default():
    """No gazetteer knows «gudveig» or «skaugen»: the model, trained on lower-cased text, is trusted."""
    text = "i går snakket jeg med gudveig skaugen om timeplanen"
    assert found(text).get("gudveig skaugen") == "PER"
    assert "per" not in found("vi møtes to ganger per uke på skolen")


def test_name_split_across_speaker_turns_is_one_entity():
    text = "Vi snakket med Marte\nAas, ja, hun var med."
    dets = [d for d in detect(text, lang="nb") if d.label == "PER"]
    assert [d.text for d in dets][:2] == ["Marte", "Aas"]
    assert dets[0].key == dets[1].key == "marte aas"
    assert all("\n" not in d.text for d in dets)


def test_surnames_that_are_common_words_need_context():
    assert "Kari Berg" in found("Etterpå snakket jeg med Kari Berg om det.")
    plain = found("Vi gikk opp på berget og ned til stranda ved vika i dalen.")
    assert not plain


def test_patterns():
    text = "Mail kari.berg@skole.no, ring 922 33 444, fnr 15076500565, Storgata 12B, 6400 Molde."
    kinds = {k for _, _, k in find_patterns(text)}
    assert kinds == {"email", "phone", "fnr", "address"}
    assert valid_fnr("15076500565") and not valid_fnr("15076500566")


def test_batch_jsonl_cli(tmp_path):
    from click.testing import CliRunner

    from kvali.cli import cli

    src = tmp_path / "in.jsonl"
    lines = [{"id": 1, "text": "Æ møtte Per Hauge i Ålesund."}, {"id": "b", "text": "Ingen navn."}]
    src.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    res = CliRunner().invoke(cli, ["pseudonymize", "detect", "--lang", "nb", "--jsonl", str(src)])
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in res.output.splitlines()]
    assert [r["id"] for r in rows] == [1, "b"]
    ents = rows[0]["entities"]
    per = next(e for e in ents if e["label"] == "PER")
    assert lines[0]["text"][per["start"] : per["end"]] == per["text"] == "Per Hauge"
    assert set(per) == {"start", "end", "label", "text", "score"}
    assert rows[1]["entities"] == []
