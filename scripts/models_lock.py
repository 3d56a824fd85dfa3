"""Compare the models lock with the installed files, or rewrite its sizes and hashes.

    python scripts/models_lock.py           # list each file: ok / differs / absent
    python scripts/models_lock.py --write   # pin what is installed now (review the diff!)

Only the files already listed in src/kvali/models.lock.toml are hashed; add a model or a file
there by hand (name, use, licence, source, package, install, root, files) first. The joined
Whisper base folder lives in the cache: run a transcription with bundled:base once, or its
entry is left as it is.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

from kvali.weights import LOCK_FILE, lock

LINE = re.compile(r'^(\s*\{ path = "(?P<path>[^"]+)", size = )\d+(, sha256 = ")[0-9a-f]*(" \},?)$')


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def main(write: bool) -> int:
    models = lock()
    names = list(models)
    current = -1
    out, bad = [], 0
    for line in LOCK_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("[[model]]"):
            current += 1
        m = LINE.match(line)
        if m and current >= 0:
            model = models[names[current]]
            entry = next(f for f in model.files if f.path == m["path"])
            folder = model.locate()
            path = folder / entry.path if folder else None
            if path is None or not path.is_file():
                print(f"absent   {model.name}: {entry.path}")
            else:
                size, sha = path.stat().st_size, digest(path)
                same = (size, sha) == (entry.size, entry.sha256)
                bad += not same
                print(f"{'ok' if same else 'differs':8} {model.name}: {entry.path}")
                line = f"{m.group(1)}{size}{m.group(3)}{sha}{m.group(4)}"
        out.append(line)
    if write:
        LOCK_FILE.write_text("\n".join(out) + "\n", encoding="utf-8")
        print(f"wrote {LOCK_FILE}")
    return 1 if bad and not write else 0


if __name__ == "__main__":
    sys.exit(main("--write" in sys.argv[1:]))
