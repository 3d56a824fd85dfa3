"""`kvali models fetch` (issue 12.3) against a hub on 127.0.0.1 — never the network.

The server mimics the Hugging Face API kvali uses (the revision's commit, the tree of a folder
with each file's size, ``lfs.oid`` = sha256 for large files and the git blob sha1 for small
ones, and ``resolve/`` downloads with HTTP Range). It serves the bundled Whisper tiny.en files
(read from the installed package, nothing new shipped) as ``NbAiLab/nb-whisper-tiny``, laid out
like the National Library's repositories: the CTranslate2 files in ``ct2/``, the tokenizer at
the root beside a Transformers ``config.json`` that must not be taken.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kvali import weights
from kvali.cli import cli
from kvali.errors import KvaliError

from .conftest import needs_audio, needs_stt

pytestmark = needs_stt

REPO = "NbAiLab/nb-whisper-tiny"
COMMIT = "c0ffee" + "0" * 34
NAME = "nb-whisper-tiny"


class Hub:
    """Files by repository path; what was asked, with the Range header."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.lfs = {"ct2/model.bin"}
        self.requests: list[tuple[str, str | None]] = []
        self.cut_after: dict[str, int] = {}  # path → bytes to send before dropping, once
        self.advertised: dict[str, bytes] = {}  # path → bytes whose hash the tree gives
        self.commit = COMMIT

    def tree(self, folder: str) -> list[dict[str, Any]]:
        out = []
        for path, data in self.files.items():
            parent = path.rsplit("/", 1)[0] if "/" in path else ""
            if parent != folder:
                continue
            shown = self.advertised.get(path, data)
            item: dict[str, Any] = {"type": "file", "path": path, "size": len(data)}
            if path in self.lfs:
                item["oid"] = "0" * 40
                item["lfs"] = {"oid": hashlib.sha256(shown).hexdigest(), "size": len(data)}
            else:
                blob = hashlib.sha1(b"blob %d\0" % len(shown) + shown, usedforsecurity=False)
                item["oid"] = blob.hexdigest()
            out.append(item)
        for d in {p.split("/")[0] for p in self.files if "/" in p and folder == ""}:
            out.append({"type": "directory", "path": d, "size": 0, "oid": "1" * 40})
        return out


def _handler(hub: Hub) -> type[BaseHTTPRequestHandler]:
    class H(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            hub.requests.append((self.path, self.headers.get("Range")))
            api = f"/api/models/{REPO}/"
            if self.path == api + "revision/main":
                return self._send(200, json.dumps({"id": REPO, "sha": hub.commit}).encode())
            if self.path.startswith(api + f"tree/{hub.commit}"):
                folder = self.path[len(api + f"tree/{hub.commit}") :].strip("/")
                return self._send(200, json.dumps(hub.tree(folder)).encode())
            prefix = f"/{REPO}/resolve/{hub.commit}/"
            if not self.path.startswith(prefix) or self.path[len(prefix) :] not in hub.files:
                return self._send(404, b"{}")
            path = self.path[len(prefix) :]
            data = hub.files[path]
            start = 0
            rng = self.headers.get("Range")
            if rng:
                start = int(rng.removeprefix("bytes=").split("-")[0])
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(len(data) - start))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            cut = hub.cut_after.pop(path, None)
            if cut is not None:
                self.wfile.write(data[start : start + cut])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(data[start:])

    return H


