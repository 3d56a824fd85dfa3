"""Small hand-written study used across the service tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from kvali.project import Project

TRANSCRIPT_1 = """\
[00:00:02] Intervjuer: Hva legger du i begrepet profesjonelle læringsfellesskap?
[00:00:09] Kari: For meg handler det om at vi lærer sammen. Vi deler erfaringer fra egen praksis hver uke.
[00:00:31] Intervjuer: Ja.
[00:00:33] Kari: Og det krever tid. Uten tid blir det ingenting av det. Tid er alt.
[00:00:52] Intervjuer: Hvordan organiserer dere det?
[00:00:55] Kari: Vi har utviklingstid på tirsdager, og teamlederne leder arbeidet. Ingrid Berg på Fjellvang skole er med i nettverket.
"""

TRANSCRIPT_2 = """\
I: Hva betyr nettverket for dere?
Ole: Nettverket i Romsdal gir oss faglig påfyll. Vi lærer av andre skoler.
I: Og tid?
Ole: Tid er alltid en utfordring. Vi deler erfaringer i team.
"""


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def mini_study(project: Project, sid: int, tmp: Path) -> dict[str, int]:
    """Two participants, two interviews with transcripts, a three-level codebook."""
    from kvali.codes.service import create_code
    from kvali.interviews.service import add_interview
    from kvali.participants.service import add_participant
    from kvali.transcripts.service import import_transcript

    ids: dict[str, int] = {}
    with project.begin() as conn:
        add_participant(conn, sid, code="R1", attributes={"skoletype": "barneskole", "år": "7"})
        add_participant(conn, sid, code="R2", attributes={"skoletype": "ungdomsskole", "år": "4"})
        add_interview(
            conn,
            sid,
            label="Intervju 1",
            participants=["R1"],
            interviewers=["Forsker A"],
            mode="in_person",
        )
        add_interview(
            conn,
            sid,
            label="Intervju 2",
            participants=["R2"],
            interviewers=["Forsker B"],
            mode="digital",
        )
        ids["t1"] = import_transcript(conn, sid, "Intervju 1", write(tmp, "i1.txt", TRANSCRIPT_1))
        ids["t2"] = import_transcript(conn, sid, "Intervju 2", write(tmp, "i2.txt", TRANSCRIPT_2))
        ids["theme"] = create_code(conn, sid, name="Samskaping", level="theme")
        ids["cat"] = create_code(conn, sid, name="Deling", parent="Samskaping")
        ids["share"] = create_code(conn, sid, name="Deler erfaringer", parent="Deling")
        ids["time"] = create_code(conn, sid, name="Tid", parent="Deling")
        ids["net_theme"] = create_code(conn, sid, name="Nettverk", level="theme")
        ids["net"] = create_code(conn, sid, name="Faglig påfyll", parent="Nettverk", level="code")
    return ids


class CachedEmbedder:
    """The real model, remembering what it embedded: the same vectors and model info, but each
    text is embedded once per test run, not once per test and backend."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.info = inner, inner.info
        self.cache: dict[tuple[str, str], Any] = {}

    def _get(self, kind: str, texts: list[str]) -> Any:
        import numpy as np

        missing = [x for x in dict.fromkeys(texts) if (kind, x) not in self.cache]
        if missing:
            vectors = getattr(self.inner, kind)(missing)
            self.cache.update({(kind, x): v for x, v in zip(missing, vectors, strict=True)})
        if not texts:
            return np.zeros((0, self.info.dim), dtype=np.float32)
        return np.stack([self.cache[(kind, x)] for x in texts]).astype(np.float32)

    def passages(self, texts: list[str]) -> Any:
        return self._get("passages", list(texts))

    def queries(self, texts: list[str]) -> Any:
        return self._get("queries", list(texts))


EMBEDDER_CACHE: list[CachedEmbedder] = []


def bench_module(name: str) -> ModuleType:
    """A module of bench/ (not a package: benchmarks run as scripts), loaded by file path."""
    path = Path(__file__).resolve().parents[1] / "bench" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"kvali_bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
