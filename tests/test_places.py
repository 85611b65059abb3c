"""Cities and places: they name their country as a place (visits, attacks, where people are),
never as an actor; invented sentences."""

from __future__ import annotations

import pytest

from kg.gazetteer import load_gazetteer
from kg.nlp import load_pipeline


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def triples(nlp, text: str) -> set[tuple[str, str, str]]:
    return {(r.subject.label, r.predicate, r.object.label) for r in nlp(text)._.relations}


def test_cities_are_places_of_their_country():
    gaz = load_gazetteer()
    assert gaz.match("Istanbul").entry.key == "Turkey"
    assert gaz.match("Istanbul").form == "city"
    assert gaz.match("Kharkov").entry.key == "Ukraine"  # an English spelling
    assert gaz.match("nice") is None and gaz.match("split") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kenyan President William Ruto travelled to Istanbul on Thursday.", "Turkey"),
        ("French President Emmanuel Macron arrived in Shanghai on Wednesday.", "China"),
        ("Indian Prime Minister Narendra Modi attended the summit in Samarkand.", "Uzbekistan"),
        ("Japanese Prime Minister Shigeru Ishiba spoke in Osaka on Monday.", None),
    ],
)
def test_visits_to_cities(nlp, text, expected):
    visits = {o for _, p, o in triples(nlp, text) if p == "visits"}
    assert visits == ({expected} if expected else set())


def test_attacks_on_cities_and_cities_as_no_actors(nlp):
    assert ("Russia", "attacks", "Ukraine") in triples(nlp, "Russia shelled Kharkiv overnight.")
    got = triples(nlp, "Istanbul welcomed Ankara's decision.")
    assert not any(s == "Turkey" and p == "praises" for s, p, _ in got)


def test_a_place_inside_a_name_is_no_place(nlp):
    doc = nlp("Portuguese Prime Minister Luis Montenegro met officials in Lisbon.")
    persons = {lk.entities[0].label for lk in doc._.links.links if lk.form == "person"}
    assert "Luís Montenegro" in persons  # the actor dictionary's spelling
