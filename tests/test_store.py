"""``kg build --store``: the on-disk Oxigraph store, incremental builds, faults.

The seed graph built in memory is the reference: a store built from the same inputs must hold
exactly the same triples (the default graph plus the article graphs), however many runs it took.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import kg_command, kg_env
from rdflib import RDF, RDFS, SKOS, Graph, Literal

import kg.build
import kg.store
from kg.build import build
from kg.rdf import ArticleResult, GraphBuilder, article_iri
from kg.records import Article, EntityRef, Relation
from kg.store import (
    ONTOLOGY_GRAPH,
    StoreError,
    open_store,
    read_index,
    store_graph,
    write_articles,
)
from kg.vocab import ENT, GEO, RELATIONS

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_FILES = sorted(p for p in SEEDS.iterdir() if p.is_file())


@pytest.fixture(scope="module")
def full_graph() -> Graph:
    return build([str(SEEDS)]).graph


def facts(graph: Graph) -> set[tuple]:
    return {t for name in RELATIONS for t in graph.triples((None, GEO[name], None))}


def nodes(graph: Graph, cls) -> set:
    return set(graph.subjects(RDF.type, cls))


def test_store_holds_the_same_graph_as_a_file_build(seed_store: Path, full_graph: Graph) -> None:
    assert set(store_graph(seed_store)) == set(full_graph)


def test_store_layout_facts_in_default_graph_provenance_per_article(seed_store: Path) -> None:
    store = open_store(seed_store, read_only=True)
    default = ox.DefaultGraph()
    graphs = {g.value for g in store.named_graphs()}
    assert str(ONTOLOGY_GRAPH) in graphs
    articles = graphs - {str(ONTOLOGY_GRAPH)}
    assert len(articles) == len(SEED_FILES)
    for quad in store.quads_for_pattern(None, None, None, default):
        # Nothing about articles or evidence in the default graph ...
        assert not quad.subject.value.startswith(("https://w3id.org/geokg/evidence/",))
    evidence_graphs = {
        q.graph_name.value
        for q in store.quads_for_pattern(
            None, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(GEO.Evidence)), None
        )
    }
    assert evidence_graphs <= articles  # ... and every evidence node sits in an article graph
    relation = ox.NamedNode(str(GEO.condemns))
    assert list(store.quads_for_pattern(None, relation, None, default))
    assert not [
        q for q in store.quads_for_pattern(None, relation, None, None) if q.graph_name != default
    ]


def test_rebuilding_an_unchanged_corpus_adds_nothing(seed_store: Path, tmp_path: Path) -> None:
    before = len(open_store(seed_store, read_only=True))
    copy = tmp_path / "kgdb"
    shutil.copytree(seed_store, copy)
    result = build([str(SEEDS)], store=copy)
    assert (result.added, result.skipped, result.replaced) == (0, len(SEED_FILES), 0)
    assert len(open_store(copy, read_only=True)) == before


def test_incremental_runs_give_one_node_per_entity(tmp_path: Path, full_graph: Graph) -> None:
    path = tmp_path / "kgdb"
    first = build([str(p) for p in SEED_FILES[:2]], store=path)
    second = build([str(SEEDS)], store=path)
    assert (first.added, second.added, second.skipped) == (2, len(SEED_FILES) - 2, 2)
    graph = store_graph(path)
    assert facts(graph) == facts(full_graph)  # relations seen again are not duplicated
    for cls in (GEO.Country, GEO.Organization, GEO.Person, GEO.Evidence, GEO.Article):
        assert nodes(graph, cls) == nodes(full_graph, cls)
    # One label per entity, whichever run saw it first.
    for entity in nodes(graph, GEO.Person) | nodes(graph, GEO.Country):
        assert len(list(graph.objects(entity, RDFS.label))) == 1


def test_a_changed_input_replaces_its_earlier_version(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    path = tmp_path / "kgdb"
    build([str(corpus)], store=path)
    # Cut the second half of the body of one article: relations only it stated must go.
    target = corpus / SEED_FILES[1].name
    lines = target.read_text(encoding="utf-8").splitlines()
    target.write_text("\n".join(lines[: len(lines) // 2]) + "\n", encoding="utf-8")
    result = build([str(corpus)], store=path)
    assert (result.added, result.replaced, result.skipped) == (1, 1, len(SEED_FILES) - 1)
    expected = build([str(corpus)]).graph
    graph = store_graph(path)
    assert facts(graph) == facts(expected)
    assert nodes(graph, GEO.Evidence) == nodes(expected, GEO.Evidence)
    assert nodes(graph, GEO.Article) == nodes(expected, GEO.Article)


def test_same_stem_in_another_folder_is_a_new_article(tmp_path: Path) -> None:
    path = tmp_path / "kgdb"
    build([str(SEED_FILES[0])], store=path)
    other = tmp_path / "other"
    other.mkdir()
    text = SEED_FILES[1].read_text(encoding="utf-8")
    (other / SEED_FILES[0].name).write_text(text, encoding="utf-8")
    result = build([str(other)], store=path)
    assert (result.added, result.replaced) == (1, 0)
    assert {a.id for a in result.articles} == {SEED_FILES[0].stem + "-2"}
    assert len(read_index(open_store(path, read_only=True)).ids) == 2


def test_an_interrupted_build_keeps_whole_articles_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, full_graph: Graph
) -> None:
    path = tmp_path / "kgdb"
    monkeypatch.setattr(kg.build, "STORE_COMMIT", 1)
    calls = 0
    real = kg.store.write_articles

    def crash_on_third(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt  # the user pressed Ctrl-C while the third article was stored
        return real(*args, **kwargs)

    monkeypatch.setattr(kg.store, "write_articles", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        build([str(SEEDS)], store=path)
    index = read_index(open_store(path, read_only=True))
    assert len(index.ids) == 2  # two whole articles, nothing of the third
    partial = store_graph(path)
    for article in partial.subjects(RDF.type, GEO.Article):
        assert (article, GEO.contentHash, None) in partial
    monkeypatch.setattr(kg.store, "write_articles", real)
    resumed = build([str(SEEDS)], store=path)
    assert (resumed.added, resumed.skipped) == (len(SEED_FILES) - 2, 2)
    graph = store_graph(path)
    assert facts(graph) == facts(full_graph)
    assert nodes(graph, GEO.Evidence) == nodes(full_graph, GEO.Evidence)


def _person_article(art_id: str, subject: EntityRef, obj: EntityRef) -> ArticleResult:
    article = Article(id=art_id, path=f"{art_id}.txt", body="x", content_hash=art_id)
    rel = Relation(
        subject=subject,
        predicate="condemns",
        object=obj,
        article_id=art_id,
        sentence=f"{subject.label} condemned {obj.label}.",
        start=0,
        end=10,
    )
    return ArticleResult(
        article=article, relations=[rel], mentions=[(subject, subject.label), (obj, obj.label)]
    )


def test_a_stored_surname_joins_a_full_name_seen_later(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kgdb", create=True)
    russia = EntityRef("Russia", "Russia", "Country", "RU", "RUS")
    lone = EntityRef("Stoltenberg", "Stoltenberg", "Person")
    full = EntityRef("Jens_Stoltenberg", "Jens Stoltenberg", "Person")
    first = GraphBuilder()
    first.add(_person_article("a1", lone, russia))
    write_articles(store, first.triples())
    second = GraphBuilder(known=read_index(store).entities)
    second.add(_person_article("a2", full, russia))
    triples = second.triples()
    assert second.renames == {"Stoltenberg": "Jens_Stoltenberg"}
    write_articles(store, triples, renames=second.renames)
    graph = store_graph(store)
    assert nodes(graph, GEO.Person) == {ENT.Jens_Stoltenberg}
    assert not list(graph.triples((ENT.Stoltenberg, None, None)))
    assert not list(graph.triples((None, None, ENT.Stoltenberg)))
    assert (ENT.Jens_Stoltenberg, GEO.condemns, ENT.Russia) in graph
    assert (ENT.Jens_Stoltenberg, SKOS.altLabel, Literal("Stoltenberg")) in graph
    assert list(graph.objects(ENT.Jens_Stoltenberg, RDFS.label)) == [Literal("Jens Stoltenberg")]
    # Both evidence nodes now name the full name, each in its own article's graph.
    assert set(graph.subjects(RDF.subject, ENT.Jens_Stoltenberg)) == set(
        graph.subjects(RDF.type, GEO.Evidence)
    )
    assert len(set(graph.subjects(RDF.type, GEO.Evidence))) == 2
    # A later lone surname joins the stored full name directly.
    third = GraphBuilder(known=read_index(store).entities)
    third.add(_person_article("a3", lone, russia))
    write_articles(store, third.triples(), renames=third.renames)
    assert third.renames == {}
    graph = store_graph(store)
    assert nodes(graph, GEO.Person) == {ENT.Jens_Stoltenberg}
    assert (article_iri("a3"), None, None) in graph


# -- faults ------------------------------------------------------------------------------------


def test_open_store_refuses_what_is_not_a_store(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    with pytest.raises(StoreError, match="not a geokg store"):
        open_store(tmp_path, create=True)
    with pytest.raises(StoreError, match="it is a file"):
        open_store(tmp_path / "notes.txt", create=True)
    with pytest.raises(StoreError, match="no store here"):
        open_store(tmp_path / "missing")
    other = ox.Store(str(tmp_path / "oxi"))
    other.add(ox.Quad(ox.NamedNode("http://x/a"), ox.NamedNode("http://x/b"), ox.Literal("c")))
    del other
    with pytest.raises(StoreError, match="not a geokg one"):
        open_store(tmp_path / "oxi")


def test_cli_store_faults_are_one_line_errors(kg, tmp_path: Path, seed_store: Path) -> None:
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "a.txt").write_text("x", encoding="utf-8")
    holder = open_store(seed_store)  # this process holds the write lock
    try:
        cases = {
            "in use by another process": ["build", SEEDS, "--store", seed_store],
            "not a geokg store": ["build", SEEDS, "--store", tmp_path / "junk"],
            "not both": ["build", SEEDS, "--store", tmp_path / "new", "-o", tmp_path / "g.ttl"],
        }
        for message, args in cases.items():
            proc = kg(*args)
            assert proc.returncode == 1, proc.stderr
            assert message in proc.stderr
            assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
            assert "Traceback" not in proc.stderr
    finally:
        del holder
    assert not (tmp_path / "new").exists()


def test_cli_build_store_twice(kg, tmp_path: Path) -> None:
    path = tmp_path / "kgdb"
    first = kg("build", SEED_FILES[0], "--store", path)
    assert first.returncode == 0, first.stderr
    assert "1 articles added" in first.stdout
    again = kg("build", SEED_FILES[0], "--store", path)
    assert again.returncode == 0, again.stderr
    assert "0 articles added" in again.stdout and "1 already stored" in again.stdout


def _die_on_third_article(articles):
    """A worker task that kills its process when it meets the third seed (test only)."""
    if any(a.path.endswith(SEED_FILES[2].name) for a in articles):
        import os

        os._exit(1)
    return list(kg.build.extract(articles))


def test_a_worker_that_dies_keeps_finished_articles_and_the_build_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, full_graph: Graph
) -> None:
    path = tmp_path / "kgdb"
    monkeypatch.setattr(kg.build, "BATCH_SIZE", 1)
    monkeypatch.setattr(kg.build, "STORE_COMMIT", 1)
    # Workers are forked, so they run the patched task function.
    monkeypatch.setattr(kg.build, "_extract_batch", _die_on_third_article)
    with pytest.raises(kg.build.BuildError, match=r"worker process died.*run the same build"):
        build([str(SEEDS)], store=path, jobs=2)
    stored = read_index(open_store(path, read_only=True)).ids
    assert stored and SEED_FILES[2].stem not in stored
    assert len(stored) <= 2
    monkeypatch.undo()
    resumed = build([str(SEEDS)], store=path)
    assert resumed.skipped == len(stored)
    graph = store_graph(path)
    assert facts(graph) == facts(full_graph)
    assert nodes(graph, GEO.Evidence) == nodes(full_graph, GEO.Evidence)


def test_stdin_articles_are_new_articles_not_new_versions(kg, tmp_path: Path) -> None:
    # Every stdin article has the path "-": a second one must not replace the first.
    path = tmp_path / "kgdb"
    for seed in SEED_FILES[:2]:
        proc = subprocess.run(
            kg_command("build", "-", "--store", path, "-q"),
            input=seed.read_text(encoding="utf-8"),
            env=kg_env(),
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=180,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
    index = read_index(open_store(path, read_only=True))
    assert len(index.ids) == 2
    assert all(art_id.startswith("stdin-") for art_id in index.ids)
