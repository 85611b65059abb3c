"""Entity linking and coreference inside an article."""

from __future__ import annotations

import pytest

from kg.linking import person_key, slug
from kg.nlp import load_pipeline


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def links(nlp, text: str) -> dict[str, tuple[str, ...]]:
    """surface text -> labels of the linked entities, for every link in the doc."""
    doc = nlp(text)
    return {
        doc[lk.start : lk.end].text: tuple(e.label for e in lk.entities) for lk in doc._.links.links
    }


def test_pipeline_components_are_registered_by_name(nlp):
    assert nlp.pipe_names[-5:] == [
        "ner", "geokg_reparse", "geokg_people", "geokg_linker", "geokg_relations"
    ]  # fmt: skip
    assert nlp.pipe_names.index("geokg_gazetteer") < nlp.pipe_names.index("ner")
    from spacy.language import Language

    for name in ("geokg_attribute_ruler", "geokg_lemmatizer", "geokg_reparse"):
        assert Language.has_factory(name)
    names = {name: type(pipe).__name__ for name, pipe in nlp.pipeline}
    assert names["attribute_ruler"] == "FastAttributeRuler"
    assert names["lemmatizer"] == "FastLemmatizer"


def test_slugs_and_person_keys():
    assert slug("South Korea") == "South_Korea"
    assert person_key("Yoon Suk-yeol") == person_key("Yoon Suk Yeol") == "Yoon_Suk_Yeol"


def test_gazetteer_forms(nlp):
    got = links(nlp, "The U.S. and S.Korea met the DPRK; the Kremlin and Seoul replied.")
    assert got["U.S."] == ("United States",)
    assert got.get("the Kremlin", got.get("Kremlin")) == ("Russia",)
    assert got["Seoul"] == ("South Korea",)


def test_surname_joins_the_full_name_whatever_ner_says(nlp):
    text = (
        "NATO Secretary-General Jens Stoltenberg arrived on Sunday. Stoltenberg met officials. "
        "Japanese Prime Minister Fumio Kishida spoke later, and Kishida left."
    )
    got = links(nlp, text)
    assert got["Stoltenberg"] == ("Jens Stoltenberg",)
    assert got["Kishida"] == ("Fumio Kishida",)


def test_title_makes_a_person(nlp):
    # "Halvorsen" is nobody the actor dictionary knows: the apposed title makes it a person
    text = "Halvorsen, secretary general of the alliance, spoke."
    assert links(nlp, text)["Halvorsen"] == ("Halvorsen",)


def test_the_actor_dictionary_names_a_lone_surname(nlp):
    # no full name in the text: the dictionary's one Stoltenberg in office
    text = "Stoltenberg, secretary general of the alliance, spoke."
    assert links(nlp, text)["Stoltenberg"] == ("Jens Stoltenberg",)


def test_pronouns_and_definite_descriptions(nlp):
    text = (
        "NATO Secretary-General Jens Stoltenberg is visiting Japan. He has called for stronger "
        "ties with the country. The alliance wants partners, the secretary general said."
    )
    doc = nlp(text)
    by_text = {doc[lk.start : lk.end].text.lower(): lk for lk in doc._.links.links}
    assert by_text["he"].entities[0].label == "Jens Stoltenberg"
    assert by_text["country"].entities[0].label == "Japan"
    assert by_text["alliance"].entities[0].label == "NATO"
    assert by_text["secretary general"].entities[0].label == "Jens Stoltenberg"


def test_the_pair_is_the_last_two_people(nlp):
    text = (
        "Jens Stoltenberg arrived. He spoke alongside Japan's Prime Minister Fumio Kishida after "
        "the pair held talks."
    )
    doc = nlp(text)
    pair = next(lk for lk in doc._.links.links if doc[lk.start : lk.end].text == "pair")
    assert {e.label for e in pair.entities} == {"Jens Stoltenberg", "Fumio Kishida"}


def test_news_agency_is_not_an_actor(nlp):
    got = links(nlp, "Stoltenberg told Yonhap News agency in an interview that Reuters said so.")
    assert "Reuters" not in got and "Yonhap" not in got
