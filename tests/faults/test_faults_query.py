"""Fault suite, `kg query`: time limit, Ctrl-C, memory bound, hostile query shapes (item 4, 9).

SERVICE, LOAD, FROM and updates refused before anything runs are covered by tests/test_query.py
(on a loopback listener that counts connections); these add what was found since.
"""

from __future__ import annotations

import signal
import time

import pytest

from kg.query import QueryRefused, QueryTooComplex, prepare
from tests.faults.helpers import kg_popen, kg_run, one_line_error

# Four copies of every triple joined with each other: ~10^12 rows on the seed graph, for ever.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
# Sorting every pair of triples: memory grows by hundreds of MB a second.
HUNGRY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"


@pytest.fixture(scope="module")
def graph_file(seed_graph, tmp_path_factory):
    from kg.graphio import write_graph

    path = tmp_path_factory.mktemp("faults-query") / "graph.ttl"
    write_graph(seed_graph, path)
    return path


def test_a_query_past_its_time_limit_stops_with_one_line(graph_file):
    started = time.monotonic()
    done = kg_run("query", graph_file, ENDLESS, "--timeout", "2", timeout=60)
    assert time.monotonic() - started < 30
    assert done.returncode == 1
    one_line_error(done, "longer than 2 s", "--timeout")
    assert done.stdout == ""


def test_ctrl_c_stops_a_running_query_with_exit_130(graph_file):
    proc = kg_popen("query", graph_file, ENDLESS)
    try:
        time.sleep(5)  # well into the query (the graph loads in about a second)
        assert proc.poll() is None, proc.communicate()
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=20)
        assert time.monotonic() - sent < 5
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stderr
    assert stderr.strip() == "interrupted"


def test_a_query_past_its_memory_bound_stops_with_one_line(graph_file):
    done = kg_run("query", graph_file, HUNGRY, "--max-memory", "0.5", timeout=120)
    assert done.returncode == 1
    one_line_error(done, "0.5 GB", "--max-memory")


SHAPES = {
    "5,000 nested parentheses": "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 5000 + "1"
    + ")" * 5000 + ") }",
    "5,000 nested braces": "SELECT * WHERE " + "{" * 5000 + "?s ?p ?o" + "}" * 5000,
    "1,000 OPTIONALs": "SELECT * WHERE { ?s ?p ?o "
    + " ".join(f"OPTIONAL {{ ?s ?p ?o{i} }}" for i in range(1000)) + " }",
    "20,000 UNIONs": "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 20000) + " }",
    "3,000 path alternatives": "SELECT * { ?s " + "|".join(["<urn:p>"] * 3000) + " ?o }",
    "3,000 additions": "SELECT (" + "+".join(["1"] * 3000) + " AS ?x) {}",
}  # fmt: skip


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_hostile_query_shapes_are_refused_at_once(shape, graph_file, tmp_path):
    with pytest.raises(QueryTooComplex):
        prepare(SHAPES[shape])
    query = tmp_path / "hostile.rq"  # 260 KB: longer than one command-line argument may be
    query.write_text(SHAPES[shape], encoding="utf-8")
    started = time.monotonic()
    done = kg_run("query", graph_file, query, timeout=60)
    assert time.monotonic() - started < 20  # rdflib's parser alone took 20 s on 20,000 UNIONs
    assert done.returncode == 2
    one_line_error(done, "too")


def test_a_refused_from_named_names_from_named():
    with pytest.raises(QueryRefused) as info:
        prepare("SELECT * FROM NAMED <http://127.0.0.1:9/g.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert str(info.value).startswith("FROM NAMED <http://127.0.0.1:9/g.ttl> is refused")
    with pytest.raises(QueryRefused) as info:
        prepare("SELECT * FROM <http://127.0.0.1:9/g.ttl> WHERE { ?s ?p ?o }")
    assert str(info.value).startswith("FROM <http://127.0.0.1:9/g.ttl> is refused")


def test_every_saved_query_passes_the_limits():
    from kg.query import check_limits, saved_queries

    for saved in saved_queries():
        check_limits(saved.text)
