"""Relation summaries (kg.summary): written with the evidence, kept exact by every store write.

The oracle is a recount: ``expected_summaries(graph)`` counts the evidence nodes of the graph
again, and ``stored_summaries(graph)`` reads the summary nodes it holds. Every way of building
(one file build, a store in batches, incremental runs, replaced articles, renamed entities,
an upgraded old store) must leave the two equal.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import DCTERMS, RDF, Graph, Literal, URIRef

import kg.build
from kg.build import build
from kg.graphio import write_graph
from kg.query import load_graph, load_store, run_query
from kg.rdf import GraphBuilder
from kg.records import EntityRef
from kg.store import StoreError, open_store, read_index, store_graph, write_articles
from kg.summary import (
    MODALITY_COUNTS,
    expected_summaries,
    stored_summaries,
    summarize,
    summary_iri,
)
from kg.vocab import ENT, GEO, RELATIONS, SUMMARY
from tests.test_store import _person_article

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_FILES = sorted(p for p in SEEDS.iterdir() if p.is_file())


def exact(graph: Graph) -> None:
    stored, expected = stored_summaries(graph), expected_summaries(graph)
    assert stored, "no summaries at all"
    assert stored == expected


def test_a_file_build_writes_one_exact_summary_per_relation(seed_graph: Graph) -> None:
    exact(seed_graph)
    relations = {t for name in RELATIONS for t in seed_graph.triples((None, GEO[name], None))}
    keys = {tuple(map(URIRef, k)) for k in stored_summaries(seed_graph)}
    assert keys == relations  # kg build asserts a relation only with its evidence
    for s, p, o in keys:  # the node is named by the triple
        node = summary_iri(s, p, o)
        assert str(node).startswith(str(SUMMARY))
        assert (node, GEO.summarySubject, s) in seed_graph
        assert (node, RDF.type, GEO.RelationSummary) in seed_graph


def test_counts_dates_and_articles_of_each_relation(seed_graph: Graph) -> None:
    by_key: dict[tuple, list] = {}
    for ev in seed_graph.subjects(RDF.type, GEO.Evidence):
        key = tuple(seed_graph.value(ev, t) for t in (RDF.subject, RDF.predicate, RDF.object))
        by_key.setdefault(key, []).append(ev)
    assert max(len(evs) for evs in by_key.values()) > 1  # some relation is stated twice
    for key, evs in by_key.items():
        node = summary_iri(*key)
        assert seed_graph.value(node, GEO.sentenceCount) == Literal(len(evs))
        articles = {seed_graph.value(ev, GEO.article) for ev in evs}
        assert seed_graph.value(node, GEO.articleCount) == Literal(len(articles))
        dates = sorted(str(d) for ev in evs for d in seed_graph.objects(ev, DCTERMS.date))
        first, latest = (
            seed_graph.value(node, GEO.firstDate),
            seed_graph.value(node, GEO.latestDate),
        )
        assert (str(first), str(latest)) == ((dates[0], dates[-1]) if dates else ("None", "None"))
        for modality, prop in MODALITY_COUNTS.items():
            n = sum(1 for ev in evs if str(seed_graph.value(ev, GEO.modality)) == modality)
            assert int(seed_graph.value(node, prop) or 0) == n  # a zero count is left out
            assert (seed_graph.value(node, prop) is None) == (n == 0)


def test_a_store_built_in_batches_holds_the_file_builds_summaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed_graph: Graph
) -> None:
    monkeypatch.setattr(kg.build, "STORE_COMMIT", 2)  # three transactions, summaries merged
    path = tmp_path / "kgdb"
    build([str(SEEDS)], store=path)
    graph = store_graph(path)
    exact(graph)
    assert stored_summaries(graph) == stored_summaries(seed_graph)


def test_incremental_runs_add_to_the_stored_counts(tmp_path: Path, seed_graph: Graph) -> None:
    path = tmp_path / "kgdb"
    for i in range(len(SEED_FILES)):  # one run per article, in a changing order
        build([str(SEED_FILES[(i * 2) % len(SEED_FILES)])], store=path)
        exact(store_graph(path))
    assert stored_summaries(store_graph(path)) == stored_summaries(seed_graph)


def test_a_replaced_article_is_recounted_and_its_lost_relations_go(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    path = tmp_path / "kgdb"
    build([str(corpus)], store=path)
    target = corpus / SEED_FILES[1].name
    lines = target.read_text(encoding="utf-8").splitlines()
    target.write_text("\n".join(lines[: len(lines) // 2]) + "\n", encoding="utf-8")
    result = build([str(corpus)], store=path)
    assert result.replaced == 1
    graph = store_graph(path)
    exact(graph)
    expected = build([str(corpus)]).graph
    assert stored_summaries(graph) == stored_summaries(expected)
    relations = {t for name in RELATIONS for t in expected.triples((None, GEO[name], None))}
    assert {t for name in RELATIONS for t in graph.triples((None, GEO[name], None))} == relations


def test_a_renamed_entity_keeps_one_exact_summary(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kgdb", create=True)
    russia = EntityRef("Russia", "Russia", "Country", "RU", "RUS")
    lone = EntityRef("Stoltenberg", "Stoltenberg", "Person")
    full = EntityRef("Jens_Stoltenberg", "Jens Stoltenberg", "Person")
    for i, (person, known) in enumerate(((lone, False), (full, True), (lone, True))):
        builder = GraphBuilder(known=read_index(store).entities if known else None)
        builder.add(_person_article(f"a{i}", person, russia))
        write_articles(store, builder.triples(), renames=builder.renames)
        exact(store_graph(store))
    summaries = stored_summaries(store_graph(store))
    key = (str(ENT.Jens_Stoltenberg), str(GEO.condemns), str(ENT.Russia))
    assert list(summaries) == [key]
    assert summaries[key][GEO.sentenceCount] == "3"
    assert summaries[key][GEO.articleCount] == "3"


def test_an_old_store_is_upgraded_when_opened_for_writing(seed_store: Path, tmp_path: Path):
    copy = tmp_path / "old"
    shutil.copytree(seed_store, copy)
    store = ox.Store(str(copy))
    store.update("DELETE WHERE { ?x a <https://w3id.org/geokg/ontology#RelationSummary> ; ?p ?v }")
    del store
    with pytest.raises(StoreError, match="older geokg"):
        load_store(copy)
    open_store(copy)  # for writing: the summaries are recounted
    graph = store_graph(copy)
    exact(graph)
    assert set(graph) == set(store_graph(seed_store))
    assert run_query(load_store(copy), "balance")


def test_a_graph_file_without_summaries_gets_them_for_queries(seed_graph: Graph, tmp_path):
    bare = Graph()
    for triple in seed_graph:
        if not str(triple[0]).startswith(str(SUMMARY)):
            bare.add(triple)
    path = tmp_path / "old.ttl"
    write_graph(bare, path)
    for engine in ("oxigraph", "rdflib"):
        loaded = load_graph(path, engine=engine)
        assert stored_summaries(loaded) == stored_summaries(seed_graph)
    on_bare = run_query(bare, "who-condemns", engine="rdflib")
    assert [tuple(r) for r in on_bare] == [tuple(r) for r in run_query(seed_graph, "who-condemns")]
    assert len(bare) == len(seed_graph) - sum(1 for t in seed_graph if t[0] in _nodes(seed_graph))


def _nodes(graph: Graph) -> set:
    return set(graph.subjects(RDF.type, GEO.RelationSummary))


def test_summarize_ignores_incomplete_evidence() -> None:
    ev = URIRef("https://w3id.org/geokg/evidence/x")
    triples = [
        (ev, RDF.type, GEO.Evidence),
        (ev, RDF.subject, ENT.A),
        (ev, RDF.predicate, GEO.urges),
    ]
    assert summarize(triples) == {}


def test_validate_reports_a_summary_that_disagrees_with_its_evidence(seed_graph: Graph) -> None:
    from kg.validate import validate_graph

    graph = Graph()
    for triple in seed_graph:
        graph.add(triple)
    node = next(iter(_nodes(graph)))
    n = int(graph.value(node, GEO.sentenceCount))
    graph.set((node, GEO.sentenceCount, Literal(n + 1)))
    other = next(iter(_nodes(graph) - {node}))
    graph.set((other, GEO.articleCount, Literal(0)))
    report = validate_graph(graph)
    assert not report.conforms
    shapes = {(v.focus, v.shape) for v in report.violations}
    assert (str(node), "geosh:SummaryCounts") in shapes
    assert (str(other), "geosh:RelationSummary") in shapes
    assert validate_graph(seed_graph).conforms
