"""Fixtures for the web workbench: an API client on both databases, a live server for Chromium."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from kvali.project import Project  # noqa: E402
from kvali.web import create_app  # noqa: E402
from tests.helpers import mini_study  # noqa: E402

TOKEN = "test-token-123"
# The workbench answers only for the names it serves (web.security), not "testserver".
BASE_URL = "http://127.0.0.1:8765"
EMOJI_TRANSCRIPT = """\
I: Hva betyr samarbeid for dere? 🙂
R3: Det gir oss glede 😀 og vi deler erfaringer hver uke. Tid er alt 👍 for oss.
I: Takk.
"""


@pytest.fixture
def web(study: tuple[Project, int], tmp_path: Path) -> dict[str, Any]:
    """The mini study behind the app, a client that sends the token, and the ids."""
    project, sid = study
    ids = mini_study(project, sid, tmp_path)
    app = create_app(project, token=TOKEN, user="Forsker A")
    client = TestClient(app, base_url=BASE_URL, headers={"Authorization": f"Bearer {TOKEN}"})
    return {"project": project, "sid": sid, "ids": ids, "client": client, "app": app}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn on a free 127.0.0.1 port in a background thread."""

    def __init__(self, app: Any):
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(autouse=True)
def answers_keep_their_json(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ``/api`` answer sent through its response model (web/models.py) is exactly what
    the route returned, as plain JSON: a key the model forgot (FastAPI would drop it), a value
    it changed (an int sent as a float too) or a key it added fails the test that made the request, not a page script."""
    import json

    import fastapi.routing
    from fastapi.encoders import jsonable_encoder

    send = fastapi.routing.serialize_response

    async def checked(**kwargs: Any) -> Any:
        content = await send(**kwargs)
        if kwargs.get("field") is not None:
            sent = json.loads(content) if isinstance(content, bytes) else content
            returned = jsonable_encoder(kwargs["response_content"])
            # As text (3 and 3.0 differ), in any key order.
            sent_text, returned_text = (json.dumps(x, sort_keys=True) for x in (sent, returned))
            assert sent_text == returned_text, (
                f"the response model changed the answer:\n{returned_text}\n→\n{sent_text}"
            )
        return content

    monkeypatch.setattr(fastapi.routing, "serialize_response", checked)
