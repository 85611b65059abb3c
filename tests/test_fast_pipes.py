"""kg.fast_pipes: the fast attribute ruler and lemmatizer set exactly what spaCy's own ones set."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.nlp import load_base_model

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

# Text that reaches the model's rarer patterns: multi-token ones ("ai n't", "gon na"),
# whitespace tokens, and word-specific lemma and morphology rules.
_TRICKY = (
    "It ain't over, and they're gonna say so.  \n\n We'd've gone; she hasn't. Y'all can't "
    "wait!\tThe U.S. isn't   Cannot. His, hers, its, theirs: whom? 'Tis so. Don't."
)


@pytest.fixture(scope="module")
def models():
    return load_base_model(), load_base_model(fast=True)


def _attributes(doc):
    return [(t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i) for t in doc]


def test_the_fast_pipes_replace_the_stock_ones(models):
    stock, fast = models
    assert fast.pipe_names == stock.pipe_names
    assert type(fast.get_pipe("attribute_ruler")).__name__ == "FastAttributeRuler"
    assert type(fast.get_pipe("lemmatizer")).__name__ == "FastLemmatizer"
    assert type(stock.get_pipe("lemmatizer")).__name__ == "EnglishLemmatizer"
    assert fast.get_pipe("attribute_ruler").patterns == stock.get_pipe("attribute_ruler").patterns


def test_same_token_attributes_as_spacy_on_the_seeds(models):
    stock, fast = models
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.iterdir()) if p.is_file()]
    texts.append(_TRICKY)
    compared = 0
    for a, b in zip(stock.pipe(texts), fast.pipe(texts), strict=True):
        assert _attributes(a) == _attributes(b)
        compared += len(a)
    assert compared > 5000


def test_multi_token_patterns_still_apply(models):
    stock, fast = models
    doc = fast("They ain't gonna stop.")
    assert [t.lemma_ for t in doc][1:5] == ["be", "not", "go", "to"]
    assert _attributes(doc) == _attributes(stock("They ain't gonna stop."))


def test_patterns_added_later_take_effect(models):
    _, fast = models
    ruler = fast.get_pipe("attribute_ruler")
    before = fast("Kyiv thanks Warsaw.")[0].lemma_
    ruler.add([[{"LOWER": "kyiv"}]], {"LEMMA": "KYIV-CITY"})
    try:
        assert before != "KYIV-CITY"
        assert fast("Kyiv thanks Warsaw.")[0].lemma_ == "KYIV-CITY"
    finally:
        # leave the shared fixture as it was: a fresh ruler with the stock patterns
        fast.replace_pipe("attribute_ruler", "geokg_attribute_ruler").add_patterns(
            models[0].get_pipe("attribute_ruler").patterns
        )
