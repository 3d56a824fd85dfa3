"""The demo: R2's member check asked for a dialect expression in Bokmål, so their gold quotes
carry renderings, the reports print them, and the transcript keeps what was said."""

from __future__ import annotations

from kvali.reports.build import build_report
from kvali.studies.service import default_study_id


def test_demo_gold_quotes_are_rendered_where_the_member_check_asked(demo_project):
    from kvali.quotes.publish import apply_to_report
    from kvali.quotes.render import list_quotes
    from kvali.transcripts.service import get_text, transcript_id_for

    with demo_project.begin() as conn:
        sid = default_study_id(conn)
        quotes = list_quotes(conn, sid)
        rendered = [q for q in quotes if q["rendered"]]
        assert rendered and all(q["interview"] == "Intervju 2" for q in rendered)
        (q,) = rendered
        assert "itj noe fellesskap" in q["verbatim"] and "ikke noe fellesskap" in q["text"]
        assert q["flags"] == [] and q["created_by"] == "Forsker A"
        assert all(not x["flags"] for x in quotes)  # every gold quote is fit to publish
        text = get_text(conn, transcript_id_for(conn, sid, "Intervju 2"))
        assert "jeg itj noe fellesskap" in text  # the transcript keeps what was said
        report = build_report(conn, sid)
        summary = apply_to_report(conn, sid, report)
    assert summary["rendered"] >= 1
    gold = [g.text for m in report.analysis_models for g in m.gold_quotes]
    assert any("ikke noe fellesskap igjen" in g for g in gold)
    assert not any("itj noe" in g for g in gold)
