"""The key file: originals and the original ↔ replacement key, encrypted with a passphrase.

Kept outside the working database (default ``PROJECT/keys/pseudonymization.kvkey``; any path,
e.g. an encrypted USB stick, may be given). Format: ``MAGIC | salt(16) | nonce(12) | AES-GCM
ciphertext`` of a JSON document; the AES-256 key is derived with scrypt (n=2^15, r=8, p=1), so a
wrong passphrase fails authentication instead of yielding garbage. Destroying overwrites the
file with random bytes before unlinking it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from kvali.errors import InputError, KvaliError

MAGIC = b"KVALIKEY1\n"
KEY_DIR = "keys"
KEY_FILE = "pseudonymization.kvkey"
ENV = "KVALI_PASSPHRASE"


class WrongPassphrase(KvaliError):
    exit_code = 2


def default_path(project_path: Path) -> Path:
    return project_path / KEY_DIR / KEY_FILE


def _derive(passphrase: str, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode("utf-8"))


def encrypt(data: dict[str, Any], passphrase: str) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(passphrase) < 8:
        raise InputError("the passphrase must be at least 8 characters")
    salt, nonce = os.urandom(16), os.urandom(12)
    plain = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return MAGIC + salt + nonce + AESGCM(_derive(passphrase, salt)).encrypt(nonce, plain, MAGIC)


def decrypt(blob: bytes, passphrase: str) -> dict[str, Any]:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not blob.startswith(MAGIC):
        raise KvaliError("not a kvali key file")
    body = blob[len(MAGIC) :]
    salt, nonce, ct = body[:16], body[16:28], body[28:]
    try:
        plain = AESGCM(_derive(passphrase, salt)).decrypt(nonce, ct, MAGIC)
    except InvalidTag as exc:
        raise WrongPassphrase("wrong passphrase for the key file (or the file is damaged)") from exc
    return json.loads(plain.decode("utf-8"))


def empty() -> dict[str, Any]:
    return {"format": 1, "studies": {}}


def load(path: Path, passphrase: str) -> dict[str, Any]:
    """The key's contents, or an empty key when none exists yet."""
    if not path.exists():
        return empty()
    return decrypt(path.read_bytes(), passphrase)


def save_temp(path: Path, data: dict[str, Any], passphrase: str) -> Path:
    """Write beside the final path; ``commit`` renames it once the database has committed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".new")
    with open(tmp, "wb") as f:
        f.write(encrypt(data, passphrase))
        f.flush()
        os.fsync(f.fileno())
    return tmp


def commit(tmp: Path, path: Path) -> None:
    if path.exists():
        _shred(path)
    os.replace(tmp, path)


def _shred(path: Path) -> None:
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.write(os.urandom(size))
        f.flush()
        os.fsync(f.fileno())


def destroy(path: Path) -> bool:
    """Overwrite and delete the key for good; returns whether there was one."""
    found = False
    for p in (path, path.with_name(path.name + ".new")):
        if p.exists():
            _shred(p)
            p.unlink()
            found = True
    if path.parent.name == KEY_DIR and path.parent.exists() and not any(path.parent.iterdir()):
        path.parent.rmdir()
    return found


def read_passphrase(passphrase_file: Path | None) -> str:
    """From a file (first line) or ``$KVALI_PASSPHRASE``; never from the command line."""
    if passphrase_file is not None:
        text = passphrase_file.read_text(encoding="utf-8").splitlines()
        value = text[0] if text else ""
    else:
        value = os.environ.get(ENV, "")
    if not value:
        raise InputError("give the key's passphrase with --passphrase-file or ${env}", env=ENV)
    return value
