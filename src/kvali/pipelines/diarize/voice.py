"""Who speaks when, from the audio alone: voice-activity regions → sliding-window voice
embeddings → change points → clustered segments → a speaker timeline.

Whisper's segments and word times are no guide to speaker changes: its word times run over the
pauses between turns and one segment often holds two speakers (issue 19). So the timeline is
built from the sound, the way pyannote and WhisperX do it, and the words are put on it
afterwards (:mod:`kvali.pipelines.diarize.turns`). Embeddings come from the GE2E encoder kvali
already ships (numpy, no torch).

The job computes :class:`VoiceWindows` per audio window and checkpoints them; :func:`diarize`
runs once over the whole recording's windows, so speakers are the same across windows.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from kvali.pipelines.diarize.embed import VoiceEncoder

SR = 16000
WIN_MS = 1500  # a window long enough to know a voice by …
HOP_MS = 250  # … and a hop short enough to place a change within a quarter second
MIN_WIN_MS = 250  # a VAD region shorter than this is too short to embed (a click, a breath)
VAD = {"threshold": 0.5, "min_silence_duration_ms": 150, "speech_pad_ms": 30}


@dataclass
class VoiceWindows:
    """Embeddings of overlapping windows inside speech, with the speech regions (all in ms)."""

    starts: np.ndarray  # int64, window start
    ends: np.ndarray  # int64, window end
    emb: np.ndarray  # float32 (n, 256), L2-normalised
    regions: list[tuple[int, int]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.starts)

    def to_json(self) -> dict[str, Any]:
        """Compact checkpoint form: embeddings as base64 float16 (a 5-minute window ~0.7 MB)."""
        return {
            "starts": [int(x) for x in self.starts],
            "ends": [int(x) for x in self.ends],
            "dim": int(self.emb.shape[1]) if self.emb.ndim == 2 else 0,
            "emb": base64.b64encode(self.emb.astype("<f2").tobytes()).decode("ascii"),
            "regions": [[int(a), int(b)] for a, b in self.regions],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> VoiceWindows:
        raw = np.frombuffer(base64.b64decode(d["emb"]), dtype="<f2").astype(np.float32)
        dim = d.get("dim") or 256
        return cls(
            np.asarray(d["starts"], dtype=np.int64),
            np.asarray(d["ends"], dtype=np.int64),
            raw.reshape(-1, dim) if len(raw) else np.zeros((0, dim), np.float32),
            [(int(a), int(b)) for a, b in d["regions"]],
        )

    @classmethod
    def concat(cls, parts: list[VoiceWindows]) -> VoiceWindows:
        if not parts:
            return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 256), np.float32))
        return cls(
            np.concatenate([p.starts for p in parts]),
            np.concatenate([p.ends for p in parts]),
            np.concatenate([p.emb for p in parts]),
            [r for p in parts for r in p.regions],
        )


def speech_regions(samples: np.ndarray, **options: Any) -> list[tuple[int, int]]:
    """Silero VAD (bundled with faster-whisper) regions in ms of ``samples``. A short minimum
    silence (150 ms): a pause between two speakers is a natural place for a change."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    opts = VadOptions(**(VAD | options))
    return [
        (int(r["start"]) * 1000 // SR, int(r["end"]) * 1000 // SR)
        for r in get_speech_timestamps(samples, opts, sampling_rate=SR)
    ]


def window_spans(
    regions: list[tuple[int, int]], *, win_ms: int = WIN_MS, hop_ms: int = HOP_MS
) -> list[tuple[int, int]]:
    """Windows of ``win_ms`` every ``hop_ms`` inside each region, the last one flush with the
    region's end; a region shorter than a window is one window of its own length."""
    out = []
    for a, b in regions:
        if b - a < MIN_WIN_MS:
            continue
        if b - a <= win_ms:
            out.append((a, b))
            continue
        starts = list(range(a, b - win_ms + 1, hop_ms))
        if starts[-1] + win_ms < b:
            starts.append(b - win_ms)
        out += [(s, s + win_ms) for s in starts]
    return out


def embed_windows(
    encoder: VoiceEncoder,
    samples: np.ndarray,
    *,
    offset_ms: int = 0,
    regions: list[tuple[int, int]] | None = None,
    win_ms: int = WIN_MS,
    hop_ms: int = HOP_MS,
) -> VoiceWindows:
    """Voice embeddings of sliding windows inside the speech of ``samples`` (which start at
    ``offset_ms`` in the recording). Mel frames are computed once per region and sliced, and
    all windows go through the LSTM together."""
    from kvali.pipelines.diarize.embed import HOP, mel_frames

    local = regions if regions is not None else speech_regions(samples)
    frames_per_ms = SR / HOP / 1000
    mels, spans = [], []
    for a, b in local:
        wins = window_spans([(a, b)], win_ms=win_ms, hop_ms=hop_ms)
        if not wins:
            continue
        clip = samples[a * SR // 1000 : b * SR // 1000]
        mel = mel_frames(clip.astype(np.float32))
        for s, e in wins:
            f0 = int(round((s - a) * frames_per_ms))
            f1 = max(f0 + 1, int(round((e - a) * frames_per_ms)))
            piece = samples[s * SR // 1000 : e * SR // 1000]
            mels.append(mel[f0:f1] * _gain(piece) ** 2)
            spans.append((s, e))
    emb = encoder.embed_frames(mels)
    starts = np.array([s for s, _ in spans], dtype=np.int64) + offset_ms
    ends = np.array([e for _, e in spans], dtype=np.int64) + offset_ms
    return VoiceWindows(starts, ends, emb, [(a + offset_ms, b + offset_ms) for a, b in local])


def _gain(wav: np.ndarray) -> float:
    """Raise quiet speech to −30 dBFS, never lower loud speech (as Resemblyzer does)."""
    rms = float(np.sqrt(np.mean(np.square(wav)))) if len(wav) else 0.0
    if rms <= 0:
        return 1.0
    return max(1.0, 10 ** ((-30 - 20 * np.log10(rms)) / 20))


# --- from windows to a speaker timeline -------------------------------------------------------

CHANGE_BELOW = -0.1  # centred cosine of two adjacent windows below which a change is proposed
MIN_CHANGE_GAP_MS = 1000  # two proposed changes at least this far apart
MIN_PIECE_MS = 1000  # pieces shorter than this do not shape the clusters
SWITCH_COST = 0.3  # Viterbi: cost of changing speaker between two windows (in cosine units)
MIN_RUN_MS = 1500  # a change inside a speech region must last this long (else it is noise)
ONE_SPEAKER_BELOW = 0.05  # silhouette under which one speaker is assumed (no --speakers)
MAX_SPEAKERS = 8
MAX_CLUSTERED = 1500  # pieces clustered directly; the rest are assigned to the centroids


@dataclass(frozen=True)
class SpeakerSpan:
    """One speaker's stretch of speech on the timeline (ms); speakers numbered 0, 1, … in
    order of first appearance."""

    start_ms: int
    end_ms: int
    speaker: int


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


def _region_of(vw: VoiceWindows) -> np.ndarray:
    """Index of the speech region each window lies in (windows and regions are sorted)."""
    starts = np.array([a for a, _ in vw.regions], dtype=np.int64)
    return np.searchsorted(starts, vw.starts, side="right") - 1


def _pieces(vw: VoiceWindows, emb: np.ndarray, region: np.ndarray) -> list[np.ndarray]:
    """Windows grouped into pieces: each speech region, cut where a window and the next one
    that does not overlap it stop sounding alike (strongest dips first)."""
    out = []
    for r in range(len(vw.regions)):
        idx = np.flatnonzero(region == r)
        if not len(idx):
            continue
        # window i against the first window starting at or after i's end
        nxt = np.searchsorted(vw.starts[idx], vw.ends[idx], side="left")
        ok = nxt < len(idx)
        score = np.full(len(idx), np.inf)
        score[ok] = np.einsum("ij,ij->i", emb[idx[ok]], emb[idx[nxt[ok]]])
        cuts: list[int] = []
        for i in np.argsort(score):
            if score[i] >= CHANGE_BELOW:
                break
            t = int(vw.ends[idx[i]])
            if all(abs(t - c) >= MIN_CHANGE_GAP_MS for c in cuts):
                cuts.append(t)
        mids = (vw.starts[idx] + vw.ends[idx]) // 2
        bins = np.searchsorted(np.sort(np.array(cuts, dtype=np.int64)), mids, side="right")
        out += [idx[bins == b] for b in np.unique(bins)]
    return out


def _silhouette(x: np.ndarray, labels: np.ndarray, weight: np.ndarray) -> float:
    """Duration-weighted mean silhouette with cosine distance (−1 … 1; higher = clearer)."""
    k = int(labels.max()) + 1
    if k < 2:
        return -1.0
    dist = 1.0 - x @ x.T
    member = np.stack([labels == j for j in range(k)], axis=1).astype(np.float64)  # (m, k)
    wm = member * weight[:, None]
    sums = dist @ wm  # weighted distance of each piece to each cluster
    own = labels
    own_w = wm.sum(axis=0)[own] - weight  # the piece itself does not count
    a = np.where(own_w > 0, sums[np.arange(len(x)), own] / np.maximum(own_w, 1e-9), 0.0)
    other = sums / np.maximum(wm.sum(axis=0), 1e-9)
    other[np.arange(len(x)), own] = np.inf
    b = other.min(axis=1)
    s = np.where(own_w > 0, (b - a) / np.maximum(np.maximum(a, b), 1e-9), 0.0)
    return float(np.average(s, weights=weight))


def _cluster(x: np.ndarray, weight: np.ndarray, n: int | None) -> np.ndarray:
    """Average-linkage clusters of the pieces: ``n`` of them, or the count (1 … 8) whose
    clusters are most clearly apart (silhouette)."""
    from kvali.pipelines.diarize.cluster import cut_tree, linkage

    merges = linkage(x)
    if n:
        return cut_tree(merges, len(x), n)
    best, best_score = np.zeros(len(x), dtype=int), ONE_SPEAKER_BELOW
    for k in range(2, min(MAX_SPEAKERS, len(x) - 1) + 1):
        labels = cut_tree(merges, len(x), k)
        score = _silhouette(x, labels, weight)
        if score > best_score:
            best, best_score = labels, score
    return best


def _viterbi(scores: np.ndarray, switch: float) -> np.ndarray:
    """The speaker sequence over windows maximising summed scores minus switching costs."""
    steps, k = scores.shape
    total = scores[0].copy()
    back = np.zeros((steps, k), dtype=np.int64)
    stay = np.eye(k, dtype=bool)
    for t in range(1, steps):
        cand = total[:, None] - np.where(stay, 0.0, switch)
        back[t] = np.argmax(cand, axis=0)
        total = cand[back[t], np.arange(k)] + scores[t]
    path = np.empty(steps, dtype=np.int64)
    path[-1] = int(np.argmax(total))
    for t in range(steps - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def diarize(vw: VoiceWindows, *, n: int | None = None, rounds: int = 2) -> list[SpeakerSpan]:
    """The speaker timeline of a recording from its window embeddings.

    Embeddings are centred on the recording's mean (what all its voices share goes away, what
    tells them apart stays); pieces between change points are clustered (``n`` speakers, or
    estimated); then every window is given a speaker by a Viterbi pass over the similarities
    to the speakers' centroids, and the centroids are re-estimated from that (``rounds``).
    A change between two windows is placed midway between their centres."""
    if not len(vw):
        return []
    emb = _unit(vw.emb - vw.emb.mean(axis=0))
    region = _region_of(vw)
    pieces = _pieces(vw, emb, region)
    x = _unit(np.stack([emb[p].mean(axis=0) for p in pieces]))
    dur = np.array([vw.ends[p[-1]] - vw.starts[p[0]] for p in pieces], dtype=np.float64)
    shaping = dur >= MIN_PIECE_MS
    if shaping.sum() < 2:
        shaping[:] = True
    core = np.flatnonzero(shaping)
    if len(core) > MAX_CLUSTERED:
        core = core[np.argsort(-dur[core])[:MAX_CLUSTERED]]
    if n == 1 or len(core) < 2:
        labels = np.zeros(len(core), dtype=int)
    else:
        labels = _cluster(x[core], dur[core], n)
    k = int(labels.max()) + 1
    centroids = _unit(
        np.stack([(x[core][labels == j] * dur[core][labels == j, None]).sum(0) for j in range(k)])
    )
    path = np.zeros(len(vw), dtype=np.int64)
    for r in range(rounds + 1):
        if k > 1:
            path = _viterbi(emb @ centroids.T, SWITCH_COST)
        if r < rounds:
            centroids = _unit(
                np.stack(
                    [
                        emb[path == j].mean(0) if (path == j).any() else centroids[j]
                        for j in range(k)
                    ]
                )
            )
    return _spans(vw, region, path)


def _spans(vw: VoiceWindows, region: np.ndarray, path: np.ndarray) -> list[SpeakerSpan]:
    raw: list[tuple[int, int, int]] = []
    mids = (vw.starts + vw.ends) // 2
    for r, (a, b) in enumerate(vw.regions):
        idx = np.flatnonzero(region == r)
        if not len(idx):
            continue
        _drop_short_runs(path, idx, mids, a, b)
        start, who = a, int(path[idx[0]])
        for i, j in zip(idx, idx[1:], strict=False):
            if path[j] != path[i]:
                cut = int((mids[i] + mids[j]) // 2)
                raw.append((start, cut, who))
                start, who = cut, int(path[j])
        raw.append((start, b, who))
    order: dict[int, int] = {}
    for _, _, who in raw:
        order.setdefault(who, len(order))
    return [SpeakerSpan(s, e, order[w]) for s, e, w in raw if e > s]


def _drop_short_runs(path: np.ndarray, idx: np.ndarray, mids: np.ndarray, a: int, b: int) -> None:
    """Inside one speech region, give a speaker run shorter than ``MIN_RUN_MS`` to its longer
    neighbour: a sentence's falling end or a breath is not a new speaker. A whole region
    (a backchannel between pauses) is never dropped."""
    while True:
        labels = path[idx]
        edges = [0, *(np.flatnonzero(labels[1:] != labels[:-1]) + 1).tolist(), len(idx)]
        if len(edges) <= 2:
            return
        bounds = [a, *((mids[idx[e - 1]] + mids[idx[e]]) // 2 for e in edges[1:-1]), b]
        lengths = np.diff(bounds)
        r = int(np.argmin(lengths))
        if lengths[r] >= MIN_RUN_MS:
            return
        left = lengths[r - 1] if r > 0 else -1
        right = lengths[r + 1] if r + 1 < len(lengths) else -1
        source = edges[r - 1] if left >= right else edges[r + 1]
        path[idx[edges[r] : edges[r + 1]]] = path[idx[source]]
