"""The models lock (issue 21.1): every weight file kvali loads is pinned by sha256 and checked
before use; a changed byte is refused with the file named; no unrestricted unpickling in src/;
``kvali models --json`` shows each file's state."""

from __future__ import annotations

import ast
import json
import os
import pickle
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kvali import weights
from kvali.cli import cli
from kvali.errors import KvaliError

SRC = Path(weights.__file__).parent
HAVE_RESEMBLYZER = weights.model(weights.SPEAKER).locate() is not None


def _flip(path: Path, at: int = 1000) -> None:
    """Change one byte in place (same size, so only the sha256 can tell)."""
    data = bytearray(path.read_bytes())
    data[at % len(data)] ^= 0x01
    path.write_bytes(bytes(data))


def test_the_lock_names_every_model_the_loaders_ask_for() -> None:
    names = set(weights.lock())
    asked = {
        weights.WHISPER_TINY_EN,
        weights.WHISPER_BASE,
        *weights.WHISPER_BASE_PARTS,
        weights.SILERO_VAD,
        weights.SPEAKER,
        weights.SPACY_EN,
        weights.NER_NB,
        weights.E5_SMALL,
    }
    assert asked <= names
    for m in weights.lock().values():
        assert m.licence and m.source and m.package and m.install and m.files
        assert all(len(f.sha256) == 64 and f.size > 0 for f in m.files), m.name
    # The speech code's pins come from the lock, and the cache folder is named by them.
    from kvali.pipelines.stt import models as stt

    assert stt.BASE_SHA256 == weights.model(weights.WHISPER_BASE).files[0].sha256
    assert weights.model(weights.WHISPER_BASE).root.endswith(f"whisper-base-{stt.BASE_SHA256[:12]}")
    assert stt.TINY_EN_SHA256 == "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"


def test_kvalis_own_entity_model_is_locked_file_by_file() -> None:
    """Retraining the Norwegian model without updating the lock fails here, not at a user's."""
    m = weights.model(weights.NER_NB)
    folder = m.locate()
    assert folder == SRC / "privacy" / "models" / "nb_e5ner"
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert on_disk == {f.path for f in m.files}
    assert weights.verify(weights.NER_NB) == folder


def test_a_changed_byte_is_refused_with_the_file_named(tmp_path: Path) -> None:
    copy = tmp_path / "nb_e5ner"
    shutil.copytree(weights.model(weights.NER_NB).locate(), copy)
    assert weights.verify(weights.NER_NB, copy) == copy  # the copy is the pinned model
    target = copy / "kvali_e5_ner" / "weights-a.npz"
    _flip(target)
    with pytest.raises(KvaliError) as err:
        weights.verify(weights.NER_NB, copy)
    msg = str(err.value)
    assert str(target) in msg and "does not match the models lock" in msg
    assert weights.model(weights.NER_NB).files[4].sha256 in msg  # the pinned hash, to compare
    (copy / "kvali_e5_ner" / "weights-b.npz").unlink()
    _flip(target)  # back to the pinned bytes: now the missing file is what is named
    with pytest.raises(KvaliError, match=r"weights-b\.npz is missing \(model kvali-nb-e5ner"):
        weights.verify(weights.NER_NB, copy)


def test_verification_is_remembered_per_path_mtime_size_ctime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "nb_e5ner"
    shutil.copytree(weights.model(weights.NER_NB).locate(), copy)
    weights.verify(weights.NER_NB, copy)
    hashed: list[str] = []
    real = weights.file_sha256
    monkeypatch.setattr(weights, "file_sha256", lambda p: hashed.append(p.name) or real(p))
    weights.verify(weights.NER_NB, copy)
    assert hashed == []  # nothing hashed again
    target = copy / "kvali_e5_ner" / "weights-a.npz"
    st = target.stat()
    _flip(target)
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size and mtime: ctime tells
    with pytest.raises(KvaliError, match="weights-a.npz does not match"):
        weights.verify(weights.NER_NB, copy)
    assert hashed == ["weights-a.npz"]


