"""The ontology file: well-formed, complete, aligned with CAMEO/PLOVER, in sync with kg.vocab."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import DCTERMS, OWL, PROV, RDF, RDFS, Graph, Literal, URIRef

from kg.paths import data_file
from kg.vocab import GEO, ONTOLOGY, RELATIONS, SCHEMA, SYMMETRIC, bind_prefixes

EXPECTED_RELATIONS = (
    "memberOf", "leaderOf", "officialOf", "allyOf", "partnerOf", "visits", "meetsWith",
    "cooperatesWith", "agreesWith", "supports", "suppliesWeaponsTo", "urges", "praises",
    "criticizes", "condemns", "warns", "accuses", "threatens", "rejects", "sanctions", "invades",
    "attacks",
)  # fmt: skip
EXPECTED_SYMMETRIC = {"allyOf", "partnerOf", "meetsWith", "cooperatesWith", "agreesWith"}
STRUCTURAL = {"memberOf", "leaderOf", "officialOf"}
PLOVER_EVENTS = {
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
    "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
}  # fmt: skip
QUADS = {
    GEO.VerbalCooperation: 1,
    GEO.MaterialCooperation: 2,
    GEO.VerbalConflict: 3,
    GEO.MaterialConflict: 4,
}
NS = str(GEO._NS)


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(data_file("geokg.ttl"), format="turtle")


def defined_terms(graph: Graph) -> set[URIRef]:
    """geo: terms the ontology declares (gives a type to)."""
    return {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef) and s.startswith(NS)}


def cameo_quad(code: str) -> int:
    """CAMEO's quad class of a code, from its two-digit root (see event-ontologies.md)."""
    root = int(code[:2])
    return 1 if root <= 5 else 2 if root <= 9 else 3 if root <= 14 else 4


def test_ontology_header(onto: Graph) -> None:
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in onto
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.license, OWL.versionInfo):
        assert onto.value(ONTOLOGY, prop) is not None, prop


def test_relation_properties_are_exactly_the_22(onto: Graph) -> None:
    subs = {s for s in onto.subjects(RDFS.subPropertyOf, GEO.relation)}
    assert {str(s).removeprefix(NS) for s in subs} == set(EXPECTED_RELATIONS)
    assert tuple(RELATIONS) == EXPECTED_RELATIONS
    for name in RELATIONS:
        assert (GEO[name], RDF.type, OWL.ObjectProperty) in onto


@pytest.mark.parametrize("name", EXPECTED_RELATIONS)
def test_relation_annotations(onto: Graph, name: str) -> None:
    prop = GEO[name]
    for required in (RDFS.label, RDFS.comment, RDFS.domain, RDFS.range, RDFS.isDefinedBy):
        assert onto.value(prop, required) is not None, f"{name} lacks {required}"
    coding = (GEO.ploverEvent, GEO.cameoCode, GEO.quadClass, GEO.goldsteinScore, GEO.ploverScore)
    if name in STRUCTURAL:
        # Standing facts, not events: flagged, and no event coding.
        assert onto.value(prop, GEO.structural) == Literal(True)
        assert all(onto.value(prop, p) is None for p in coding)
        return
    assert onto.value(prop, GEO.structural) is None
    plover = str(onto.value(prop, GEO.ploverEvent))
    assert plover in PLOVER_EVENTS
    code = str(onto.value(prop, GEO.cameoCode))
    assert code.isdigit() and 2 <= len(code) <= 4 and 1 <= int(code[:2]) <= 20
    quad = onto.value(prop, GEO.quadClass)
    assert QUADS[quad] == cameo_quad(code), "quadClass follows CAMEO's quad of the code"
    for score in (GEO.goldsteinScore, GEO.ploverScore):
        value = onto.value(prop, score).toPython()
        assert isinstance(value, Decimal) and -10 <= value <= 10


