"""Talk statistics on imported transcripts (the demo) on both backends."""

from __future__ import annotations

from kvali.pipelines.talkstats import BACKCHANNELS, BackchannelMatcher, interview_stats


def test_backchannel_matcher() -> None:
    nb = BackchannelMatcher(BACKCHANNELS["nb"])
    assert nb("Ja.") == "ja"
    assert nb("Ja, sånn er det.") == "ja sånn er det"
    assert nb("Mm, ok.") == "mm ok"
    assert nb("Nettopp!") == "nettopp"
    assert nb("Ja, det har jeg fått med meg.") is None
    en = BackchannelMatcher(BACKCHANNELS["en"])
    assert en("Right.") == "right" and en("Yes, right") == "yes right"


def test_interview_stats_from_start_times_only() -> None:
    turns = [
        {
            "speaker": "A",
            "role": "interviewer",
            "start_ms": 0,
            "end_ms": None,
            "text": "Hva tenker du?",
        },
        {
            "speaker": "R",
            "role": "participant",
            "start_ms": 2000,
            "end_ms": None,
            "text": "Vi deler mye.",
        },
        {"speaker": "A", "role": "interviewer", "start_ms": 8000, "end_ms": None, "text": "Ja."},
        {"speaker": "R", "role": "participant", "start_ms": 9000, "end_ms": None, "text": "To ord"},
    ]
    s = interview_stats(turns, BackchannelMatcher(BACKCHANNELS["nb"]))
    assert s["timed"] and s["duration_ms"] == 9800
    a = next(x for x in s["speakers"] if x["speaker"] == "A")
    assert (a["turns"], a["words"], a["speaking_ms"], a["backchannels"]) == (2, 4, 3000, 1)
    assert s["interviewer_backchannels"] == 1


def test_demo_modes_show_fewer_backchannels_online(demo_project) -> None:
    from kvali.pipelines.talkstats import report_section

    with demo_project.begin() as conn:
        data = report_section(conn, 1, demo_project.path)
    modes = {m["mode"]: m for m in data["modes"]}
    assert set(modes) == {"in_person", "hybrid", "digital"}
    rate = {k: v["interviewer_backchannels_per_min"] for k, v in modes.items()}
    assert rate["in_person"] > rate["hybrid"] > rate["digital"] > 0
    assert rate["in_person"] > 4 * rate["digital"]
    first = data["interviews"][0]
    assert first["timed"] and first["interviewer_share"] < 0.3
    assert {"ja", "nettopp"} <= set(first["backchannel_examples"])
