"""Fault suite, `kg serve`: SSRF, stack-killing queries, runaway queries, a dying engine
(items 5, 6). Only loopback: the endpoint, the Oxigraph server behind it, and a listener that
counts the connections an SSRF would make.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from kg.serve import start_server
from tests.faults.test_faults_query import ENDLESS, HUNGRY, SHAPES

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy


def ask(url: str, query: str, *, how: str = "form", extra: dict | None = None, timeout=60):
    """(status, body) of a SPARQL Protocol query: GET, POST form or POST sparql-query."""
    params = {"query": query, **(extra or {})}
    headers = {"Accept": "text/csv"}
    if how == "get":
        request = urllib.request.Request(url + "?" + urllib.parse.urlencode(params))
    elif how == "form":
        request = urllib.request.Request(url, data=urllib.parse.urlencode(params).encode())
    else:
        headers["Content-Type"] = "application/sparql-query"
        target = url + ("?" + urllib.parse.urlencode(extra) if extra else "")
        request = urllib.request.Request(target, data=query.encode())
    for key, value in headers.items():
        request.add_header(key, value)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def triples(url: str) -> int:
    status, body = ask(url, COUNT)
    assert status == 200, body
    return int(body.splitlines()[1])


@pytest.fixture(scope="module")
def graph_file(seed_graph, tmp_path_factory):
    from kg.graphio import write_graph

    path = tmp_path_factory.mktemp("faults-serve") / "graph.ttl"
    write_graph(seed_graph, path)
    return path


@pytest.fixture(scope="module")
def served(graph_file):
    with start_server(graph_file, port=0, query_timeout=3) as handle:
        yield handle


@pytest.fixture
def listener() -> Iterator[tuple[int, list]]:
    """A loopback port that records every connection made to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.1)
    seen: list = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            seen.append(1)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join()
    server.close()


SSRF = {
    "service": "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "service silent in optional": "SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE SILENT "
    "<http://127.0.0.1:{port}/x> {{ ?s ?q ?r }} }} }}",
    "service in exists": "ASK {{ FILTER EXISTS {{ SERVICE <http://127.0.0.1:{port}/x> "
    "{{ ?s ?p ?o }} }} }}",
    "from": "SELECT * FROM <http://127.0.0.1:{port}/g.ttl> WHERE {{ ?s ?p ?o }}",
    "from named": "SELECT * FROM NAMED <http://127.0.0.1:{port}/g.ttl> WHERE "
    "{{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "load": "LOAD <http://127.0.0.1:{port}/g.ttl>",
}


@pytest.mark.parametrize("how", ["get", "form", "body"])
@pytest.mark.parametrize("case", sorted(SSRF))
def test_the_endpoint_never_reaches_out(served, listener, case, how):
    port, seen = listener
    status, body = ask(served.url, SSRF[case].format(port=port), how=how)
    assert status == 400, body
    assert "refused" in body and len(body.strip().splitlines()) == 1
    time.sleep(0.2)
    assert seen == []


def test_the_listener_would_see_an_unguarded_service(listener, graph_file):
    """The control: Oxigraph's own server, unguarded, does connect (so the 400 matters)."""
    port, seen = listener
    with start_server(graph_file, port=0, query_timeout=3) as handle:
        backend = handle.supervisor.url  # the private port behind the guard
        ask(backend, SSRF["service"].format(port=port), timeout=30)
    time.sleep(0.2)
    assert seen


def test_dataset_parameters_name_only_local_graphs(served, listener):
    port, seen = listener
    for key in ("default-graph-uri", "named-graph-uri"):
        extra = {key: f"http://127.0.0.1:{port}/g.ttl"}
        for how in ("get", "body"):
            status, body = ask(served.url, COUNT, how=how, extra=extra)
            assert status == 400 and key in body, body
    assert seen == []


def test_two_query_parameters_are_refused(served):
    query = urllib.parse.urlencode([("query", COUNT), ("query", "ASK {}")])
    with pytest.raises(urllib.error.HTTPError) as info:
        _OPENER.open(served.url + "?" + query, timeout=30)
    assert info.value.code == 400


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_stack_killing_queries_get_a_400_and_the_endpoint_serves_on(served, shape):
    before = triples(served.url)
    status, body = ask(served.url, SHAPES[shape])
    assert status == 400, body
    assert "too" in body
    assert triples(served.url) == before
    assert served.supervisor.restarts == 0  # refused before Oxigraph saw it


def test_a_runaway_query_is_stopped_and_the_endpoint_serves_on(served):
    before = triples(served.url)
    started = time.monotonic()
    status, body = ask(served.url, ENDLESS)
    assert status == 503, body
    assert "longer than 3 s" in body
    assert time.monotonic() - started < 3 + 5 + 10
    assert triples(served.url) == before  # waits for the restarted engine if need be


def test_an_engine_that_dies_is_restarted(served):
    before = triples(served.url)
    served.process.kill()
    served.process.wait(10)
    assert triples(served.url) == before
    assert served.running


def test_an_engine_past_its_memory_bound_is_restarted(graph_file):
    with start_server(graph_file, port=0, query_timeout=60, max_memory=400 * 1024**2) as h:
        before = triples(h.url)
        status, body = ask(h.url, HUNGRY, timeout=90)
        assert status == 503, body
        assert "memory" in body
        assert triples(h.url) == before
        assert h.supervisor.restarts >= 1