class _System:
    """Unpickling this with plain ``pickle`` runs a shell command that writes the marker."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.skipif(not HAVE_RESEMBLYZER, reason="pip install --no-deps resemblyzer==0.1.4")
def test_a_crafted_speaker_file_is_refused_by_the_lock_and_the_unpickler(tmp_path: Path) -> None:
    from kvali.pipelines.diarize.embed import MAGIC, PROTOCOL, VoiceEncoder, load_state

    marker = tmp_path / "pwned"
    crafted = tmp_path / "pretrained.pt"
    with crafted.open("wb") as f:
        for part in (MAGIC, PROTOCOL, {"little_endian": True}, _System(marker), []):
            pickle.dump(part, f, protocol=2)
    with pytest.raises(KvaliError, match=r"pretrained\.pt does not match the models lock"):
        VoiceEncoder(crafted)  # refused by its sha256, before a byte is unpickled
    with pytest.raises(KvaliError, match=r"pretrained\.pt: not a usable voice-encoder weights"):
        load_state(crafted)  # and the restricted unpickler refuses it on its own
    assert not marker.exists()
    with crafted.open("rb") as f:  # plain pickle runs it: the assertions above can fail
        for _ in range(4):
            pickle.load(f)  # noqa: S301 - deliberately unsafe, in a temporary folder
    assert marker.exists()

    # The real weights with one byte changed: refused with the file named.
    tampered = tmp_path / "tampered" / "pretrained.pt"
    tampered.parent.mkdir()
    shutil.copy2(weights.model(weights.SPEAKER).locate() / "pretrained.pt", tampered)
    _flip(tampered, at=5_000_000)
    with pytest.raises(KvaliError, match=f"{tampered} does not match the models lock"):
        VoiceEncoder(tampered)


def _calls(tree: ast.AST) -> list[tuple[str, ast.Call]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = (
                f"{f.value.id}.{f.attr}"
                if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                else getattr(f, "id", "")
            )
            out.append((name, node))
    return out


def test_no_unrestricted_unpickling_anywhere_in_src() -> None:
    bad = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        rel = path.relative_to(SRC).as_posix()
        for name, call in _calls(tree):
            if name in ("pickle.load", "pickle.loads", "torch.load", "joblib.load", "dill.load"):
                bad.append(f"{rel}:{call.lineno} {name}")
            if name in ("np.load", "numpy.load"):
                kw = {k.arg: k.value for k in call.keywords}
                if not (
                    isinstance(kw.get("allow_pickle"), ast.Constant)
                    and kw["allow_pickle"].value is False
                ):
                    bad.append(f"{rel}:{call.lineno} {name} without allow_pickle=False")
        for node in ast.walk(tree):  # an Unpickler only in the speaker loader, which restricts it
            if isinstance(node, ast.ClassDef) and any(
                "Unpickler" in ast.unparse(b) for b in node.bases
            ):
                assert rel == "pipelines/diarize/embed.py", rel
    assert bad == []


def test_kvali_models_json_shows_each_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KVALI_CACHE_DIR", str(tmp_path / "cache"))
    run = CliRunner().invoke(cli, ["models", "--json"], catch_exceptions=False)
    assert run.exit_code == 0, run.output
    data = json.loads(run.output)
    assert data["lock"] == str(weights.LOCK_FILE)
    by_name = {m["name"]: m for m in data["models"]}
    assert set(by_name) == set(weights.lock())
    own = by_name[weights.NER_NB]
    assert own["status"] == "verified" and {f["status"] for f in own["files"]} == {"verified"}
    assert own["files"][0].keys() == {"path", "size", "sha256", "status"}
    joined = by_name[weights.WHISPER_BASE]  # not joined yet in this empty cache
    assert joined["status"] == "missing" and "joined by kvali on first use" in joined["made_from"]
    for m in data["models"]:
        assert m["status"] in ("verified", "missing", "not installed"), m
        assert m["licence"] and m["source"]

    # A changed file in the joined folder: reported as changed, and the command exits 1.
    folder = tmp_path / "cache" / weights.model(weights.WHISPER_BASE).root.split(":", 1)[1]
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}", encoding="utf-8")
    run = CliRunner().invoke(cli, ["models", "--json"], catch_exceptions=False)
    assert run.exit_code == 1
    joined = {m["name"]: m for m in json.loads(run.output)["models"]}[weights.WHISPER_BASE]
    states = {f["path"]: f["status"] for f in joined["files"]}
    assert joined["status"] == "changed" and states["config.json"] == "changed"
    assert states["model.bin"] == "missing"
    text = CliRunner().invoke(cli, ["--lang", "en", "models"], catch_exceptions=False)
    assert text.exit_code == 1
    assert "whisper-base: config.json: changed (sha256 differs from the lock)" in text.output
