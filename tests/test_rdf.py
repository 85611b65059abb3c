"""The graph built from the seed articles: vocabulary, evidence, entities, determinism."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import PROV, RDF, RDFS, SKOS, Graph, Literal, URIRef

from kg.build import build
from kg.paths import data_file
from kg.vocab import ACTOR_DICTIONARY, ENT, GEO, RELATIONS

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def result():
    return build([str(SEEDS)])


@pytest.fixture(scope="module")
def graph(result) -> Graph:
    return result.graph


def label(graph: Graph, node) -> str:
    return str(graph.value(node, RDFS.label))


def test_every_geo_term_is_defined_in_the_ontology(graph):
    ontology = Graph().parse(data_file("geokg.ttl"))
    defined = {s for s in ontology.subjects() if str(s).startswith(str(GEO._NS))}
    used = {
        term
        for triple in graph
        for term in triple
        if isinstance(term, URIRef) and str(term).startswith(str(GEO._NS))
    }
    assert used, "the graph uses no geo: terms"
    assert used <= defined, f"undefined terms: {sorted(used - defined)}"


def test_turtle_parses_back_to_the_same_graph(graph):
    data = graph.serialize(format="turtle")
    again = Graph().parse(data=data, format="turtle")
    assert len(again) == len(graph)


def test_every_relation_has_evidence_with_sentence_and_article(graph, result):
    bodies = {a.id: a.body for a in result.articles}
    relations = [
        (s, p, o) for name in RELATIONS for s, p, o in graph.triples((None, GEO[name], None))
    ]
    assert len(relations) > 20
    for s, p, o in relations:
        support = [
            ev
            for ev in graph.subjects(RDF.subject, s)
            if (ev, RDF.predicate, p) in graph and (ev, RDF.object, o) in graph
        ]
        # a role the actor dictionary adds (a background fact) has no sentence: it says so
        background = [ev for ev in support if (ev, RDF.type, GEO.BackgroundFact) in graph]
        for ev in background:
            assert (ev, PROV.wasDerivedFrom, ACTOR_DICTIONARY) in graph
            assert (ev, GEO.sentence, None) not in graph
        evidence = [ev for ev in support if ev not in background]
        assert evidence or background, f"no evidence for {s} {p} {o}"
        for ev in evidence:
            assert (ev, RDF.type, GEO.Evidence) in graph
            sentence = str(graph.value(ev, GEO.sentence))
            article = graph.value(ev, GEO.article)
            start = int(graph.value(ev, GEO.charStart))
            end = int(graph.value(ev, GEO.charEnd))
            doc_id = str(article).rsplit("/", 1)[-1]
            assert bodies[doc_id][start:end] == sentence
            assert str(graph.value(ev, GEO.modality)) in (
                "asserted",
                "planned",
                "reported",
                "hypothetical",
            )
            assert 0 < float(graph.value(ev, GEO.confidence)) <= 1
            assert str(graph.value(ev, GEO.rule))


def test_same_relation_in_several_sentences_is_one_triple(graph):
    s, p, o = ENT.Jens_Stoltenberg, GEO.urges, ENT.South_Korea
    assert (s, p, o) in graph
    evidence = [
        ev
        for ev in graph.subjects(RDF.subject, s)
        if (ev, RDF.predicate, p) in graph and (ev, RDF.object, o) in graph
    ]
    articles = {graph.value(ev, GEO.article) for ev in evidence}
    assert len(evidence) >= 3 and len(articles) >= 3


def test_entities_have_one_label_and_their_surface_forms(graph):
    for node in set(graph.subjects(RDF.type, None)):
        if str(node).startswith(str(ENT)):
            assert len(list(graph.objects(node, RDFS.label))) == 1, node
    assert label(graph, ENT.South_Korea) == "South Korea"
    alts = {str(a) for a in graph.objects(ENT.South_Korea, SKOS.altLabel)}
    assert "Seoul" in alts  # used as the government: "called for Seoul to provide"
    assert "Stoltenberg" in {str(a) for a in graph.objects(ENT.Jens_Stoltenberg, SKOS.altLabel)}
    assert (ENT.Japan, GEO.isoCode, Literal("JP")) in graph
    assert (ENT.Japan, RDF.type, GEO.Country) in graph
    assert (ENT.NATO, RDF.type, GEO.IntergovernmentalOrganization) in graph
    assert (ENT.Jens_Stoltenberg, RDF.type, GEO.Person) in graph


def test_one_node_per_person_across_spellings(graph):
    yoon = [n for n in graph.subjects(RDF.type, GEO.Person) if "Yoon" in label(graph, n)]
    assert len(yoon) == 1
    assert label(graph, yoon[0]) in ("Yoon Suk-yeol", "Yoon Suk Yeol")
    kishida = [n for n in graph.subjects(RDF.type, GEO.Person) if "Kishida" in label(graph, n)]
    assert [label(graph, n) for n in kishida] == ["Fumio Kishida"]


def test_articles_carry_metadata(graph):
    art = next(
        a for a in graph.subjects(RDF.type, GEO.Article) if str(a).endswith("002_4a7e21c7fb5ed67b")
    )
    from rdflib import DCTERMS

    assert str(graph.value(art, DCTERMS.date)) == "2023-01-31"
    assert str(graph.value(art, DCTERMS.publisher)) == "AFP"
    assert "firm" in str(graph.value(art, DCTERMS.title))


def test_visit_event_node(graph):
    visits = list(graph.subjects(RDF.type, GEO.Visit))
    assert visits
    visit = visits[0]
    assert graph.value(visit, GEO.agent) == ENT.Jens_Stoltenberg
    assert {ENT.South_Korea, ENT.Japan} <= set(graph.objects(visit, GEO.destination))
    assert (ENT.North_Korea, GEO.condemns, visit) in graph


def test_negated_reading_is_absent(graph):
    """Seed 002: "He said China was not our adversary"; "in line with NATO member guidelines"."""
    hostile = (GEO.threatens, GEO.attacks, GEO.criticizes, GEO.condemns, GEO.accuses)
    for ev in graph.subjects(RDF.subject, ENT.China):
        if str(graph.value(ev, GEO.article)).endswith("002_4a7e21c7fb5ed67b"):
            assert not (
                graph.value(ev, RDF.object) == ENT.NATO
                and graph.value(ev, RDF.predicate) in hostile
            ), graph.value(ev, GEO.sentence)
    assert (ENT.Japan, GEO.memberOf, ENT.NATO) not in graph


def test_build_is_deterministic(graph):
    again = build([str(SEEDS)]).graph
    assert graph.serialize(format="nt") == again.serialize(format="nt") or set(graph) == set(again)
    assert graph.serialize(format="turtle") == again.serialize(format="turtle")
