"""kg.reparse: sentences the model misread (a name as a verb, a possessive as a quote) are
parsed again with stand-ins."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.build import read_articles
from kg.nlp import load_pipeline, make_doc

ARTICLE = (
    Path(__file__).resolve().parent.parent
    / "benchmarks/gold/news-extra/articles/d08_sahel_juntas_quit_ecowas.txt"
)


@pytest.fixture(scope="module")
def article():
    (art,) = read_articles([str(ARTICLE)], [])
    return art


def _first_sentence(doc):
    return next(iter(doc.sents))


def test_in_context_the_model_reads_the_name_as_a_verb(article):
    nlp = load_pipeline()
    with nlp.select_pipes(disable=["geokg_reparse"]):
        doc = nlp(make_doc(nlp, article))
    ecowas = [t for t in _first_sentence(doc) if t.text == "ECOWAS"]
    assert ecowas and ecowas[0].pos_ == "VERB"  # what the repair is for


def test_the_sentence_is_parsed_again_with_the_name_as_a_noun(article):
    nlp = load_pipeline()
    doc = nlp(make_doc(nlp, article))
    sent = _first_sentence(doc)
    (ecowas,) = [t for t in sent if t.text == "ECOWAS"]
    assert ecowas.pos_ == "PROPN" and ecowas.lemma_ == "ECOWAS"
    assert ecowas.ent_type_ == "ORG"  # entities survive the new parse
    withdrawal = next(t for t in sent if t.text == "withdrawal")
    assert withdrawal.dep_ == "dobj" and withdrawal.head.lemma_ == "announce"
    found = {(r.subject.label, r.predicate, r.object.label) for r in doc._.relations}
    for country in ("Burkina Faso", "Mali", "Niger"):
        assert (country, "rejects", "ECOWAS") in found


def test_sentences_read_well_are_left_alone():
    nlp = load_pipeline()
    text = "NATO urged Japan to do more. Japan thanked NATO."
    with nlp.select_pipes(disable=["geokg_reparse"]):
        plain = nlp(text)
    again = nlp(text)
    def parse(doc):
        return [(t.dep_, t.head.i, t.tag_) for t in doc]

    assert parse(plain) == parse(again)


def test_a_typographic_apostrophe_after_a_name_is_a_possessive():
    nlp = load_pipeline()
    text = "Russia, Belarus’ main international sponsor, denied the claims."
    with nlp.select_pipes(disable=["geokg_reparse"]):
        assert nlp(text)[3].tag_ == "''"  # read as a closing quote
    doc = nlp(text)
    assert doc[3].text == "’" and doc[3].tag_ == "POS"  # the text is kept, the reading fixed
    found = {(r.subject.label, r.predicate, r.object.label) for r in doc._.relations}
    assert ("Russia", "supports", "Belarus") in found


def test_a_closing_quote_after_a_name_stays_a_quote():
    nlp = load_pipeline()
    doc = nlp("He called it ‘a loss for the Philippines’ and left.")
    (quote,) = [t for t in doc if t.text == "’"]
    assert quote.tag_ != "POS"
