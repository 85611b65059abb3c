"""The relation lexicon: well formed, at CAMEO breadth, and every row's example sentence yields
the row's relation through the real pipeline (so a row that cannot fire is caught)."""

from __future__ import annotations

from collections import Counter

import pytest

from kg.extract.lexicon import OPTIONS, load_lexicon, parse_trigger
from kg.extract.relations import trigger_relations
from kg.nlp import load_pipeline
from kg.vocab import RELATIONS

TRANSFER = {"suppliesWeaponsTo", "supports"}


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon()


@pytest.fixture(scope="module")
def fired(lexicon):
    """For every trigger, the relations it reads in its own example sentence."""
    nlp = load_pipeline()
    triggers = list(lexicon)
    out = {}
    for trig, doc in zip(triggers, nlp.pipe(t.example for t in triggers), strict=True):
        out[trig] = {r.predicate for r in trigger_relations(doc, trig)}
    return out


def test_lexicon_is_broad(lexicon):
    assert len(lexicon) >= 600
    by_relation = Counter(t.relation for t in lexicon)
    by_relation["suppliesWeaponsTo"] += by_relation["transfer"]
    for relation in set(RELATIONS) - {"leaderOf", "officialOf"}:
        assert by_relation[relation] >= 3, relation
    assert sum(1 for t in lexicon if t.words) >= 60  # phrasal verbs and multi-word nouns


def test_rows_are_well_formed(lexicon):
    for trig in lexicon:
        assert trig.relation in {*RELATIONS, "transfer"}, trig
        assert trig.objects, trig
        assert trig.example, f"{trig.name} has no example"
        assert trig.options <= OPTIONS
        assert 0 < trig.confidence <= 1


def test_every_example_yields_its_relation(lexicon, fired):
    failing = []
    for trig in lexicon:
        want = TRANSFER if trig.relation == "transfer" else {trig.relation}
        if not fired[trig] & want:
            failing.append(f"{trig.name}: {trig.example!r}")
    assert not failing, f"{len(failing)} examples do not yield their relation:\n" + "\n".join(
        failing
    )


def test_malformed_rows_are_refused():
    with pytest.raises(ValueError):
        parse_trigger(["condemn", "ADVERB", "condemns", "dobj", "", "0.9", "x"])
    with pytest.raises(ValueError):
        parse_trigger(["condemn", "VERB", "condemns", "dobj", "", "0.9", "x", "sideways"])
