"""Fetch a named speech model into the user cache — only when the user allows it.

The catalogue (:data:`CATALOGUE`) names the CTranslate2 Whisper models kvali knows how to
fetch: NB-Whisper tiny → large from the National Library of Norway (its repositories carry the
CTranslate2 conversion in a ``ct2/`` folder; the tokenizer and the feature settings are at the
repository's root) and Whisper large-v3 / large-v3-turbo (the conversions faster-whisper itself
downloads). Nothing here opens a connection unless ``allow_download`` is true (``kvali models
fetch NAME --allow-download`` or ``KVALI_ALLOW_DOWNLOAD=1``); without it the error says what
would be downloaded, from where, and about how big.

A fetch: the hub's API gives the commit of the revision and the files of that commit with their
sizes and hashes (``lfs.oid`` is the sha256 of a large file; a small file's ``oid`` is its git
blob sha1). Each file is downloaded into ``models/fetched/.NAME.partial/`` in the cache as a
``.part`` file, resumed with an HTTP Range request when a previous download was cut off, and
checked (size, then sha256 or the git blob hash); only when every file is right is the folder
written with its lock (``models.lock.toml``, the same format as kvali's own, with each file's
sha256) and renamed into place in one step. A file that fails its check is refused and the
partial folder removed: the cache never holds half a model. ``weights.py`` reads the lock in
the folder, so ``kvali models`` lists the fetched model and every load verifies it.

The hub's address is ``$KVALI_HUB_URL`` (default https://huggingface.co), so tests serve a
model from 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kvali.errors import InputError, KvaliError
from kvali.util import cache_dir

DEFAULT_HUB = "https://huggingface.co"
LOCK_NAME = "models.lock.toml"
CHUNK = 1 << 20
# Files of a CTranslate2 Whisper folder: the first four are needed (vocabulary.txt or .json).
NEEDED = ("model.bin", "config.json", "tokenizer.json")
WANTED = (*NEEDED, "vocabulary.json", "vocabulary.txt", "preprocessor_config.json")


@dataclass(frozen=True)
class Fetchable:
    name: str
    repo: str
    folder: str  # the CTranslate2 folder inside the repository ("" = its root)
    about: str  # approximate download size, for the message shown before any download
    licence: str
    source: str
    norwegian: bool = False
    rank: int = 0  # larger = bigger model (the best installed Norwegian model is the largest)
    revision: str = "main"

    def url(self, hub: str | None = None) -> str:
        return f"{hub or hub_url()}/{self.repo}"


_NB_SOURCE = (
    "NB-Whisper {size} by the National Library of Norway (https://huggingface.co/NbAiLab/"
    "nb-whisper-{size}), Whisper fine-tuned on Norwegian speech; CTranslate2 folder ct2/"
)
CATALOGUE: dict[str, Fetchable] = {
    f"nb-whisper-{size}": Fetchable(
        name=f"nb-whisper-{size}",
        repo=f"NbAiLab/nb-whisper-{size}",
        folder="ct2",
        about=about,
        licence="Apache-2.0",
        source=_NB_SOURCE.format(size=size),
        norwegian=True,
        rank=rank,
    )
    for rank, (size, about) in enumerate(
        [
            ("tiny", "150 MB"),
            ("base", "290 MB"),
            ("small", "970 MB"),
            ("medium", "3.1 GB"),
            ("large", "6.2 GB"),
        ],
        start=1,
    )
} | {
    "whisper-large-v3": Fetchable(
        name="whisper-large-v3",
        repo="Systran/faster-whisper-large-v3",
        folder="",
        about="3.1 GB",
        licence="MIT",
        source="OpenAI Whisper large-v3, CTranslate2 conversion by SYSTRAN (the one faster-whisper downloads for large-v3)",
        rank=6,
    ),
    "whisper-large-v3-turbo": Fetchable(
        name="whisper-large-v3-turbo",
        repo="mobiuslabsgmbh/faster-whisper-large-v3-turbo",
        folder="",
        about="1.6 GB",
        licence="MIT",
        source="OpenAI Whisper large-v3-turbo, CTranslate2 conversion by Mobius Labs (the one faster-whisper downloads for turbo)",
        rank=5,
    ),
}


def hub_url() -> str:
    return (os.environ.get("KVALI_HUB_URL") or DEFAULT_HUB).rstrip("/")


def fetched_root() -> Path:
    return cache_dir() / "models" / "fetched"


def catalogue_entry(name: str) -> Fetchable:
    try:
        return CATALOGUE[name]
    except KeyError:
        raise InputError(
            "no model {name!r} to fetch; kvali can fetch: {names}",
            name=name,
            names=", ".join(CATALOGUE),
        ) from None


def installed_folder(name: str) -> Path | None:
    folder = fetched_root() / name
    return folder if (folder / LOCK_NAME).is_file() else None


@dataclass
class RemoteFile:
    path: str  # in the repository
    local: str  # in the model folder
    size: int
    sha256: str | None  # large (LFS) files
    git_oid: str | None  # small files: the git blob sha1


Progress = Callable[[str, int, int], None]  # (file, bytes now, bytes in all)


def fetch(
    name: str, *, allow_download: bool, progress: Progress | None = None, force: bool = False
) -> dict[str, Any]:
    """Fetch catalogue model ``name`` into the cache; returns what ``kvali models fetch`` shows.

    Raises before any connection when ``allow_download`` is false."""
    entry = catalogue_entry(name)
    hub = hub_url()
    final = fetched_root() / entry.name
    if installed_folder(entry.name) and not force:
        from kvali import weights

        weights.verify(entry.name)
        return {"name": entry.name, "folder": str(final), "status": "already installed"}
    if not allow_download:
        raise KvaliError(
            "kvali downloads nothing unless you allow it: {name} would be downloaded from {url} (about {about}) into {folder}. Run again with --allow-download (or set KVALI_ALLOW_DOWNLOAD=1)",
            name=entry.name,
            url=entry.url(hub),
            about=entry.about,
            folder=final,
        )
    commit = _json(f"{hub}/api/models/{entry.repo}/revision/{entry.revision}")["sha"]
    files = _list_files(hub, entry, commit)
    partial = fetched_root() / f".{entry.name}.partial"
    _start_partial(partial, entry, commit)
    total = sum(f.size for f in files)
    done = 0
    for f in files:
        url = f"{hub}/{entry.repo}/resolve/{commit}/{urllib.parse.quote(f.path)}"
        try:
            _download(
                url,
                partial / f.local,
                f,
                lambda n, d=done, name=f.local: progress and progress(name, d + n, total),
            )
            _check(partial / f.local, f)
        except _Refused as exc:
            shutil.rmtree(partial, ignore_errors=True)
            raise KvaliError(
                "{file} of {name} from {url} does not match the hub's record ({why}); nothing was installed",
                file=f.path,
                name=entry.name,
                url=entry.url(hub),
                why=exc.why,
            ) from None
        done += f.size
    digests = {f.local: _sha256(partial / f.local) for f in files}
    _write_lock(partial / LOCK_NAME, entry, hub, commit, files, digests)
    (partial / "fetch.json").unlink(missing_ok=True)
    if final.exists():
        old = final.with_name(f".{entry.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        final.replace(old)
        partial.replace(final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        partial.replace(final)
    return {
        "name": entry.name,
        "folder": str(final),
        "status": "installed",
        "source": entry.url(hub),
        "commit": commit,
        "files": [{"path": f.local, "size": f.size, "sha256": digests[f.local]} for f in files],
    }


class _Refused(Exception):
    def __init__(self, why: str):
        self.why = why
        super().__init__(why)


def _json(url: str) -> Any:
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return json.loads(r.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise KvaliError("the hub answered {status} for {url}", status=exc.code, url=url) from None
    except (OSError, ValueError) as exc:
        raise KvaliError("could not read {url}: {error}", url=url, error=exc) from None


def _list_files(hub: str, entry: Fetchable, commit: str) -> list[RemoteFile]:
    """The model's files at ``commit``: those in its CTranslate2 folder, then the tokenizer and
    feature settings from the repository's root where the folder lacks them."""
    found: dict[str, RemoteFile] = {}
    folders = [entry.folder, ""] if entry.folder else [""]
    for folder in folders:
        url = f"{hub}/api/models/{entry.repo}/tree/{commit}"
        if folder:
            url += "/" + urllib.parse.quote(folder)
        for item in _json(url):
            if item.get("type") != "file":
                continue
            local = item["path"].rsplit("/", 1)[-1]
            if local not in WANTED or local in found:
                continue
            if folder == "" and entry.folder and local in ("model.bin", "config.json"):
                continue  # the root's are the Transformers model's, not the CTranslate2 one's
            lfs = item.get("lfs") or {}
            found[local] = RemoteFile(
                path=item["path"],
                local=local,
                size=int(lfs.get("size") or item["size"]),
                sha256=lfs.get("oid") or lfs.get("sha256"),
                git_oid=None if lfs else item.get("oid"),
            )
    missing = [n for n in NEEDED if n not in found]
    if not any(n.startswith("vocabulary.") for n in found):
        missing.append("vocabulary.json")
    if missing:
        raise KvaliError(
            "{url} has no {missing} in {folder!r}; it is not a CTranslate2 Whisper model kvali can fetch",
            url=entry.url(hub),
            missing=", ".join(missing),
            folder=entry.folder or "/",
        )
    return list(found.values())


