"""The key file: encrypted, authenticated, unreadable without the passphrase, destroyable."""

from __future__ import annotations

import pytest

pytest.importorskip("cryptography")

from kvali.errors import InputError  # noqa: E402
from kvali.privacy import vault  # noqa: E402


def test_round_trip_wrong_passphrase_and_destroy(tmp_path):
    path = tmp_path / "keys" / vault.KEY_FILE
    data = {"format": 1, "studies": {"s": {"entities": [{"original": "Kari Berg"}]}}}
    vault.commit(vault.save_temp(path, data, "passphrase-1"), path)
    blob = path.read_bytes()
    assert blob.startswith(vault.MAGIC) and b"Kari" not in blob
    assert vault.load(path, "passphrase-1") == data
    with pytest.raises(vault.WrongPassphrase):
        vault.load(path, "passphrase-2")
    # Every save uses a fresh salt and nonce: the same data never encrypts the same way twice.
    assert vault.encrypt(data, "passphrase-1") != vault.encrypt(data, "passphrase-1")
    assert vault.destroy(path) and not path.exists() and not path.parent.exists()
    assert vault.load(path, "anything-long") == vault.empty()


def test_passphrase_sources(tmp_path, monkeypatch):
    with pytest.raises(InputError):
        vault.encrypt({}, "short")
    monkeypatch.delenv(vault.ENV, raising=False)
    with pytest.raises(InputError):
        vault.read_passphrase(None)
    monkeypatch.setenv(vault.ENV, "from the environment")
    assert vault.read_passphrase(None) == "from the environment"
    f = tmp_path / "p.txt"
    f.write_text("from a file\nignored\n", encoding="utf-8")
    assert vault.read_passphrase(f) == "from a file"
