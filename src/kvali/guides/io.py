"""Interview guide files: YAML (``topics: [{text, questions: [{text, keywords}]}]``) and Markdown
(``## Topic`` / ``- Question`` / indented ``- keyword``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kvali.errors import InputError
from kvali.util import normalize_text


def read_guide(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        text = normalize_text(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("cannot read guide: {exc}", file=path, exc=exc) from exc
    if path.suffix.lower() in (".md", ".markdown", ".txt"):
        return parse_markdown(text, source=str(path))
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise InputError(
            "invalid YAML: {problem}",
            file=path,
            line=line + 1 if line is not None else None,
            problem=getattr(exc, "problem", exc),
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
        raise InputError("a guide file needs a top-level 'topics' list", file=path)
    return data


def parse_markdown(text: str, *, source: str = "<guide>") -> dict[str, Any]:
    topics: list[dict[str, Any]] = []
    intro: list[str] = []
    for lineno, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip()
        if not line.strip() or line.startswith("# "):
            continue
        if line.startswith("## "):
            topics.append({"text": line[3:].strip(), "questions": []})
        elif line.lstrip().startswith(("- ", "* ")):
            indent = len(line) - len(line.lstrip())
            item = line.lstrip()[2:].strip()
            if not topics:
                raise InputError(
                    "list item before the first '## topic' heading", file=source, line=lineno
                )
            if indent == 0:
                topics[-1]["questions"].append({"text": item, "keywords": []})
            else:
                if not topics[-1]["questions"]:
                    raise InputError(
                        "keyword before the first question of the topic", file=source, line=lineno
                    )
                topics[-1]["questions"][-1]["keywords"].append(item)
        elif not topics:
            intro.append(line.strip())
        else:
            raise InputError(
                "expected '## topic', '- question' or '  - keyword'", file=source, line=lineno
            )
    if not topics:
        raise InputError("no topics ('## …' headings) found", file=source)
    return {"introduction": " ".join(intro), "topics": topics}


def to_markdown(guide: dict[str, Any], *, title: str = "Interview guide") -> str:
    lines = [f"# {title}", ""]
    if guide.get("introduction"):
        lines += [guide["introduction"], ""]
    for topic in guide["topics"]:
        lines += [f"## {topic['text']}", ""]
        for q in topic["questions"]:
            lines.append(f"- {q['text']}")
            lines += [f"  - {kw}" for kw in q.get("keywords", [])]
        lines.append("")
    return "\n".join(lines)


def to_yaml(guide: dict[str, Any]) -> str:
    clean = {
        "introduction": guide.get("introduction", ""),
        "topics": [
            {
                "text": tp["text"],
                "questions": [
                    {"text": q["text"], "keywords": list(q.get("keywords", []))}
                    for q in tp["questions"]
                ],
            }
            for tp in guide["topics"]
        ],
    }
    return yaml.safe_dump(clean, allow_unicode=True, sort_keys=False, width=100)
