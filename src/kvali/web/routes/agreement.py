"""Intercoder agreement and interview-guide coverage pages (docs/analysis.md)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kvali.analysis.agreement import LEVELS, agreement
from kvali.analysis.coverage import guide_coverage
from kvali.errors import InputError
from kvali.interviews.service import list_interviews, user_names
from kvali.reports.render.charts import bars_svg
from kvali.web.common import page, tx
from kvali.web.page_models import AgreementPage, CoveragePage

router = APIRouter()


def kappa_chart(result: dict[str, Any] | None, title: str) -> str:
    """Cohen's kappa per code as inline SVG bars (undefined kappas are left out)."""
    if not result:
        return ""
    rows = [c for c in result["codes"] if c["kappa"] is not None]
    return bars_svg(
        title, [c["code"].rsplit("/", 1)[-1] for c in rows], [round(c["kappa"], 3) for c in rows]
    )


@router.get("/agreement", summary="Intercoder agreement (HTML)", response_model=AgreementPage)
@router.get(
    "/agreement.json",
    summary="Percent agreement, kappa, alpha and alpha_u of two coders",
    response_model=AgreementPage,
)
def agreement_page(
    request: Request,
    coder_a: str = "",
    coder_b: str = "",
    interview: str = "",
    level: Literal["char", "turn", "sentence"] = "char",
    uncoded: Literal["include", "exclude"] = "include",
) -> Response:
    """Without coders it compares the two users with the most codings; when there are no two,
    the page says so instead of failing (nothing to compare is not a bad request)."""
    if level not in LEVELS:
        raise InputError("level must be one of {levels}", levels=", ".join(LEVELS))
    if uncoded not in ("include", "exclude"):
        raise InputError("uncoded must be include or exclude")
    if bool(coder_a.strip()) != bool(coder_b.strip()):
        raise InputError("choose both coders, or neither")
    coders = [coder_a.strip(), coder_b.strip()] if coder_a.strip() else None
    with tx(request) as (conn, sid):
        ivs = [i for i in list_interviews(conn, sid) if i.get("transcript_id")]
        ref: str | int | None = None
        if interview.strip():
            ref = int(interview) if interview.strip().isdigit() else interview.strip()
        message = ""
        try:
            result = agreement(
                conn,
                sid,
                coders=coders,
                interview=ref,
                level=level,
                include_uncoded=uncoded == "include",
            )
        except InputError as exc:
            if coders:
                raise
            result, message = None, str(exc)
        users = user_names(conn)
    data = {
        "coder_a": coder_a,
        "coder_b": coder_b,
        "interview": interview,
        "level": level,
        "uncoded": uncoded,
        "levels": list(LEVELS),
        "interviews": [{"id": i["id"], "label": i["label"]} for i in ivs],
        "users": users,
        "result": result,
        "message": message,
    }
    if request.url.path.endswith(".json"):
        return page(request, "agreement.html", data)
    return page(request, "agreement.html", data | {"chart": kappa_chart(result, "Cohen's κ")})


@router.get("/coverage", summary="Interview-guide coverage (HTML)", response_model=CoveragePage)
@router.get(
    "/coverage.json",
    summary="Which guide topics, questions and keywords each interview touched, with evidence",
    response_model=CoveragePage,
)
def coverage_page(request: Request, interview: str = "") -> Response:
    ref: str | int | None = None
    if interview.strip():
        ref = int(interview) if interview.strip().isdigit() else interview.strip()
    with tx(request) as (conn, sid):
        cov = guide_coverage(conn, sid, interview=ref)
    return page(request, "coverage.html", {"coverage": cov, "interview": interview})
