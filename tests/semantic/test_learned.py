"""Learned suggestions: the model (synthetic vectors, exact), codebook levels, and a real study
with the bundled model: suggest-codes without --codebook, levels, abstention, retraining."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from kvali.db import schema as t
from kvali.semantic import learned as L
from kvali.semantic.codebook import label_map, labels_at, read_codebook, subtree

CODEBOOK = """\
themes:
  - name: Samarbeid
    description: "Hvordan lærerne samarbeider på skolen: tid til det og å se hverandres undervisning."
    categories:
      - name: Rammer for samarbeid
        description: "Tid og arbeidsformer for samarbeid."
        codes:
          - {name: Fellestid, description: "Fast tid i uka som er satt av til at lærerne jobber sammen."}
          - {name: Observasjon, description: "Lærere ser hverandres undervisning og gir tilbakemelding."}
  - name: Nettverk
    description: "Samarbeid utenfor skolen: med andre skoler og med kommunen."
    categories:
      - name: Eksternt samarbeid
        description: "Samarbeid med andre skoler og skoleeier."
        codes:
          - {name: Regionalt nettverk, description: "Skoler i regionen som møtes og lærer av hverandre."}
          - {name: Skoleeier, description: "Kommunen som skoleeier: budsjett, styring og forventninger."}
