"""Every JSON answer has a real schema in /openapi.json, and a wrong answer fails against it.

test_contract.py's schemathesis run checks each answer against its declared schema
(``response_schema_conformance``); that check only means something when the schema says
more than "an object". Here: (a) no 2xx JSON answer is declared empty or as a bare open
object; (b) the page twins' HTML stays declared next to their JSON; (c) a wrong answer is
caught three ways: by the model, by FastAPI (a route whose value breaks its model), and by
schemathesis' own conformance check against the generated document.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from tests.web.conftest import TOKEN

# 2xx JSON answers that are not an object with properties, each with its reason. Nothing else
# may be: a new route without a response model fails test_every_json_answer_has_a_schema.
NOT_AN_OBJECT: dict[tuple[str, str], str] = {}


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def _json_answers(spec: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    out = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for status, answer in op["responses"].items():
                media = answer.get("content", {}).get("application/json")
                if status.startswith("2") and media is not None:
                    out.append((method.upper(), path, status, media.get("schema", {})))
    return out


def _bare(schema: dict[str, Any]) -> bool:
    """Empty, or an object that names no property (``dict[str, Any]``)."""
    if not schema:
        return True
    return schema.get("type") == "object" and not schema.get("properties")


def test_every_json_answer_has_a_schema(web: dict[str, Any]) -> None:
    spec = web["app"].openapi()
    answers = _json_answers(spec)
    bad, excepted = [], set()
    for method, path, status, schema in answers:
        if (method, path) in NOT_AN_OBJECT:
            excepted.add((method, path))
            continue
        resolved = _resolve(spec, schema)
        if _bare(resolved) or resolved.get("type") != "object":
            bad.append(f"{method} {path} {status}: {schema}")
    assert not bad, "JSON answers without a real schema:\n" + "\n".join(bad)
    assert excepted == set(NOT_AN_OBJECT), "an exception names an answer that is gone"
    api = {(m, p) for m, p, _, _ in answers if p.startswith("/api/")}
    twins = {(m, p) for m, p, _, _ in answers if p.endswith(".json")}
    assert len(api) >= 66 and len(twins) >= 24, (len(api), len(twins))


def test_the_check_finds_a_bare_schema() -> None:
    """The walk above is not vacuous: what it refuses."""
    assert _bare({})
    assert _bare({"type": "object", "additionalProperties": True})
    assert not _bare({"type": "object", "properties": {"id": {"type": "integer"}}})


def test_pages_declare_html_next_to_their_json(web: dict[str, Any]) -> None:
    """A page answers HTML, or its data with Accept: application/json (web.contract's
    ``declare_pages``); its ``.json`` twin answers the data only. Both name a model."""
    spec = web["app"].openapi()
    pages = [p for p in spec["paths"] if p.endswith(".json") and "get" in spec["paths"][p]]
    assert len(pages) >= 24
    for twin in pages:
        html = twin.removesuffix(".json")
        for path, types in (
            (html, {"text/html", "application/json"}),
            (twin, {"application/json"}),
        ):
            content = spec["paths"][path]["get"]["responses"]["200"]["content"]
            assert set(content) == types, path
            assert "$ref" in content["application/json"]["schema"], path


def test_a_page_twin_missing_a_key_fails_its_model(web: dict[str, Any]) -> None:
    from kvali.web.page_models import OverviewPage, TranscriptPage

    client, ids = web["client"], web["ids"]
    data = client.get("/overview.json").json()
    OverviewPage.model_validate(data)  # the real answer fits
    for broken in (
        {k: v for k, v in data.items() if k != "stats"},  # a key missing
        {**{k: v for k, v in data.items() if k != "progress"}, "rows": data["progress"]},  # renamed
        {**data, "study": {**data["study"], "id": "one"}},  # a nested id of another type
        {**data, "stats": {"codings": "many"}},
    ):
        with pytest.raises(ValidationError):
            OverviewPage.model_validate(broken)
    iid = client.get("/interviews.json").json()["interviews"][0]["id"]
    page = client.get(f"/interviews/{iid}/transcript.json").json()
    assert page["transcript_id"] in (ids["t1"], ids["t2"])
    TranscriptPage.model_validate(page)
    with pytest.raises(ValidationError):
        TranscriptPage.model_validate({**page, "codings": [["x"]]})


def test_a_route_breaking_its_model_is_a_failure(web: dict[str, Any], monkeypatch) -> None:
    """FastAPI validates an ``/api`` answer against its model: a service returning a value of
    the wrong type is an error in the test, never an answer the schema does not describe."""
    from fastapi.exceptions import ResponseValidationError

    from kvali.events import service as events

    client = web["client"]
    assert isinstance(client.get("/api/events/latest").json()["id"], int)
    monkeypatch.setattr(events, "latest_event_id", lambda conn, study_id=None: "not an id")
    with pytest.raises(ResponseValidationError):
        client.get("/api/events/latest")


def test_schemathesis_flags_an_answer_that_breaks_the_schema(
    web: dict[str, Any], monkeypatch
) -> None:
    """The contract test's own check, on a page twin whose data went wrong (FastAPI does not
    validate pages: they return their own response, so only the document can catch it)."""
    schemathesis = pytest.importorskip("schemathesis")
    from schemathesis.specs.openapi.checks import response_schema_conformance

    from kvali.studies import service as studies

    app = web["app"]
    schema = schemathesis.openapi.from_dict(app.openapi())
    schema.app = app
    operation = schema["/overview.json"]["GET"]
    headers = {"Authorization": f"Bearer {TOKEN}", "Host": "127.0.0.1:8765"}

    operation.Case().call_and_validate(headers=headers, checks=[response_schema_conformance])
    monkeypatch.setattr(studies, "stats", lambda conn, sid: {"codings": "many"})
    with pytest.raises((Exception, BaseExceptionGroup)) as failure:
        operation.Case().call_and_validate(headers=headers, checks=[response_schema_conformance])
    assert "Response violates schema" in str(failure.value)


def test_every_page_twin_fits_its_model(web: dict[str, Any]) -> None:
    """Each ``.json`` twin of the mini study (with codings, a memo, a framework, a blind round
    on the other interview), and its page asked for JSON, validated against the model the
    document names. The fuzzing above
    reaches the twins with path ids mostly as 404s; here every one answers with data."""
    import kvali.web.page_models as models

    client, ids = web["client"], web["ids"]
    iid = client.get("/interviews.json").json()["interviews"][0]["id"]
    for start in (0, 20):
        r = client.post(
            "/api/codings",
            json={"transcript_id": ids["t1"], "code": "Tid", "start": start, "end": start + 5},
        )
        assert r.status_code == 201, r.text
    coding = r.json()["coding"][0]
    assert client.post(f"/api/codings/{coding}/memos", json={"text": "Hm."}).status_code == 201
    other = client.get("/interviews.json").json()["interviews"][1]["id"]
    blind = {"coders": ["Forsker A", "Forsker B"]}
    assert client.post(f"/api/interviews/{other}/blind", json=blind).status_code == 200
    code_id = r.json()["detail"]["code_id"]
    fid = client.post("/api/frameworks", json={"key": "irgens", "language": "nb"}).json()["id"]
    filled = {
        "interview_id": str(iid),
        "code_id": str(code_id),
        "code": "R1",
        "framework_id": str(fid),
    }
    query = {"/interviews/{interview_id}/review.json": "?coder_a=Forsker A&coder_b=Forsker B"}
    spec = client.get("/openapi.json").json()
    checked = 0
    for path, ops in spec["paths"].items():
        if not path.endswith(".json") or "get" not in ops:
            continue
        html = path.removesuffix(".json")  # the page itself, asked for its data
        for route, accept in ((path, "*/*"), (html, "application/json")):
            answer = spec["paths"][route]["get"]["responses"]["200"]["content"]
            model = getattr(models, answer["application/json"]["schema"]["$ref"].split("/")[-1])
            url = route.format(**filled) + query.get(path, "")
            r = client.get(url, headers={"Accept": accept})
            assert r.status_code == 200, (url, r.text)
            assert r.headers["content-type"].startswith("application/json"), url
            model.model_validate_json(r.text, strict=True)  # "1" is no int here
            checked += 1
    assert checked >= 48
