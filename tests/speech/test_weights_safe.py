"""A tampered speaker-model file cannot run code: every pickle of ``pretrained.pt`` is read by
a restricted unpickler (issue 21.1)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from kvali.errors import KvaliError
from kvali.pipelines.diarize.embed import MAGIC, PROTOCOL, load_state

from .conftest import needs_resemblyzer, needs_stt


class _Payload:
    """Unpickling this with plain ``pickle`` writes the marker file (exec of a string)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (exec, (f"open({str(self.marker)!r}, 'w').write('ran')",))


def _write(path: Path, parts: list[object]) -> Path:
    with path.open("wb") as f:
        for part in parts:
            pickle.dump(part, f, protocol=2)
    return path


@pytest.mark.parametrize("where", [0, 1, 2, 3, 4])
def test_crafted_weights_file_is_refused_without_running_code(tmp_path: Path, where: int) -> None:
    marker = tmp_path / "pwned"
    sysinfo = {"protocol_version": PROTOCOL, "little_endian": True}
    parts: list[object] = [MAGIC, PROTOCOL, sysinfo, {"model_state": {}}, []]
    parts[where] = _Payload(marker)
    path = _write(tmp_path / "pretrained.pt", parts)

    with pytest.raises(KvaliError, match=r"pretrained\.pt: not a usable voice-encoder weights"):
        load_state(path)
    assert not marker.exists()

    # The same file through plain pickle does run the payload: the test above can fail.
    with path.open("rb") as f:
        for _ in range(where + 1):
            pickle.load(f)  # noqa: S301 - deliberately unsafe, in a temporary folder
    assert marker.read_text() == "ran"


def test_other_files_are_refused_with_their_name(tmp_path: Path) -> None:
    zipped = tmp_path / "new-format.pt"
    zipped.write_bytes(b"PK\x03\x04 not a legacy checkpoint")
    with pytest.raises(KvaliError, match="new-format.pt"):
        load_state(zipped)
    truncated = _write(tmp_path / "short.pt", [MAGIC, PROTOCOL])
    with pytest.raises(KvaliError, match="short.pt"):
        load_state(truncated)


@needs_resemblyzer
def test_shipped_weights_still_load() -> None:
    from kvali.pipelines.diarize.embed import weights_path

    state = load_state(weights_path())
    assert state["lstm.weight_ih_l0"].shape == (1024, 40)
    assert state["linear.weight"].shape == (256, 256)


@needs_stt
def test_bundled_whisper_is_checked_and_a_changed_cache_copy_joined_again(tmp_path: Path) -> None:
    from kvali import weights
    from kvali.pipelines.stt.models import BASE_SHA256, assemble_base, resolve_model

    tiny = resolve_model("bundled:tiny.en")
    assert tiny.sha256 == weights.model(weights.WHISPER_TINY_EN).files[0].sha256
    target = assemble_base(tmp_path / "base")
    config = target / "config.json"
    pinned = config.read_bytes()
    config.write_bytes(pinned.replace(b"{", b"{ ", 1))  # a changed file in the cache
    with pytest.raises(KvaliError, match=r"config\.json does not match the models lock"):
        weights.verify(weights.WHISPER_BASE, target)
    assert assemble_base(target) == target  # joined again from the checked halves
    assert config.read_bytes() == pinned
    assert (target / "model.bin.sha256").read_text().strip() == BASE_SHA256
