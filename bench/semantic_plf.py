"""Issue 15: learned and zero-shot code suggestions on bench/data/plf, split by interview.

Run through bench/semantic.py (``--only suggest`` for just this part). Every choice in kvali's
suggesters (prototypes, weights, default thresholds) was made on the train-like interviews
(``plf_study.TRAIN``); the held-out interviews only report.

* Zero-shot per level: a label's own description (what kvali did before, and the issue's
  ``--codebook themes.qdc`` case) vs its subtree with paths; forced top-1, and coverage and
  precision at the default abstention (the lead that reached precision 0.85 on train).
* Learned: training codings drawn from the train-like interviews (10, 25, 50, 100, all;
  5 draws each), scored on the held-out interviews: top-1, κ; one coded interview (I1);
  calibration by cross-validation on the training codings, applied to the held-out ones
  (precision and coverage at the calibrated abstention); off-topic statements abstained.
* Cost: cross-validation and refit against embedding 64 passages in the same run, and a real
  project: the first ``study_model`` (examples read from the index, cross-validated), a cache
  hit, and the call after one more coding.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import plf_study
from kvali.semantic import learned as L
from kvali.semantic.codebook import CodeDef, label_map, read_codebook
from kvali.semantic.metrics import accuracy, cohen_kappa
from kvali.semantic.suggest import Suggester, default_threshold

LEVELS = ("theme", "category", "code")
SIZES = (10, 25, 50, 100)


def _r(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 3)


def _lead_at(scores: np.ndarray, idx: list[int], gold: np.ndarray, target: float) -> float:
    """The smallest lead over the mean whose answers reach ``target`` precision on ``idx``."""
    lead = scores.max(1) - scores.mean(1)
    cut = L.pick_threshold(lead[idx], scores.argmax(1)[idx] == gold[idx], target)
    return cut["threshold"]


def _answered(pred: np.ndarray, ok: np.ndarray, gold: np.ndarray, idx: list[int]) -> dict:
    """Coverage and precision of answers among the labelled ``idx``."""
    a = [i for i in idx if ok[i]]
    return {
        "coverage": _r(len(a) / len(idx)),
        "precision": _r(np.mean([pred[i] == gold[i] for i in a])) if a else None,
    }


def evaluate_plf(emb: Any, *, quick: bool = False) -> dict[str, Any]:
    rows = plf_study.statements()
    codes = read_codebook(plf_study.DATA / "codebook.yaml")
    X = emb.passages([r["text"] for r in rows])
    by_name = {c.name: i for i, c in enumerate(codes)}
    train = [i for i, r in enumerate(rows) if r["interview"] in plf_study.TRAIN and r["code"]]
    held = [i for i, r in enumerate(rows) if r["interview"] in plf_study.HELD_OUT and r["code"]]
    off = [i for i, r in enumerate(rows) if r["interview"] in plf_study.HELD_OUT and not r["code"]]
    out: dict[str, Any] = {
        "statements": len(rows),
        "labelled": sum(1 for r in rows if r["code"]),
        "train_interviews": list(plf_study.TRAIN),
        "held_out_interviews": list(plf_study.HELD_OUT),
        "levels": {},
    }
    t0 = time.perf_counter()
    emb.passages([rows[i]["text"] + " ." for i in range(64)])
    out["embed_64_s"] = round(time.perf_counter() - t0, 3)
    for level in LEVELS:
        out["levels"][level] = _level(emb, codes, rows, X, by_name, level, train, held, off)
    out["cost"] = _cost(emb, codes, rows, X, by_name, train, out["embed_64_s"], quick)
    return out


def _own_description(emb: Any, codes: list[CodeDef], level: str) -> Suggester:
    """Before issue 15: each label embedded from its own name and description only."""
    sug = Suggester(emb, codes, level=level)
    only = [CodeDef(c.name, c.description, [], c.id, True) for c in sug.codes]
    return Suggester(emb, only, level="code")


def _level(emb, codes, rows, X, by_name, level, train, held, off) -> dict[str, Any]:
    sug = Suggester(emb, codes, level=level)
    lmap = label_map(codes, level)
    pos = {lab: j for j, lab in enumerate(sug.label_index)}
    gold = np.array([pos[lmap[by_name[r["code"]]]] if r["code"] else -1 for r in rows])
    names = [c.name for c in sug.codes]
    res: dict[str, Any] = {"labels": len(names)}
    every = train + held
    for name, s in (
        ("zero_shot_own_description", _own_description(emb, codes, level)),
        ("zero_shot", sug),
    ):
        sc = s.scores(X)
        pred = sc.argmax(1)
        lead = sc.max(1) - sc.mean(1)
        th = default_threshold(level)
        entry = {
            "top1_train": _r(np.mean(pred[train] == gold[train])),
            "top1_held_out": _r(np.mean(pred[held] == gold[held])),
            "top1_all": _r(np.mean(pred[every] == gold[every])),
            "kappa_held_out": _r(cohen_kappa(gold[held].tolist(), pred[held].tolist())),
        }
        if name == "zero_shot":
            entry["lead_for_0.85_on_train"] = _r(_lead_at(sc, train, gold, 0.85))
            entry["default_threshold"] = th
            entry["at_default_held_out"] = _answered(pred, lead >= th, gold, held)
            entry["at_default_all"] = _answered(pred, lead >= th, gold, every)
            entry["offtopic_abstained_held_out"] = _r(np.mean(lead[off] < th))
        res[name] = entry
    space = L.Space(sug.scores, X, len(names))
    rng = np.random.default_rng(15)
    curve = []
    for size in SIZES:
        accs, kappas = [], []
        for _ in range(5):
            pick = np.sort(rng.choice(train, size, replace=False))
            m = L.Model(space, _evidence(rows, X, gold, list(pick)))
            pred = m.scores(X[held]).argmax(1)
            accs.append(accuracy(gold[held].tolist(), pred.tolist()))
            kappas.append(cohen_kappa(gold[held].tolist(), pred.tolist()))
        curve.append(
            {
                "codings": size,
                "top1_held_out": _r(np.mean(accs)),
                "kappa_held_out": _r(np.mean(kappas)),
            }
        )
    res["learning_curve"] = curve
    one = [i for i in train if rows[i]["interview"] == "I1"]
    for key, pool in (("one_interview", one), ("all_train", train)):
        ev = _evidence(rows, X, gold, pool)
        m = L.Model(space, ev)
        cv = L.cross_validate(space, ev, names=names)
        sc = m.scores(X)
        p = L.probabilities(sc, cv["tau"])
        pred, conf = sc.argmax(1), p.max(1)
        entry = {
            "codings": len(pool),
            "top1_held_out": _r(np.mean(pred[held] == gold[held])),
            "kappa_held_out": _r(cohen_kappa(gold[held].tolist(), pred[held].tolist())),
            "cv": {
                k: cv[k]
                for k in (
                    "learned",
                    "zero_shot",
                    "p_zero_shot_better",
                    "threshold",
                    "coverage",
                    "precision",
                    "folds_by",
                )
            },
            "uses_learned": L.use_learned(cv),
            "at_calibrated_held_out": _answered(pred, conf >= cv["threshold"], gold, held),
            "offtopic_abstained_held_out": _r(np.mean(conf[off] < cv["threshold"])),
        }
        if key == "all_train":
            entry["top1_held_out"] = entry["top1_held_out"]
            curve.append(
                {
                    "codings": len(pool),
                    "top1_held_out": entry["top1_held_out"],
                    "kappa_held_out": entry["kappa_held_out"],
                }
            )
        res[key] = entry
    return res


def _evidence(rows, X, gold, idx: list[int]) -> L.Evidence:
    groups = [int(rows[i]["interview"][1:]) for i in idx]
    return L.Evidence(X[idx], gold[idx], groups, list(idx))


def _cost(emb, codes, rows, X, by_name, train, embed_s, quick) -> dict[str, Any]:
    sug = Suggester(emb, codes, level="code")
    lmap = label_map(codes, "code")
    pos = {lab: j for j, lab in enumerate(sug.label_index)}
    gold = np.array([pos[lmap[by_name[r["code"]]]] if r["code"] else -1 for r in rows])
    space = L.Space(sug.scores, X, len(sug.codes))
    ev = _evidence(rows, X, gold, train)
    times_cv, times_fit = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        L.cross_validate(space, ev, names=[c.name for c in sug.codes])
        t1 = time.perf_counter()
        L.Model(space, ev).scores(X)
        times_cv.append(t1 - t0)
        times_fit.append(time.perf_counter() - t1)
    out = {
        "codings": len(train),
        "cross_validate_s": round(statistics.median(times_cv), 3),
        "refit_and_score_320_s": round(statistics.median(times_fit), 4),
        "cross_validate_vs_embed_64": round(statistics.median(times_cv) / embed_s, 2),
    }
    if not quick:
        out["project"] = _project_cost(emb, embed_s)
    return out


def _project_cost(emb: Any, embed_s: float) -> dict[str, Any]:
    """A real project (I1, I2 coded; I4 not): how long the suggester takes to build."""
    from kvali.codings.service import add_coding
    from kvali.project import Project
    from kvali.semantic.service import update_index
    from kvali.semantic.training import study_model
    from kvali.studies.service import create_study
    from kvali.transcripts.service import get_turns

    root = Path(tempfile.mkdtemp()) / "plf"
    project = Project.init(root)
    with project.begin() as conn:
        sid = create_study(conn, title="PLF", problem_statement="", language="nb")
    tids = plf_study.build_study(project, sid, interviews=("I1", "I2", "I4"), coded=("I1", "I2"))
    with project.begin() as conn:
        update_index(conn, sid, project_path=project.path, embedder=emb)

    def build() -> tuple[float, Any]:
        t0 = time.perf_counter()
        with project.begin() as conn:
            m = study_model(conn, sid, project_path=project.path, level="code", embedder=emb)
        return time.perf_counter() - t0, m

    cold, m = build()
    warm, _ = build()
    with project.begin() as conn:
        turn = next(tu for tu in get_turns(conn, tids["I4"]) if tu["role"] == "participant")
        add_coding(
            conn,
            sid,
            transcript_id=tids["I4"],
            code="Involvering av alle",
            start=turn["start_char"],
            end=turn["end_char"],
        )
    after, m2 = build()
    project.close()
    return {
        "codings": m.evaluation["codings"],
        "mode": m.mode,
        "first_s": round(cold, 3),
        "cached_s": round(warm, 3),
        "after_one_more_coding_s": round(after, 3),
        "first_vs_embed_64": round(cold / embed_s, 2),
        "cached_vs_embed_64": round(warm / embed_s, 2),
        "after_one_more_vs_embed_64": round(after / embed_s, 2),
        "codings_after": m2.evaluation["codings"],
    }
