"""``kg query --store DIR`` and ``kg.query.load_store``: saved queries on an on-disk store.

The seed graph is built once per module and written twice: as a Turtle file, and into a store
with the store's layout (facts in the default graph, each article's node and evidence in the
article's named graph, the ontology in its own graph). Every saved query must give the same
rows on both.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF
from test_query import SEED_PARAMS, rows

from kg.graphio import write_graph
from kg.query import load_graph, load_store, run_query, saved_queries
from kg.store import ONTOLOGY_GRAPH, StoreError, open_store
from kg.vocab import GEO

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
RETURNED_ROWS: set[str] = set()  # saved queries that gave rows on the seed graph


@pytest.fixture(scope="module")
def graph_file(seed_graph, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("qstore") / "graph.ttl"
    write_graph(seed_graph, path)
    return path


@pytest.fixture(scope="module")
def store_dir(seed_store: Path) -> Path:
    return seed_store  # built by build(store=...), as kg build --store does


def test_the_store_has_the_layout(store_dir, seed_graph):
    store = open_store(store_dir, read_only=True)
    graphs = {g.value for g in store.named_graphs()}
    articles = {str(a) for a in seed_graph.subjects(RDF.type, GEO.Article)}
    assert graphs == articles | {str(ONTOLOGY_GRAPH)}
    assert len(articles) == 5
    default = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    assert 0 < default < len(seed_graph)


@pytest.mark.parametrize("name", [q.name for q in saved_queries()])
def test_saved_query_gives_the_same_rows_on_the_store(name, store_dir, graph_file):
    params = SEED_PARAMS.get(name, {})
    on_file = run_query(load_graph(graph_file), name, params)
    on_store = run_query(load_store(store_dir), name, params)
    assert [str(v) for v in on_store.vars] == [str(v) for v in on_file.vars]
    assert rows(on_store) == rows(on_file)
    if len(on_file):
        RETURNED_ROWS.add(name)


def test_the_comparison_compared_rows():
    """Most saved queries have rows on the seeds (``reported`` may have none): not all empty."""
    if len(RETURNED_ROWS) < 2:
        pytest.skip("run with the saved-query comparisons")
    assert len(RETURNED_ROWS) >= len(saved_queries()) - 2


def test_store_union_sees_facts_provenance_and_ontology(store_dir):
    graph = load_store(store_dir)
    ask = (
        "ASK { ?ev a geo:Evidence ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ."
        " ?s ?p ?o . ?p geo:quadClass ?q }"
    )
    assert run_query(graph, ask).askAnswer


def test_cli_store(kg, store_dir, graph_file):
    for args in (["relations-of", "--param", "entity=North Korea"], ["balance"]):
        on_store = kg("query", "--store", store_dir, *args, "--format", "csv")
        on_file = kg("query", graph_file, *args, "--format", "csv")
        assert on_store.returncode == 0, on_store.stderr
        assert sorted(on_store.stdout.splitlines()) == sorted(on_file.stdout.splitlines())
        assert len(on_store.stdout.splitlines()) > 1


def _missing(d: Path) -> Path:
    return d / "missing"


def _other_files(d: Path) -> Path:
    (d / "other").mkdir()
    (d / "other" / "notes.txt").write_text("not a store", encoding="utf-8")
    return d / "other"


def _a_file(d: Path) -> Path:
    (d / "graph.ttl").write_text("", encoding="utf-8")
    return d / "graph.ttl"


@pytest.mark.parametrize(
    "make, message",
    [
        (_missing, "no store here"),
        (_other_files, "not a geokg store"),
        (_a_file, "not a store directory"),
    ],
)
def test_cli_not_a_store_is_one_line_error(kg, tmp_path, make, message):
    path = make(tmp_path)
    done = kg("query", "--store", path, "most-connected")
    assert done.returncode != 0
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
    with pytest.raises(StoreError):
        load_store(path)


def test_cli_graph_and_store_usage_errors(kg, store_dir, graph_file):
    both = kg("query", graph_file, "balance", "--store", store_dir)
    neither = kg("query")
    no_query = kg("query", "--store", store_dir)
    for done in (both, neither, no_query):
        assert done.returncode == 2
        assert len(done.stderr.strip().splitlines()) == 1
    assert "not both" in both.stderr
