"""Build the quote check's NDT tables (src/kvali/quotes/data/{nn_nb,nb_nn,freq_nb}.tsv).

Reads the Norwegian Dependency Treebank as NorNE ships it (``../shared/norne/ndt/{nob,nno}``;
its linguistic annotations are CC0, see LICENSE_NDT.txt there) and pairs each Nynorsk word form
with the Bokmål form of the same lemma and the same morphological features (the Oslo-Bergen tags
both halves share: ``subst appell|mask|be|fl`` …), and the reverse. The lemma is the same in both
standards for most words (skole, lærar→lærer is a form difference, the lemma differs only in
spelling); where it is not, LEMMA_NN_NB below names it, else spelling correspondences
(kv→hv, -leg→-lig, ei→e, au→ø, …) are tried against the Bokmål lemmas of the treebank.
Only forms that the other standard's Hunspell dictionary does not accept are written (a form
both accept needs no rendering). Only word forms and counts leave the treebank, never text.

    python scripts/quotes_tables.py [NORNE_DIR]
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kvali.quotes.lexicon import DATA, hunspell_forms  # noqa: E402

# Nynorsk lemma → Bokmål lemma where the two are different words or spellings that the rules
# below cannot reach.
LEMMA_NN_NB = {
    "eg": "jeg",
    "ikkje": "ikke",
    "kva": "hva",
    "kven": "hvem",
    "korleis": "hvordan",
    "kvifor": "hvorfor",
    "kor": "hvor",
    "kvar": "hver",
    "vere": "være",
    "verte": "bli",
    "ho": "hun",
    "dei": "de",
    "me": "vi",
    "de": "dere",
    "noko": "noe",
    "nokon": "noen",
    "ingenting": "ingenting",
    "berre": "bare",
    "mykje": "mye",
    "òg": "også",
    "saman": "sammen",
    "frå": "fra",
    "då": "da",
    "no": "nå",
    "seie": "si",
    "gjere": "gjøre",
    "sjå": "se",
    "få": "få",
    "heile": "hel",
    "heil": "hel",
    "eigen": "egen",
    "fleire": "flere",
    "mange": "mange",
    "ulik": "ulik",
    "einig": "enig",
    "meir": "mer",
    "mest": "mest",
    "gong": "gang",
    "veke": "uke",
    "elev": "elev",
    "lærar": "lærer",
    "kvardag": "hverdag",
    "samfunn": "samfunn",
    "synast": "synes",
    "synes": "synes",
    "tykkje": "synes",
    "skilnad": "forskjell",
    "kjensle": "følelse",
    "røynsle": "erfaring",
    "spørsmål": "spørsmål",
    "medan": "mens",
    "sidan": "siden",
    "utan": "uten",
    "mellom": "mellom",
    "etter": "etter",
    "enno": "ennå",
    "aldri": "aldri",
    "alltid": "alltid",
    "kanskje": "kanskje",
    "nokre": "noen",
    "ein": "en",
    "eit": "et",
    "ei": "en",
    "sjølv": "selv",
    "sin": "sin",
    "deira": "deres",
    "hennar": "hennes",
    "hans": "hans",
    "vår": "vår",
    "dykkar": "deres",
    "oss": "oss",
    "dykk": "dere",
    "dokker": "dere",
    "seg": "seg",
    "til": "til",
    "å": "å",
    "kome": "komme",
    "ta": "ta",
    "leggje": "legge",
    "liggje": "ligge",
    "byrje": "begynne",
    "halde": "holde",
    "setje": "sette",
    "vite": "vite",
    "sjølvsagt": "selvsagt",
    "skule": "skole",
    "heim": "hjem",
    "heime": "hjemme",
    "spørje": "spørre",
    "eigentleg": "egentlig",
    "vanleg": "vanlig",
    "høve": "anledning",
    "dessutan": "dessuten",
}

# Nynorsk forms that are also everyday Bokmål words of their own: never flagged from the table
# (kvart: nn «hvert», nb «a quarter»: «kvart over to»).
HOMOGRAPHS = {"kvart", "vart", "kor", "dokker"}

# Spelling correspondences Nynorsk → Bokmål, tried in order on a lemma not in the Bokmål half.
RULES = [
    ("kv", "hv"),
    ("leg", "lig"),
    ("lege", "lige"),
    ("eig", "eg"),
    ("ei", "e"),
    ("au", "ø"),
    ("øy", "ø"),
    ("je", "e"),
    ("sjon", "sjon"),
    ("ar", "er"),
    ("a", "e"),
    ("mn", "vn"),
]


# The two halves' tags differ in spelling (eint/ent, bu/be) and in tags that say nothing about
# the form (<ikkje-clb>, samset …); a key keeps only the ones that choose the form.
_TAG = {"eint": "ent", "bu": "be"}
_DROP = {"samset", "unorm", "st-form", "sp", "fork", "_"}


def _feats(feats: str) -> str:
    tags = (_TAG.get(t, t) for t in feats.split("|"))
    return "|".join(sorted(t for t in tags if t not in _DROP and not t.startswith("<")))


def read(folder: Path):
    for path in sorted(folder.glob("*.conll")):
        for line in path.read_text(encoding="utf-8").splitlines():
            cols = line.split("\t")
            if len(cols) < 6 or not cols[0].isdigit():
                continue
            form, lemma, pos, feats = cols[1], cols[2].lower(), cols[3], cols[5]
            if pos in {"clb", "<anf>", "ukjent"} or "prop" in feats or not form.isalpha():
                continue
            yield form.lower(), lemma, pos, _feats(feats)


def candidates(lemma: str, nb_lemmas: set[str]) -> list[str]:
    if lemma in LEMMA_NN_NB:
        return [LEMMA_NN_NB[lemma]]
    if lemma in nb_lemmas:
        return [lemma]
    out = []
    for a, b in RULES:
        if a in lemma:
            cand = lemma.replace(a, b)
            if cand in nb_lemmas:
                out.append(cand)
    return out


_LOOSE = {"hum", "ikke-hum", "ikkje-hum", "m/f", "fem", "mask", "nøyt"}


def _lookup(dst_by_key, dst_by_lemma, lemma: str, pos: str, feats: str):
    """(forms, exact): the other half's forms of this lemma with the same tags, else with the
    same tags but gender and animacy, else the lemma's only form."""
    forms = dst_by_key.get((lemma, pos, feats))
    if forms:
        return forms, True
    loose = "|".join(t for t in feats.split("|") if t not in _LOOSE)
    forms = dst_by_key.get((lemma, pos, "~" + loose))
    if forms:
        return forms, False
    only = dst_by_lemma.get((lemma, pos))
    return (only, False) if only and len(only) == 1 else (None, False)


