"""Run inside the Python ≥ 3.12 environment that holds pyqdpx (never imported by the suite).

``read FILE``: what pyqdpx finds in a .qdpx, as JSON on stdout (users, codes, sources with their
selections and the text pyqdpx cuts out for each).
``write FILE``: add a user, a code and a selection with pyqdpx's own API and save the file, the
way a pyqdpx script edits a project; prints what was added.
"""

from __future__ import annotations

import contextlib
import json
import sys

from pyqdpx import QDPX, Code, User

ZWSP = "\u200b"  # pyqdpx pads each character outside the BMP with one (NVivo's UTF-16 units)


def read(path: str) -> dict:
    qde = QDPX(path).get_project()
    if qde is None:
        raise SystemExit(f"pyqdpx could not open {path}")
    sources = []
    for source in qde.sources.values():
        sources.append(
            {
                "guid": source.guid,
                "name": source.name,
                "length": len((source.text_content or "").replace(ZWSP, "")),
                "selections": [
                    {
                        "start": sel.start,
                        "end": sel.end,
                        "code": sel.code.guid,
                        "user": sel.user.name,
                        "text": sel.text.replace(ZWSP, ""),
                    }
                    for sel in source.coded_selections.values()
                ],
            }
        )
    return {
        "users": {g: u.name for g, u in qde.users.items()},
        "codes": {
            g: {"name": c.name, "parent": c.parent.guid if c.parent else None}
            for g, c in qde.codes.items()
        },
        "sources": sources,
    }


def write(path: str) -> dict:
    project = QDPX(path)
    qde = project.get_project()
    user = User("Veileder", id="V")
    qde.add_user(user)
    code = Code("Lagt til av pyqdpx", qde)
    source = next(iter(qde.sources.values()))
    text = source.text_content
    start = text.index(" ") + 1
    end = text.index(" ", start + 1)
    source.add_selection(start, end, code, user)
    qde.save()
    return {"user": user.name, "code": code.name, "text": text[start:end], "source": source.name}


if __name__ == "__main__":
    command, file = sys.argv[1], sys.argv[2]
    with contextlib.redirect_stdout(sys.stderr):  # pyqdpx prints its warnings and progress
        out = read(file) if command == "read" else write(file)
    sys.stdout.write(json.dumps(out, ensure_ascii=False))