def test_chosen_codes(onto: Graph) -> None:
    """Spot checks of the expert mapping (reference: event-ontologies.md)."""
    expect = {
        "visits": ("CONSULT", "042", "1.9"),
        "meetsWith": ("CONSULT", "04", "1.0"),
        "urges": ("REQUEST", "02", "3.0"),
        "praises": ("SUPPORT", "051", "3.4"),
        "sanctions": ("SANCTION", "163", "-8.0"),
        "accuses": ("ACCUSE", "112", "-2.0"),
        "invades": ("ASSAULT", "19", "-10.0"),
    }
    for name, (plover, code, goldstein) in expect.items():
        prop = GEO[name]
        assert str(onto.value(prop, GEO.ploverEvent)) == plover
        assert str(onto.value(prop, GEO.cameoCode)) == code
        assert onto.value(prop, GEO.goldsteinScore).toPython() == Decimal(goldstein)
    # CAMEO 02 "appeal" is verbal cooperation even though PLOVER files REQUEST as conflict.
    assert onto.value(GEO.urges, GEO.quadClass) == GEO.VerbalCooperation


def test_symmetric_properties(onto: Graph) -> None:
    marked = {str(s).removeprefix(NS) for s in onto.subjects(RDF.type, OWL.SymmetricProperty)}
    assert marked == EXPECTED_SYMMETRIC == SYMMETRIC
    for name in marked:  # a symmetric property needs the same class at both ends
        assert onto.value(GEO[name], RDFS.domain) == onto.value(GEO[name], RDFS.range)


def test_target_covers_actors_and_events(onto: Graph) -> None:
    assert (GEO.Actor, RDFS.subClassOf, GEO.Target) in onto
    assert (GEO.Event, RDFS.subClassOf, GEO.Target) in onto
    for name in ("condemns", "criticizes", "praises", "accuses", "rejects", "supports", "warns"):
        assert onto.value(GEO[name], RDFS.range) == GEO.Target


def test_class_hierarchy(onto: Graph) -> None:
    pairs = [
        (GEO.Country, GEO.Actor),
        (GEO.Organization, GEO.Actor),
        (GEO.Person, GEO.Actor),
        (GEO.IntergovernmentalOrganization, GEO.Organization),
        (GEO.ArmedGroup, GEO.Organization),
        (GEO.Visit, GEO.Event),
        (GEO.Meeting, GEO.Event),
        (GEO.Article, SCHEMA.NewsArticle),
        (GEO.Article, PROV.Entity),
        (GEO.Evidence, RDF.Statement),
        (GEO.Evidence, PROV.Entity),
    ]
    for sub, sup in pairs:
        assert (sub, RDFS.subClassOf, sup) in onto, (sub, sup)
    assert (GEO.article, RDFS.subPropertyOf, PROV.wasDerivedFrom) in onto


def test_quad_class_individuals(onto: Graph) -> None:
    for individual, number in QUADS.items():
        assert (individual, RDF.type, GEO.QuadClass) in onto
        assert onto.value(individual, GEO.quadNumber).toPython() == number
        assert onto.value(individual, RDFS.label) is not None


def test_every_term_is_documented(onto: Graph) -> None:
    for term in defined_terms(onto):
        for prop in (RDFS.label, RDFS.comment):
            assert onto.value(term, prop) is not None, f"{term} lacks {prop}"
        assert onto.value(term, RDFS.isDefinedBy) == ONTOLOGY, term


def test_vocab_matches_ontology(onto: Graph) -> None:
    in_python = {GEO[name] for name in GEO.__annotations__}
    assert in_python == defined_terms(onto)


def test_bind_prefixes_overrides_geosparql() -> None:
    graph = bind_prefixes(Graph())
    bound = {prefix: str(ns) for prefix, ns in graph.namespaces()}
    assert bound["geo"] == NS
    assert bound["ent"] == "https://w3id.org/geokg/id/"
    assert bound["schema"] == "https://schema.org/"
    for prefix in ("art", "evid", "rdfs", "rdf", "owl", "skos", "prov", "dcterms", "xsd"):
        assert prefix in bound


def test_unknown_term_fails() -> None:
    with pytest.raises(AttributeError):
        _ = GEO.urge  # DefinedNamespace catches typos