"""

CODED = {
    "Fellestid": [
        "Hver tirsdag fra klokka to er satt av til at vi jobber sammen, uten beskjeder.",
        "Vi har skjermet en time i uka til utviklingsarbeid, og den tiden er hellig.",
        "Torsdagsmøtet går bare til undervisning, det praktiske tar vi på e-post.",
        "Lærerne vet at onsdag ettermiddag er fellestid, der legger vi ikke inn annet.",
    ],
    "Observasjon": [
        "Vi går inn i hverandres timer og ser på hva elevene gjør.",
        "Etter at jeg hadde vært i klassen hennes, snakket vi om hva vi hadde sett.",
        "Kollegaveiledning betyr at vi besøker hverandre med et fast skjema.",
        "Det var skummelt første gang noen satt bakerst i klasserommet mitt.",
    ],
    "Regionalt nettverk": [
        "Vi møter fem andre skoler i regionen fire ganger i året.",
        "På samlingene i nettverket hører vi hvordan de andre skolene gjør det.",
        "Rektorene i nettverket deler opplegg med hverandre.",
        "Nettverket gir oss en oppgave som vi prøver ut før neste samling.",
    ],
    "Skoleeier": [
        "Kommunen har kuttet budsjettet, så vi har færre lærere enn før.",
        "Kommunalsjefen forventer at vi rapporterer på resultatene hvert år.",
        "Skoleeier har gitt oss penger til vikarer, så lærerne kan delta.",
        "Kommunen bestemmer satsingsområdet, vi får si litt om hvordan.",
    ],
}
UNCODED = [
    "Vi har satt av fredag morgen til at alle lærerne planlegger sammen.",
    "Jeg har tjue år bak meg som lærer før jeg ble rektor.",
]


def _write_transcript(path: Path, who: str, lines: list[str]) -> None:
    path.write_text("".join(f"I: Fortell.\n{who}: {x}\n" for x in lines), encoding="utf-8")


@pytest.fixture
def coded_study(study: tuple, tmp_path: Path, cached_embedder) -> tuple:
    """(project, study id, transcript ids) with 16 codings of 4 codes in interview 1, an
    uncoded interview 2, all indexed."""
    import yaml

    from kvali.codes.io import import_codebook
    from kvali.codings.service import add_codings
    from kvali.interviews.service import add_interview
    from kvali.participants.service import add_participant
    from kvali.semantic.service import update_index
    from kvali.transcripts.service import get_turns, import_transcript

    project, sid = study
    lines = [x for texts in CODED.values() for x in texts]
    _write_transcript(tmp_path / "i1.txt", "R1", lines)
    _write_transcript(tmp_path / "i2.txt", "R2", UNCODED)
    with project.begin() as conn:
        import_codebook(conn, sid, yaml.safe_load(CODEBOOK))
        for who, label, src in (("R1", "Intervju 1", "i1.txt"), ("R2", "Intervju 2", "i2.txt")):
            add_participant(conn, sid, code=who)
            add_interview(conn, sid, label=label, participants=[who], mode="in-person")
            import_transcript(conn, sid, label, tmp_path / src)
        tid = (
            conn.execute(sa.select(t.transcripts.c.id).order_by(t.transcripts.c.id)).scalars().all()
        )
        turns = {tu["text"]: tu for tu in get_turns(conn, tid[0])}
        add_codings(
            conn,
            sid,
            [
                {"transcript_id": tid[0], "code": code, "start": turns[x]["start_char"],
                 "end": turns[x]["end_char"], "coder": "Forsker A"}
                for code, texts in CODED.items()
                for x in texts
            ],
        )  # fmt: skip
        update_index(conn, sid, project_path=project.path, embedder=cached_embedder)
    return project, sid, tid


# ---- the model, on synthetic vectors -------------------------------------------------------


def _cloud(rng: np.random.Generator, centre: np.ndarray, n: int, spread: float = 0.15):
    x = centre + spread * rng.standard_normal((n, len(centre)))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _toy(seed: int = 0):
    """Three clusters; the descriptions point the first cluster at label 0 although the
    researcher codes it as label 2 (a code whose description says little: it points nowhere)."""
    rng = np.random.default_rng(seed)
    d = 12
    basis = np.linalg.qr(rng.standard_normal((d, d)))[0]
    centres = basis[:3]
    protos = np.stack([centres[0], centres[1], basis[5]])
    space = L.Space(lambda x: x @ protos.T, _cloud(rng, np.zeros(d) + 0.01, 300, 1.0), 3)
    xs = np.concatenate([_cloud(rng, c, 6) for c in centres])
    labels = np.repeat([2, 1, 0], 6)  # cluster 0 → label 2, cluster 1 → 1, cluster 2 → 0
    groups = np.tile(np.repeat([1, 2], 3), 3)  # each interview codes every label
    return rng, centres, space, L.Evidence(xs, labels, groups, np.arange(18))


def test_model_learns_what_the_descriptions_miss_and_falls_back_below_min_examples() -> None:
    rng, centres, space, ev = _toy()
    new = _cloud(rng, centres[0], 10)
    assert (space.zd(new).argmax(1) == 0).all()  # zero-shot: the misleading description
    model = L.Model(space, ev)
    assert (model.scores(new).argmax(1) == 2).all()  # learned: what the researcher coded
    assert model.weight[2] == pytest.approx(6 / (6 + L.PRIOR_WEIGHT))
    # One example of label 2 is below MIN_EXAMPLES: it is suggested from its description.
    keep = np.r_[0, 6:18]
    one = L.Evidence(ev.vectors[keep], ev.labels[keep], ev.groups[keep], ev.units[keep])
    thin = L.Model(space, one)
    assert thin.weight[2] == 0.0
    np.testing.assert_allclose(thin.scores(new)[:, 2], space.zd(new)[:, 2])


def test_a_rejection_lowers_its_label_for_segments_like_it() -> None:
    rng, centres, space, ev = _toy()
    target = _cloud(rng, centres[1], 1)
    other = _cloud(rng, centres[2], 1)
    before = L.Model(space, ev)
    with_neg = L.Model(
        space,
        L.Evidence(ev.vectors, ev.labels, ev.groups, ev.units, target, np.array([1])),
    )
    drop_near = before.scores(target)[0, 1] - with_neg.scores(target)[0, 1]
    drop_far = before.scores(other)[0, 1] - with_neg.scores(other)[0, 1]
    assert drop_near > 0.5 and drop_near > 3 * max(drop_far, 0.0)
    # Other labels are untouched.
    np.testing.assert_allclose(before.scores(target)[0, [0, 2]], with_neg.scores(target)[0, [0, 2]])


def test_cross_validation_folds_calibration_curve_and_json() -> None:
    _, _, space, ev = _toy()
    out = L.cross_validate(space, ev, names=["a", "b", "c"], sizes=(4, 8, 100))
    assert out["folds_by"] == "interview" and out["folds"] == 2 and out["codings"] == 18
    assert out["learned"]["accuracy"] > out["zero_shot"]["accuracy"]
    assert out["only_learned"] >= 6 and out["p_zero_shot_better"] > 0.9
    assert [p["codings"] for p in out["curve"]] == [4, 8, 9]  # 100 > a training fold: left out
    assert out["curve"][-1]["all"] is True
    assert out["examples"] == {"a": 6, "b": 6, "c": 6} and out["fallback"] == []
    if out["target_reached"]:
        assert out["precision"] >= L.TARGET_PRECISION
    assert L.use_learned(out)
    json.dumps(out, allow_nan=False)  # NaN never reaches an event payload or a page
    one = L.Evidence(ev.vectors, ev.labels, np.ones(18, np.int64), ev.units)
    assert L.cross_validate(space, one, sizes=())["folds_by"] == "turn"


def test_threshold_sign_test_and_none_of_them() -> None:
    conf = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3])
    right = np.array([1, 1, 1, 1, 1, 0, 0], bool)
    cut = L.pick_threshold(conf, right, 0.85)
    assert (cut["threshold"], cut["coverage"], cut["reached"]) == (0.5, 5 / 7, True)
    assert not L.pick_threshold(conf, ~right, 0.85)["reached"]
    assert L.sign_test(3, 0) == pytest.approx(1 / 8) and L.sign_test(0, 0) == 1.0
    assert L.sign_test(0, 3) == 1.0
    s = np.array([[3.0, 0.0, 0.0], [-2.0, -2.5, -3.0]])
    p = L.probabilities(s, 0.5)
    assert p[0].max() > 0.9 and p[1].max() < 0.2  # far from every label: "none of them"
    assert p.sum(1).max() < 1.0


def test_codebook_levels_labels_and_subtrees(tmp_path: Path) -> None:
    (tmp_path / "cb.yaml").write_text(CODEBOOK, encoding="utf-8")
    codes = read_codebook(tmp_path / "cb.yaml")
    names = [c.name for c in codes]
    assert [names[i] for i in labels_at(codes, "theme")] == ["Samarbeid", "Nettverk"]
    assert [names[i] for i in labels_at(codes, "category")] == [
        "Rammer for samarbeid",
        "Eksternt samarbeid",
    ]
    assert len(labels_at(codes, "code")) == 4
    themes = label_map(codes, "theme")
    assert names[themes[names.index("Skoleeier")]] == "Nettverk"
    codes_only = label_map(codes, "code")
    assert names.index("Samarbeid") not in codes_only  # a theme has no label at code level
    assert [names[i] for i in subtree(codes, names.index("Nettverk"))] == [
        "Nettverk",
        "Eksternt samarbeid",
        "Regionalt nettverk",
        "Skoleeier",
    ]
    assert (
        codes[names.index("Fellestid")]
        .path_text()
        .startswith("Samarbeid › Rammer for samarbeid › Fellestid: ")
    )


# ---- a real study, the bundled model --------------------------------------------------------


def _cli(*args: str):
    from kvali.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_suggest_codes_learns_from_the_study_at_each_level(coded_study, tmp_path: Path) -> None:
    project, sid, _ = coded_study
    lines = [
        {"id": 1, "text": "Mandag ettermiddag er avsatt til at lærerne samarbeider."},
        {"id": "b", "text": "Naboskolene og vi har et nettverk som møtes hver måned."},
        {"id": 3, "text": "Kommunen har bestemt at alle skolene skal ha samme plan."},
        {"id": 4, "text": ""},
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    r = _cli("-p", project.path, "suggest-codes", "--jsonl", src, "--threshold", "-1")
    assert r.exit_code == 0, r.output
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, "b", 3, 4] and out[3]["suggestions"] == []
    assert [o["suggestions"][0]["code"] for o in out[:3]] == [
        "Fellestid",
        "Regionalt nettverk",
        "Skoleeier",
    ]
    for o in out[:3]:  # the JSONL shape of today, plus what each suggestion is based on
        assert {"code", "score", "basis"} == set(o["suggestions"][0])
        assert o["suggestions"][0]["basis"] == "examples" and 0 < o["suggestions"][0]["score"] < 1
    assert "learned from 16 codings" in r.stderr and "κ" in r.stderr
    # Themes: a theme's examples are the codings beneath it.
    r = _cli("-p", project.path, "suggest-codes", "--jsonl", src, "--level", "theme",
             "--threshold", "-1")  # fmt: skip
    themes = [json.loads(x)["suggestions"][0]["code"] for x in r.stdout.splitlines()[:3]]
    assert themes == ["Samarbeid", "Nettverk", "Nettverk"]
    # A threshold of 1 abstains everywhere (an empty list, never a missing line).
    r = _cli("-p", project.path, "suggest-codes", "--jsonl", src, "--threshold", "1")
    assert [json.loads(x)["suggestions"] for x in r.stdout.splitlines()] == [[]] * 4
    # With --codebook: zero-shot from that file, the shape of today.
    (tmp_path / "cb.yaml").write_text(CODEBOOK, encoding="utf-8")
    r = _cli("suggest-codes", "--codebook", tmp_path / "cb.yaml", "--jsonl", src,
             "--level", "category", "--threshold", "-1")  # fmt: skip
    cats = [json.loads(x)["suggestions"] for x in r.stdout.splitlines()]
    assert cats[0][0]["code"] == "Rammer for samarbeid" and set(cats[0][0]) == {"code", "score"}
    assert "learned" not in r.stderr


def test_suggest_codes_without_project_or_codebook_is_a_clear_error(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "text": "x y z"}\n', encoding="utf-8")
    r = _cli("-p", tmp_path / "nothing", "suggest-codes", "--jsonl", src)
    assert r.exit_code == 2 and "--codebook" in r.output and "--project" in r.output


def test_suggest_run_learned_retrains_and_forgets(coded_study) -> None:
    from kvali.codings.service import add_coding
    from kvali.semantic.review import list_suggestions, suggest_for_study
    from kvali.semantic.service import forget_transcripts
    from kvali.semantic.training import learned_dir, study_model
    from kvali.transcripts.service import get_turns

    project, sid, tids = coded_study

    def codings() -> int:
        with project.begin() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(t.codings)).scalar()

    with project.begin() as conn:
        out = suggest_for_study(
            conn, sid, project_path=project.path, interview="Intervju 2", level="theme",
            threshold=-1,
        )  # fmt: skip
        rows = list_suggestions(conn, sid)
    assert out["model"]["mode"] == "learned" and out["created"] >= 2
    assert {r["source"] for r in rows} == {"learned"} and codings() == 16  # suggested only
    assert {r["code"] for r in rows} <= {"Samarbeid", "Nettverk"}
    fellestid = next(r for r in rows if "fredag morgen" in r["quote"] and r["rank"] == 1)
    assert fellestid["code"] == "Samarbeid"
    ev = out["model"]["evaluation"]
    assert ev["codings"] == 16 and ev["folds_by"] == "turn" and ev["curve"]
    assert 0 <= ev["learned"]["accuracy"] <= 1 and ev["learned"]["kappa"] is not None
    # Cached: the same evaluation without cross-validating again; a new coding retrains.
    folder = learned_dir(project.path, _info())
    assert (folder / f"eval-{sid}-theme.json").exists() and (folder / "texts.npz").exists()
    with project.begin() as conn:
        turn = next(tu for tu in get_turns(conn, tids[1]) if "fredag" in tu["text"])
        add_coding(conn, sid, transcript_id=tids[1], code="Fellestid",
                   start=turn["start_char"], end=turn["end_char"])  # fmt: skip
        again = study_model(conn, sid, project_path=project.path, level="theme")
    assert again.evaluation["codings"] == 17 and again.learned
    # Below MIN_CODINGS: zero-shot from the codebook, saying why.
    with project.begin() as conn:
        zero = study_model(conn, sid, project_path=project.path, level="code", learn=False)
    assert zero.mode == "zero-shot" and zero.reason == "zero-shot asked for"
    # Withdrawal / replacement: the cached vectors of coded text go with the index vectors.
    forget_transcripts(project, [tids[0]])
    assert not any(folder.iterdir())


def _info():
    from kvali.semantic.models import load_embedder

    return load_embedder(None).info


def test_too_few_codings_fall_back_to_zero_shot(bilingual) -> None:
    from kvali.semantic.training import study_model

    project, sid, _, _ = bilingual
    with project.begin() as conn:
        m = study_model(conn, sid, project_path=project.path)
    assert m.mode == "zero-shot" and "learning needs 10" in m.reason
    assert m.summary()["evaluation"] is None and m.summary()["threshold_kind"] == "lead"


def test_an_open_blind_round_teaches_nothing(coded_study, tmp_path: Path) -> None:
    """Suggestions learned from a round before it opens would show one coder the other's codes:
    while Intervju 1 is blind, its codings are no examples; once it opens, they are."""
    from kvali.analysis.blind import mark_done, set_blind

    project, sid, tid = coded_study
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "text": "Vi samarbeider."}) + "\n", encoding="utf-8")
    with project.begin() as conn:
        set_blind(conn, sid, tid[0], coders=["Forsker A", "Forsker B"])
    r = _cli("-p", project.path, "suggest-codes", "--jsonl", src, "--threshold", "-1")
    assert r.exit_code == 0, r.output
    assert "learned from" not in r.stderr
    with project.begin() as conn:
        mark_done(conn, sid, tid[0], coder="Forsker A")
        mark_done(conn, sid, tid[0], coder="Forsker B")
    r = _cli("-p", project.path, "suggest-codes", "--jsonl", src, "--threshold", "-1")
    assert "learned from 16 codings" in r.stderr
