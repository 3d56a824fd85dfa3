"""Vectors in the project folder: one float32 matrix per model, memory-mapped for queries.

Chosen by measurement (docs/benchmarks.md, bench/semantic.py): at 200,000 × 384 a float32
memory-mapped matrix-vector product answers a query several times faster than sqlite-vec's
``vec0`` brute-force KNN (which also needs a Python built with loadable SQLite extensions, not
the norm) or float16 storage (numpy has no fast float16 product, so the conversion dominates).

The file only ever grows by appending; rows of changed segments are zeroed (so they can never
match) and reclaimed by :meth:`VectorStore.compact`, which rewrites the file without them: that
is also how a withdrawn participant's vectors are erased from the disk.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from kvali.semantic.models import ModelInfo

INDEX_DIR = "index"
VECTORS = "vectors.f32"


class VectorStore:
    def __init__(self, project_path: Path, folder: str, dim: int) -> None:
        self.dir = Path(project_path) / INDEX_DIR / folder
        self.file = self.dir / VECTORS
        self.dim = dim
        self._map: np.memmap | None = None
        self._map_rows = -1

    @classmethod
    def for_model(cls, project_path: Path, info: ModelInfo) -> VectorStore:
        store = cls(project_path, info.folder, info.dim)
        store.dir.mkdir(parents=True, exist_ok=True)
        meta = store.dir / "model.json"
        if not meta.exists():
            meta.write_text(
                json.dumps(
                    {"id": info.id, "version": info.version, "sha256": info.sha256, "dim": info.dim}
                ),
                encoding="utf-8",
            )
        return store

    @property
    def rows(self) -> int:
        return self.file.stat().st_size // (4 * self.dim) if self.file.exists() else 0

    def append(self, vectors: np.ndarray) -> list[int]:
        """Append unit vectors; returns their row numbers."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        start = self.rows
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.file, "ab") as f:
            f.write(vectors.tobytes())
            f.flush()
            os.fsync(f.fileno())
        self._map = None
        return list(range(start, start + len(vectors)))

    def matrix(self) -> np.ndarray:
        n = self.rows
        if n == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._map is None or self._map_rows != n:
            self._map = np.memmap(self.file, dtype=np.float32, mode="r", shape=(n, self.dim))
            self._map_rows = n
        return self._map

    def get(self, rows: list[int]) -> np.ndarray:
        if not rows:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self.matrix()[np.asarray(rows, dtype=np.int64)], dtype=np.float32)

    def zero(self, rows: list[int]) -> None:
        """Blank rows of segments that changed or went away (scores 0: never a hit)."""
        rows = [r for r in rows if 0 <= r < self.rows]
        if not rows:
            return
        m = np.memmap(self.file, dtype=np.float32, mode="r+", shape=(self.rows, self.dim))
        m[np.asarray(rows, dtype=np.int64)] = 0.0
        m.flush()
        del m
        self._map = None

    def top(
        self, query: np.ndarray, k: int, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best rows by cosine (vectors are unit length), best first; ``rows`` limits
        the search to those rows (filters)."""
        m = self.matrix()
        if len(m) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        q = np.asarray(query, dtype=np.float32)
        if rows is not None:
            rows = np.asarray(rows, dtype=np.int64)
            scores = m[rows] @ q
        else:
            scores = m @ q
        k = min(k, len(scores))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        idx = np.argpartition(scores, len(scores) - k)[len(scores) - k :]
        idx = idx[np.argsort(-scores[idx], kind="stable")]
        found = rows[idx] if rows is not None else idx
        return found.astype(np.int64), scores[idx]

    def compact(self, keep: list[int]) -> dict[int, int]:
        """Rewrite the file with only ``keep`` rows (in that order); returns old → new row."""
        keep = sorted(set(keep))
        data = self.get(keep)
        self._map = None
        tmp = self.file.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            f.write(np.ascontiguousarray(data).tobytes())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.file)
        return {old: new for new, old in enumerate(keep)}

    def size_bytes(self) -> int:
        return self.file.stat().st_size if self.file.exists() else 0