def pair(src, dst_by_key, dst_by_lemma, dst_lemmas, dst_words, lemma_map_fn):
    out: dict[str, Counter] = defaultdict(Counter)
    exact: set[str] = set()  # paired on the exact tags
    for form, lemma, pos, feats in src:
        for cand in lemma_map_fn(lemma, dst_lemmas):
            forms, is_exact = _lookup(dst_by_key, dst_by_lemma, cand, pos, feats)
            if forms:
                out[form][forms.most_common(1)[0][0]] += 1
                if is_exact:
                    exact.add(form)
                break
    return out, exact


def main() -> None:
    found = [p / "shared" / "norne" for p in ROOT.parents if (p / "shared" / "norne").is_dir()]
    norne = Path(sys.argv[1]) if len(sys.argv) > 1 else found[0]
    nob, nno = list(read(norne / "ndt" / "nob")), list(read(norne / "ndt" / "nno"))
    by_key: dict[str, dict] = {"nb": defaultdict(Counter), "nn": defaultdict(Counter)}
    lemmas: dict[str, set[str]] = {"nb": set(), "nn": set()}
    by_lemma: dict[str, dict] = {"nb": defaultdict(Counter), "nn": defaultdict(Counter)}
    for std, rows in (("nb", nob), ("nn", nno)):
        for form, lemma, pos, feats in rows:
            by_key[std][(lemma, pos, feats)][form] += 1
            loose = "|".join(t for t in feats.split("|") if t not in _LOOSE)
            by_key[std][(lemma, pos, "~" + loose)][form] += 1
            by_lemma[std][(lemma, pos)][form] += 1
            lemmas[std].add(lemma)
    nb_words, _ = hunspell_forms("nb")
    nn_words, _ = hunspell_forms("nn")
    nb_nn_lemma = {v: k for k, v in reversed(list(LEMMA_NN_NB.items()))}

    def to_nn(lemma: str, nn_lemmas: set[str]) -> list[str]:
        if lemma in nb_nn_lemma:
            return [nb_nn_lemma[lemma]]
        if lemma in nn_lemmas:
            return [lemma]
        return [c for a, b in RULES if b in lemma and (c := lemma.replace(b, a)) in nn_lemmas]

    freq = {"nb": Counter(f for f, *_ in nob), "nn": Counter(f for f, *_ in nno)}

    def keep(form: str, c: Counter, std: str, words, other: str, exact: set[str]) -> bool:
        """A form this standard does not write (its dictionary rejects it and its half of the
        treebank never has it), or one its dictionary accepts although its half never writes
        it while the other half does, often, paired on the exact tags with a form that is not
        the same word with an ending more (kjem → kommer, betre → bedre; not fagmiljø →
        fagmiljøer, opplegg → opplegget: there the form is Bokmål too, of another number)."""
        best, n = c.most_common(1)[0]
        if best == form or best not in words or freq[std][form] >= 3 or form in HOMOGRAPHS:
            return False
        return form not in words or (
            freq[std][form] == 0
            and freq[other][form] >= 5
            and form in exact
            and not best.startswith(form)
        )

    nn_nb, nn_exact = pair(nno, by_key["nb"], by_lemma["nb"], lemmas["nb"], nb_words, candidates)
    nb_nn, nb_exact = pair(nob, by_key["nn"], by_lemma["nn"], lemmas["nn"], nn_words, to_nn)
    tables = {
        "nn_nb.tsv": {f: c for f, c in nn_nb.items() if keep(f, c, "nb", nb_words, "nn", nn_exact)},
        "nb_nn.tsv": {f: c for f, c in nb_nn.items() if keep(f, c, "nn", nn_words, "nb", nb_exact)},
    }
    for name, table in tables.items():
        with (DATA / name).open("w", encoding="utf-8") as fh:
            fh.write(
                "# built by scripts/quotes_tables.py from NDT (CC0 annotations)\nform\tstandard\tcount\n"
            )
            for form in sorted(table):
                best, n = table[form].most_common(1)[0]
                fh.write(f"{form}\t{best}\t{n}\n")
        print(name, len(table))
    for std in ("nb", "nn"):
        with (DATA / f"freq_{std}.tsv").open("w", encoding="utf-8") as fh:
            fh.write(f"# word frequencies in NDT ({std}), forms seen at least twice\nform\tcount\n")
            for form, n in sorted(freq[std].items(), key=lambda kv: (-kv[1], kv[0])):
                if n >= 2:
                    fh.write(f"{form}\t{n}\n")
        print(f"freq_{std}.tsv", sum(1 for n in freq[std].values() if n >= 2))
    # Present-tense verb forms of the Bokmål half (the check's apocope rule: «vi prøve»).
    pres = Counter(f for f, _lemma, pos, feats in nob if pos == "verb" and feats == "pres")
    with (DATA / "pres_nb.tsv").open("w", encoding="utf-8") as fh:
        fh.write("# present-tense verb forms in NDT (nob)\nform\tcount\n")
        for form, n in sorted(pres.items()):
            fh.write(f"{form}\t{n}\n")
    print("pres_nb.tsv", len(pres))
    # Past-tense and participle forms (never the present tense's missing -r: «han slapp»).
    past = Counter(
        f for f, _lemma, pos, feats in nob if pos == "verb" and feats in ("pret", "perf-part")
    )
    infinitive = {f for f, _lemma, pos, feats in nob if pos == "verb" and feats == "inf"}
    with (DATA / "past_nb.tsv").open("w", encoding="utf-8") as fh:
        fh.write(
            "# past-tense and participle verb forms in NDT (nob), never infinitives\nform\tcount\n"
        )
        for form, n in sorted(past.items()):
            if form not in infinitive:
                fh.write(f"{form}\t{n}\n")


if __name__ == "__main__":
    main()