def _start_partial(partial: Path, entry: Fetchable, commit: str) -> None:
    """Keep an interrupted download of the same commit (to resume it); anything else goes."""
    marker = partial / "fetch.json"
    if partial.exists():
        try:
            same = json.loads(marker.read_text())["commit"] == commit
        except (OSError, ValueError, KeyError):
            same = False
        if not same:
            shutil.rmtree(partial)
    partial.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"repo": entry.repo, "commit": commit}))


def _download(url: str, target: Path, f: RemoteFile, progress: Callable[[int], Any]) -> None:
    """Download to ``target`` through ``target.part``, resuming a cut-off ``.part``."""
    if target.is_file() and target.stat().st_size == f.size:
        progress(f.size)
        return  # finished in an earlier run; checked again by the caller
    part = target.with_name(target.name + ".part")
    have = part.stat().st_size if part.is_file() else 0
    if have > f.size:
        part.unlink()
        have = 0
    request = urllib.request.Request(url)
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            if have and r.status != 206:
                have = 0  # the server sent the whole file: start again
            with part.open("ab" if have else "wb") as out:
                got = have
                progress(got)
                while block := r.read(CHUNK):
                    out.write(block)
                    got += len(block)
                    progress(got)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have == f.size:
            pass  # already complete
        else:
            raise KvaliError(
                "the hub answered {status} for {url}", status=exc.code, url=url
            ) from None
    except OSError as exc:  # includes http.client.IncompleteRead's siblings and timeouts
        raise KvaliError(
            "the download of {url} was cut off after {got} of {size} bytes ({error}); run the same command again to resume it",
            url=url,
            got=part.stat().st_size if part.is_file() else 0,
            size=f.size,
            error=exc,
        ) from None
    except Exception as exc:  # http.client.IncompleteRead is an HTTPException, not an OSError
        import http.client

        if not isinstance(exc, http.client.HTTPException):
            raise
        raise KvaliError(
            "the download of {url} was cut off after {got} of {size} bytes ({error}); run the same command again to resume it",
            url=url,
            got=part.stat().st_size if part.is_file() else 0,
            size=f.size,
            error=type(exc).__name__,
        ) from None
    size = part.stat().st_size
    if size != f.size:
        if size > f.size:
            part.unlink()
            raise _Refused(f"{size} bytes, expected {f.size}")
        raise KvaliError(
            "the download of {url} was cut off after {got} of {size} bytes ({error}); run the same command again to resume it",
            url=url,
            got=size,
            size=f.size,
            error="short",
        )
    part.replace(target)


