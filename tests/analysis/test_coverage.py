"""Guide coverage: inflection-aware keyword matching, per interview and study-wide."""

from __future__ import annotations

from kvali.analysis.coverage import guide_coverage, interview_coverage
from kvali.analysis.textmatch import Phrase, content_stems, match, stem
from tests.helpers import mini_study


def test_stems_and_compounds():
    assert stem("nettverket") == stem("nettverk") == "nettverk"
    assert stem("utviklingen") == stem("utvikling")
    assert stem("lærere") == stem("lærer")
    assert content_stems("Hva legger du i begrepet?") == ["legg", "begrep"]
    words = {stem(w) for w in "vi har utviklingstid og tillitsvalgte".split()}
    assert match(Phrase.of("Tid"), words) == ["tid"]  # compound tail
    assert match(Phrase.of("Tillit/autonomi"), words) == ["tillit"]  # alternative, head
    assert match(Phrase.of("Organisering av team"), {"team"}) == []  # 1 of 2 words: not enough


def test_interview_and_study_coverage(study, tmp_path):
    from kvali.guides.service import replace_guide

    project, sid = study
    mini_study(project, sid, tmp_path)
    guide = {
        "topics": [
            {
                "text": "Begrepet",
                "questions": [
                    {
                        "text": "Hva legger du i begrepet profesjonelle læringsfellesskap?",
                        "keywords": ["Deling av erfaringer", "Tid"],
                    }
                ],
            },
            {
                "text": "Nettverk",
                "questions": [
                    {
                        "text": "Hvilke nettverk deltar skolen i?",
                        "keywords": ["Nettverk", "UH-sektor"],
                    }
                ],
            },
            {
                "text": "Økonomi og budsjett",
                "questions": [{"text": "Hvordan prioriteres budsjettet?", "keywords": ["Penger"]}],
            },
        ]
    }
    with project.begin() as conn:
        replace_guide(conn, sid, guide)
        cov = guide_coverage(conn, sid, semantic=False)
    assert cov["method"] == "keyword"
    i1, i2 = cov["interviews"]
    q = i1["topics"][0]["questions"][0]
    assert q["touched"] and q["evidence"][0]["speaker"] == "Intervjuer"
    assert [k["touched"] for k in q["keywords"]] == [True, True]
    assert i1["untouched_topics"] == ["Økonomi og budsjett"]
    assert i2["topics"][1]["touched"] and i2["topics"][1]["evidence"][0]["text"].startswith("Hva")
    assert cov["study"]["never_touched"] == ["Økonomi og budsjett"]
    assert cov["study"]["topics"][1]["touched_in"] == ["Intervju 1", "Intervju 2"]
    assert i1["summary"]["keywords"] == 5


def test_semantic_hook_is_used_when_given():
    guide = {
        "topics": [
            {
                "id": 1,
                "text": "Økonomi",
                "questions": [{"id": 2, "text": "Hvordan prioriteres budsjettet?", "keywords": []}],
            }
        ]
    }

    def turn(start: int, text: str) -> dict:
        return {
            "speaker": "R",
            "role": "participant",
            "start_char": start,
            "end_char": start + len(text),
            "start_ms": None,
            "text": text,
        }

    turns = [turn(0, "Pengene strekker ikke til."), turn(27, "Ja.")]
    cov = interview_coverage(guide, turns, similarity=lambda q, texts: [0.95, 0.8])
    q = cov["topics"][0]["questions"][0]
    assert q["touched"] and q["evidence"][0]["method"] == "semantic"
    assert len(q["evidence"]) == 1  # the typical turn does not count
    flat = interview_coverage(guide, turns, similarity=lambda q, texts: [0.9, 0.9])
    assert flat["untouched_topics"] == ["Økonomi"]
    assert interview_coverage(guide, turns)["untouched_topics"] == ["Økonomi"]
