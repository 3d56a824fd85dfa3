"""Speaker embeddings with Resemblyzer's GE2E voice encoder, run as a numpy forward pass.

Resemblyzer's own code needs torch (gigabytes); its wheel also carries ``pretrained.pt``, a
17 MB 3-layer LSTM (Apache-2.0). kvali installs the wheel with ``--no-deps``, finds it with
``importlib.util.find_spec`` (without importing it), reads the legacy torch pickle itself and
computes mel frames and the LSTM in numpy: no torch anywhere.
"""

from __future__ import annotations

import collections
import importlib.util
import pickle
import struct
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from kvali.errors import KvaliError

SR = 16000
N_FFT, HOP, N_MELS = 400, 160, 40  # 25 ms windows, 10 ms steps, 40 mel bands
PARTIAL = 160  # frames per partial utterance (1.6 s)
WEIGHTS = "resemblyzer/pretrained.pt"
INSTALL = "pip install --no-deps resemblyzer==0.1.4"
_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "LongStorage": np.int64}


def weights_path() -> Path:
    """Where Resemblyzer's pretrained.pt is; a clear error names it when it is missing."""
    spec = importlib.util.find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        raise KvaliError(
            "speaker separation needs the voice-encoder weights {weights} (site-packages); install them without torch: {install}",
            weights=WEIGHTS,
            install=INSTALL,
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"
    if not path.is_file():
        raise KvaliError(
            "the voice-encoder weights are missing: expected {path}; {install}",
            path=path,
            install=INSTALL,
        )
    return path


class _Storage:
    def __init__(self, dtype: Any, numel: int) -> None:
        self.dtype, self.numel, self.data = dtype, numel, np.zeros(0)


class _PlainUnpickler(pickle.Unpickler):
    """Only plain data (numbers, strings, lists, dicts, tuples): every global is refused, so
    nothing in the file can name a function to call — pickle runs code only through globals."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"unexpected object {module}.{name} in the weights file")

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("unexpected storage reference in the weights file")


class _TorchUnpickler(_PlainUnpickler):
    """Torch's legacy (pre-1.6) tensors: only tensor rebuilding, storage types and
    OrderedDict are allowed, and the tensor «rebuild» is our own function."""

    def __init__(self, f: Any) -> None:
        super().__init__(f)
        self.storages: dict[str, _Storage] = {}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return lambda storage, offset, size, stride, *_: (storage, offset, tuple(size))
        if module == "torch" and name in _DTYPES:
            return name
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        return super().find_class(module, name)

    def persistent_load(self, pid: Any) -> _Storage:
        typename, dtype, key, _location, numel, _view = pid
        if typename != "storage" or dtype not in _DTYPES:
            raise pickle.UnpicklingError(f"unexpected storage {typename!r} in the weights file")
        return self.storages.setdefault(str(key), _Storage(_DTYPES[dtype], int(numel)))


MAGIC = 0x1950A86A20F9469CFC6C  # torch's legacy serialisation magic number
PROTOCOL = 1001


def load_state(path: Path) -> dict[str, np.ndarray]:
    """The model_state tensors of a legacy torch checkpoint, as numpy arrays.

    All five pickles of the format (magic number, protocol, system info, the object, the
    storage keys) go through restricted unpicklers, so a tampered file cannot run code; a file
    of any other shape is refused with an error naming it."""
    try:
        return _load_state(path)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError, struct.error) as exc:
        raise KvaliError(
            "{path}: not a usable voice-encoder weights file ({exc})", path=path, exc=exc
        ) from exc


def _load_state(path: Path) -> dict[str, np.ndarray]:
    with path.open("rb") as f:
        magic, protocol = _PlainUnpickler(f).load(), _PlainUnpickler(f).load()
        if magic != MAGIC or protocol != PROTOCOL:
            raise ValueError("not torch's legacy format")
        _PlainUnpickler(f).load()  # system info: byte order, type sizes
        unpickler = _TorchUnpickler(f)
        obj = unpickler.load()
        keys = _PlainUnpickler(f).load()
        for key in keys:
            st = unpickler.storages[str(key)]
            (n,) = struct.unpack("<q", f.read(8))
            size = n * np.dtype(st.dtype).itemsize
            raw = f.read(size)
            if n != st.numel or len(raw) != size:
                raise ValueError(f"storage {key} is truncated")
            st.data = np.frombuffer(raw, dtype=st.dtype)
    out = {}
    for name, (storage, offset, shape) in obj["model_state"].items():
        count = int(np.prod(shape))
        if offset + count > len(storage.data):
            raise ValueError(f"tensor {name} lies outside its storage")
        out[name] = storage.data[offset : offset + count].reshape(shape).astype(np.float32)
    return out


def _mel_filters() -> np.ndarray:
    """Slaney-style mel filterbank (as librosa.filters.mel with its defaults)."""
    f_sp, min_log_hz, min_log_mel, logstep = 200.0 / 3, 1000.0, 15.0, np.log(6.4) / 27.0

    def hz_to_mel(f: np.ndarray) -> np.ndarray:
        f = np.asarray(f, dtype=np.float64)
        return np.where(
            f >= min_log_hz,
            min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep,
            f / f_sp,
        )

    def mel_to_hz(m: np.ndarray) -> np.ndarray:
        return np.where(
            m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m
        )

    mel_f = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(SR / 2), N_MELS + 2))
    fft_f = np.linspace(0, SR / 2, 1 + N_FFT // 2)
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_f[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    return (weights * (2.0 / (mel_f[2:] - mel_f[:-2]))[:, None]).astype(np.float32)


_WINDOW = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)


def mel_frames(wav: np.ndarray) -> np.ndarray:
    """Power mel spectrogram, (frames, 40), centred frames as the encoder was trained on."""
    padded = np.pad(wav, N_FFT // 2)
    n = 1 + (len(padded) - N_FFT) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n)[:, None]
    spec = np.abs(np.fft.rfft(padded[idx] * _WINDOW, axis=1)) ** 2
    return (spec.astype(np.float32) @ _mel_filters().T).astype(np.float32)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class VoiceEncoder:
    """GE2E: mel frames → 3-layer LSTM (256) → linear → ReLU → L2-normalised 256-d embedding."""

    def __init__(self, path: Path | None = None) -> None:
        from kvali import weights

        # The pinned sha256 first: a changed file is refused before a byte of it is unpickled.
        path = weights.verify_file(weights.SPEAKER, path or weights_path())
        w = _cached_state(str(path))
        # Pre-transposed, contiguous weights: the time loop is 480 small matmuls per batch.
        self.layers = [
            (
                np.ascontiguousarray(w[f"lstm.weight_ih_l{k}"].T),
                np.ascontiguousarray(w[f"lstm.weight_hh_l{k}"].T),
                w[f"lstm.bias_ih_l{k}"] + w[f"lstm.bias_hh_l{k}"],
            )
            for k in range(3)
        ]
        self.linear = (np.ascontiguousarray(w["linear.weight"].T), w["linear.bias"])

    def _forward(self, mels: np.ndarray) -> np.ndarray:
        x = mels
        for w_ih, w_hh, b in self.layers:
            hidden = w_hh.shape[0]
            xw = x @ w_ih + b
            h = np.zeros((x.shape[0], hidden), dtype=np.float32)
            c = np.zeros_like(h)
            outs = np.empty((x.shape[0], x.shape[1], hidden), dtype=np.float32)
            for t in range(x.shape[1]):
                z = xw[:, t] + h @ w_hh  # gates in torch's order: input, forget, cell, output
                i, f = _sigmoid(z[:, :hidden]), _sigmoid(z[:, hidden : 2 * hidden])
                g, o = np.tanh(z[:, 2 * hidden : 3 * hidden]), _sigmoid(z[:, 3 * hidden :])
                c = f * c + i * g
                h = o * np.tanh(c)
                outs[:, t] = h
            x = outs
        raw = np.maximum(h @ self.linear[0] + self.linear[1], 0)
        return raw / np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-9)

    def embed_frames(self, mels: list[np.ndarray], *, batch: int = 256) -> np.ndarray:
        """One embedding per mel-frame sequence (e.g. sliding windows); sequences of equal
        length run through the LSTM together."""
        out = np.zeros((len(mels), self.linear[0].shape[1]), dtype=np.float32)
        by_len: dict[int, list[int]] = {}
        for i, m in enumerate(mels):
            by_len.setdefault(len(m), []).append(i)
        for idx in by_len.values():
            for k in range(0, len(idx), batch):
                part = idx[k : k + batch]
                out[part] = self._forward(np.stack([mels[i] for i in part]))
        return out

    def embed(self, wav: np.ndarray, *, rate: float = 1.3) -> np.ndarray:
        """One embedding for an utterance: the mean of 1.6 s partials every 1/rate s."""
        return self.embed_many([wav], rate=rate)[0]

    def embed_many(
        self, wavs: list[np.ndarray], *, rate: float = 1.3, batch: int = 128, most: int = 6
    ) -> np.ndarray:
        """Embeddings of many utterances, their partials run through the LSTM in batches.

        At most ``most`` partials per utterance (spread evenly) are used: a few seconds identify
        a voice, and it keeps a 60-minute recording's embeddings to a few minutes of CPU."""
        partials: list[np.ndarray] = []
        owner: list[int] = []
        for k, wav in enumerate(wavs):
            mels = self._partials(wav, rate)
            if len(mels) > most:
                mels = [mels[i] for i in np.linspace(0, len(mels) - 1, most).round().astype(int)]
            for mel in mels:
                partials.append(mel)
                owner.append(k)
        out = np.zeros((len(wavs), self.linear[0].shape[1]), dtype=np.float32)
        if not partials:
            return out
        embs = np.concatenate(
            [
                self._forward(np.stack(partials[i : i + batch]))
                for i in range(0, len(partials), batch)
            ]
        )
        np.add.at(out, np.asarray(owner), embs)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

    def _partials(self, wav: np.ndarray, rate: float) -> list[np.ndarray]:
        rms = float(np.sqrt(np.mean(np.square(wav)))) if len(wav) else 0.0
        if rms > 0:  # -30 dBFS, raising quiet speech only (as Resemblyzer does)
            gain = 10 ** ((-30 - 20 * np.log10(rms)) / 20)
            wav = wav * max(gain, 1.0)
        step = max(1, int(round(SR / rate / HOP)))
        n_frames = int(np.ceil((len(wav) + 1) / HOP))
        starts = list(range(0, max(1, n_frames - PARTIAL + step + 1), step))
        if len(starts) > 1 and (len(wav) - starts[-1] * HOP) / (PARTIAL * HOP) < 0.75:
            starts = starts[:-1]
        need = (starts[-1] + PARTIAL) * HOP
        if need > len(wav):
            wav = np.pad(wav, (0, need - len(wav)))
        mel = mel_frames(wav.astype(np.float32))
        return [mel[s : s + PARTIAL] for s in starts]


@lru_cache(maxsize=2)
def _cached_state(path: str) -> dict[str, np.ndarray]:
    return load_state(Path(path))