def _sha256(path: Path) -> str:
    from kvali.util import file_sha256

    return file_sha256(path)


def _check(path: Path, f: RemoteFile) -> None:
    size = path.stat().st_size
    if size != f.size:
        raise _Refused(f"{size} bytes, expected {f.size}")
    if f.sha256:
        got = _sha256(path)
        if got != f.sha256:
            raise _Refused(f"sha256 {got}, expected {f.sha256}")
    elif f.git_oid:
        h = hashlib.sha1(f"blob {size}\0".encode(), usedforsecurity=False)
        with path.open("rb") as fh:
            while block := fh.read(CHUNK):
                h.update(block)
        if h.hexdigest() != f.git_oid:
            raise _Refused(f"git blob {h.hexdigest()}, expected {f.git_oid}")
    else:
        raise _Refused("the hub gave no hash for it")


def _s(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a TOML basic string


def _write_lock(
    path: Path,
    entry: Fetchable,
    hub: str,
    commit: str,
    files: list[RemoteFile],
    digests: dict[str, str],
) -> None:
    lines = [
        "# Written by kvali models fetch: the files of this folder as fetched, with their sha256",
        "# (checked against the hub's record when fetched; kvali checks them again before use).",
        "",
        "[[model]]",
        f"name = {_s(entry.name)}",
        'use = "speech"',
        f"licence = {_s(entry.licence)}",
        f"source = {_s(entry.source)}",
        f"package = {_s(entry.url(hub) + '@' + commit)}",
        f"install = {_s('kvali models fetch ' + entry.name + ' --allow-download --force')}",
        f"root = {_s('fetched:' + entry.name)}",
        f"norwegian = {'true' if entry.norwegian else 'false'}",
        f"rank = {entry.rank}",
        "files = [",
    ]
    for f in files:
        lines.append(
            f"  {{ path = {_s(f.local)}, size = {f.size}, sha256 = {_s(digests[f.local])} }},"
        )
    lines.append("]")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