@pytest.fixture()
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    folder = weights.verify(weights.WHISPER_TINY_EN)
    files = {f"ct2/{p.name}": p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
    files["tokenizer.json"] = files.pop("ct2/tokenizer.json")
    files["config.json"] = b'{"architectures": ["WhisperForConditionalGeneration"]}'
    files["README.md"] = b"# NB-Whisper Tiny (test copy of tiny.en)\n"
    h = Hub(files)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(h))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("KVALI_HUB_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("KVALI_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("KVALI_ALLOW_DOWNLOAD", raising=False)
    yield h
    server.shutdown()
    server.server_close()


def _cache(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "models" / "fetched"


def _listing(tmp_path: Path) -> list[str]:
    root = _cache(tmp_path)
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) if root.exists() else []


def test_without_permission_nothing_is_asked_of_the_hub(hub: Hub, tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["models", "fetch", NAME])
    assert res.exit_code != 0
    out = res.output
    assert "--allow-download" in out and "150 MB" in out and f"/{REPO}" in out
    assert hub.requests == []  # no request reached the server
    assert _listing(tmp_path) == []


def test_right_checksums_install_a_model_the_transcriber_uses(
    hub: Hub, tmp_path: Path, english_clip
) -> None:  # noqa: ANN001
    res = CliRunner().invoke(cli, ["models", "fetch", NAME, "--allow-download", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["status"] == "installed" and out["commit"] == COMMIT
    folder = _cache(tmp_path) / NAME
    assert sorted(p.name for p in folder.iterdir()) == [
        "config.json", "model.bin", "models.lock.toml", "tokenizer.json", "vocabulary.txt",
    ]  # fmt: skip
    # the CTranslate2 config, not the Transformers one from the repository's root
    assert (folder / "config.json").read_bytes() == hub.files["ct2/config.json"]
    pinned = {f.path: f.sha256 for f in weights.model(weights.WHISPER_TINY_EN).files}
    assert {f["path"]: f["sha256"] for f in out["files"]} == pinned
    assert not [p for p in _listing(tmp_path) if "partial" in p or p.endswith(".part")]
    # listed by `kvali models` with its recorded sha256, and verified
    listed = json.loads(CliRunner().invoke(cli, ["models", "--json"]).output)["models"]
    mine = next(m for m in listed if m["name"] == NAME)
    assert mine["fetched"] and mine["status"] == "verified"
    assert {f["path"]: f["sha256"] for f in mine["files"]} == pinned
    # Norwegian now picks it; a folder given with --model still wins
    from kvali.pipelines.stt.models import choose_model, resolve_model

    assert choose_model(None, "no") == (
        f"fetched:{NAME}",
        {"model": NAME, "why": "norwegian-fetched"},
    )
    assert choose_model(str(folder), "no")[1]["why"] == "folder"
    assert choose_model(None, "en")[0] == "bundled:tiny.en"
    # … and transcribes with it (the weights are tiny.en's, so an English clip)
    from kvali.pipelines.audio import decode_audio
    from kvali.pipelines.stt.transcriber import Transcriber

    model = resolve_model(NAME, language="en")
    assert model.source == "fetched" and model.load == str(folder)
    path, _ = english_clip
    text = " ".join(
        s.text for s in Transcriber(model, language="en").transcribe(decode_audio(path))
    )
    assert "teachers" in text.lower() and "tuesday" in text.lower()
    # a changed byte in the fetched folder is refused on use, like a packaged model's
    data = bytearray((folder / "vocabulary.txt").read_bytes())
    data[10] ^= 1
    (folder / "vocabulary.txt").write_bytes(bytes(data))
    with pytest.raises(KvaliError, match="does not match the models lock"):
        resolve_model(NAME, language="en")
    assert CliRunner().invoke(cli, ["models"]).exit_code == 1


def test_a_wrong_checksum_is_refused_and_leaves_nothing(hub: Hub, tmp_path: Path) -> None:
    good = hub.files["ct2/model.bin"]
    bad = bytearray(good)
    bad[len(bad) // 2] ^= 0x01
    hub.files["ct2/model.bin"] = bytes(bad)
    hub.advertised["ct2/model.bin"] = good  # the tree gives the true sha256
    res = CliRunner().invoke(cli, ["models", "fetch", NAME, "--allow-download"])
    assert res.exit_code != 0
    assert "model.bin" in res.output and "does not match the hub's record" in res.output
    assert _listing(tmp_path) == []
    assert NAME not in weights.fetched()
    # a small file with a wrong git hash is refused the same way
    hub.files["ct2/model.bin"] = good
    hub.advertised = {"tokenizer.json": b"something else"}
    res = CliRunner().invoke(cli, ["models", "fetch", NAME, "--allow-download"])
    assert res.exit_code != 0 and "tokenizer.json" in res.output and "git blob" in res.output
    assert _listing(tmp_path) == []


def test_an_interrupted_download_resumes_with_range(hub: Hub, tmp_path: Path) -> None:
    size = len(hub.files["ct2/model.bin"])
    hub.cut_after["ct2/model.bin"] = size // 3
    res = CliRunner().invoke(cli, ["models", "fetch", NAME, "--allow-download"])
    assert res.exit_code != 0 and "run the same command again to resume" in res.output
    assert not (_cache(tmp_path) / NAME).exists()  # never half a model in place
    part = _cache(tmp_path) / f".{NAME}.partial" / "model.bin.part"
    assert 0 < part.stat().st_size < size
    have = part.stat().st_size
    hub.requests.clear()
    res = CliRunner().invoke(cli, ["models", "fetch", NAME, "--allow-download"])
    assert res.exit_code == 0, res.output
    ranges = [r for p, r in hub.requests if p.endswith("/ct2/model.bin")]
    assert ranges == [f"bytes={have}-"]
    assert weights.verify(NAME) == _cache(tmp_path) / NAME
    assert _listing(tmp_path) and not [p for p in _listing(tmp_path) if "partial" in p]
    # fetched again: nothing downloaded
    hub.requests.clear()
    res = CliRunner().invoke(cli, ["models", "fetch", NAME])
    assert res.exit_code == 0 and "already installed" in res.output and hub.requests == []


def test_a_partial_of_another_revision_is_removed(hub: Hub, tmp_path: Path) -> None:
    hub.cut_after["ct2/model.bin"] = 1000
    assert CliRunner().invoke(cli, ["models", "fetch", NAME, "--allow-download"]).exit_code
    hub.commit = "beef" + "0" * 36  # the repository moved on: the old bytes are not resumed
    hub.requests.clear()
    res = CliRunner().invoke(cli, ["models", "fetch", NAME, "--allow-download", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["commit"] == hub.commit
    assert [r for p, r in hub.requests if p.endswith("/ct2/model.bin")] == [None]


def test_norwegian_without_a_fetched_model_uses_bundled_base(hub: Hub) -> None:
    from kvali.pipelines.stt.models import choose_model, reason_text

    spec, reason = choose_model(None, "nn")
    assert spec == "bundled:base" and "kvali models fetch" in reason_text(reason)
    res = CliRunner().invoke(cli, ["models", "available", "--json"])
    names = {m["model"] for m in json.loads(res.output)["models"]}
    assert {"nb-whisper-large", "whisper-large-v3", "whisper-large-v3-turbo"} <= names


@needs_audio
@pytest.mark.parametrize("backend", ["sqlite"])
def test_transcribe_says_which_model_and_why(hub: Hub, study, bokmal_clip) -> None:  # noqa: ANN001
    """`kvali transcribe` for Norwegian with no NB-Whisper fetched: bundled base, and why."""
    from kvali.interviews.service import add_interview
    from kvali.participants.service import add_participant

    project, sid = study
    with project.begin() as conn:
        add_participant(conn, sid, code="R1")
        add_interview(conn, sid, label="I1", participants=["R1"], interviewers=["A"])
    path, _ = bokmal_clip
    res = CliRunner().invoke(
        cli,
        ["-p", str(project.path), "transcribe", "I1", "--audio", str(path), "--language", "nb",
         "--speakers", "1", "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["model"]["why"] == "norwegian-none-fetched" and out["model"]["model"] == "base"
    assert "NB-Whisper" in out["model"]["reason"]
