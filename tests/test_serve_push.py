"""`kg serve` (read-only SPARQL endpoint) and `kg push` (Graph Store Protocol), on loopback.

Real servers only: `kg serve` runs Oxigraph's server on the seed graph and is queried with
SPARQLWrapper; pushes go to a writable `oxigraph serve` started here. Remote answers are
compared with the local answers of kg.query.run_query on the same graph.
"""

from __future__ import annotations

import base64
import csv
import io
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rdflib import RDF, Graph
from rdflib.compare import isomorphic

from tests.conftest import SEEDS, kg_command, kg_env, run_kg

SPARQLWrapper = pytest.importorskip("SPARQLWrapper")
from SPARQLWrapper import CSV, JSON, TSV, TURTLE, XML  # noqa: E402

from kg.serve import ServeError, free_port, oxigraph_binary, start_server  # noqa: E402
from kg.vocab import GEO  # noqa: E402

WHO_CONDEMNS = "who-condemns"
RELATION_COUNTS = "relation-counts"
CONDEMN_CONSTRUCT = (
    "CONSTRUCT { ?a geo:condemns ?b . ?a rdfs:label ?l } "
    "WHERE { ?a geo:condemns ?b . OPTIONAL { ?a rdfs:label ?l } }"
)


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_graph(tmp_path_factory) -> Path:
    """The seed graph, built once and written as Turtle."""
    from kg.build import build
    from kg.graphio import write_graph

    path = tmp_path_factory.mktemp("serve") / "graph.ttl"
    write_graph(build([str(SEEDS)]).graph, path)
    return path


@pytest.fixture(scope="module")
def served(seed_graph):
    """`kg serve`'s server on the seed graph, on a free loopback port."""
    with start_server(seed_graph, port=0) as handle:
        yield handle
    assert not handle.running


def _oxigraph_serve(location: Path, port: int, *extra: str) -> subprocess.Popen:
    """A writable `oxigraph serve`, ready when this returns."""
    argv = [str(oxigraph_binary()), "serve", "--location", str(location)]
    proc = subprocess.Popen(
        [*argv, "--bind", f"127.0.0.1:{port}", *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/query?" + urllib.parse.urlencode({"query": "ASK {}"})
    deadline = time.monotonic() + 20
    while True:
        assert proc.poll() is None, "oxigraph serve exited at start-up"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return proc
        except OSError:
            assert time.monotonic() < deadline, "oxigraph serve did not come up"
            time.sleep(0.05)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def remote(tmp_path):
    """A writable Oxigraph GSP endpoint (union default graph), stopped after the test."""
    port = free_port()
    proc = _oxigraph_serve(tmp_path / "remote", port, "--union-default-graph")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(proc)


# -- helpers ---------------------------------------------------------------------------------


def _full_text(name_or_text: str) -> str:
    """A query with the prefixes kg query predeclares written out (a server needs them)."""
    from kg.query import prefixes, resolve_query

    text, _ = resolve_query(name_or_text)
    head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(prefixes().items()))
    return head + text


def _local_rows(graph: Path, query: str) -> tuple[Counter, list[str]]:
    """Rows of run_query as a multiset of tuples of lexical values ('' for unbound)."""
    from kg.query import run_query

    result = run_query(str(graph), query)
    names = [str(v) for v in result.vars]
    return Counter(
        tuple("" if row[n] is None else str(row[n]) for n in names) for row in result
    ), names


def _sparql(url: str, query: str, fmt: str):
    client = SPARQLWrapper.SPARQLWrapper(url)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(SPARQLWrapper.POST)
    return client.query()


def _json_rows(url: str, query: str, names: list[str]) -> Counter:
    data = _sparql(url, query, JSON).convert()
    assert data["head"]["vars"] == names
    return Counter(
        tuple(b.get(n, {}).get("value", "") for n in names) for b in data["results"]["bindings"]
    )


def _select_count(url: str, query: str) -> int:
    data = _sparql(url, query, JSON).convert()
    return int(data["results"]["bindings"][0]["n"]["value"])


# -- kg serve --------------------------------------------------------------------------------


def test_serve_json_xml_csv_tsv_match_local(served, seed_graph):
    local, names = _local_rows(seed_graph, WHO_CONDEMNS)
    assert local, "the seeds state condemnations"
    query = _full_text(WHO_CONDEMNS)

    assert _json_rows(served.url, query, names) == local

    doc = _sparql(served.url, query, XML).convert()  # an xml.dom Document
    xml_rows = Counter()
    for result in doc.getElementsByTagName("result"):
        values = {
            b.getAttribute("name"): "".join(
                t.data for node in b.childNodes for t in node.childNodes if t.nodeType == 3
            )
            for b in result.getElementsByTagName("binding")
        }
        xml_rows[tuple(values.get(n, "") for n in names)] += 1
    assert xml_rows == local

    response = _sparql(served.url, query, CSV)
    assert response.response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.convert().decode("utf-8"))))
    assert rows[0] == names
    assert Counter(map(tuple, rows[1:])) == local

    response = _sparql(served.url, query, TSV)
    assert response.response.headers["Content-Type"].startswith("text/tab-separated-values")
    lines = response.convert().decode("utf-8").splitlines()
    assert lines[0].split("\t") == ["?" + n for n in names]

    def lexical(term: str) -> str:  # N-Triples-style TSV terms to plain values
        if term.startswith("<") and term.endswith(">"):
            return term[1:-1]
        if term.startswith('"'):
            return term[1 : term.rindex('"')]
        return term  # numbers are written bare

    assert Counter(tuple(map(lexical, line.split("\t"))) for line in lines[1:]) == local


def test_serve_construct_returns_turtle(served, seed_graph):
    from kg.query import run_query

    local = run_query(str(seed_graph), CONDEMN_CONSTRUCT).graph
    assert len(local) > 0
    response = _sparql(served.url, _full_text(CONDEMN_CONSTRUCT), TURTLE)
    assert response.response.headers["Content-Type"].startswith("text/turtle")
    remote = Graph().parse(data=response.convert(), format="turtle")
    assert isomorphic(remote, local)


def test_serve_includes_ontology_like_kg_query(served, seed_graph):
    """relation-counts joins quad classes from the ontology: the same rows as kg query."""
    local, names = _local_rows(seed_graph, RELATION_COUNTS)
    assert any(row[1] for row in local), "quad classes come from the ontology"
    assert _json_rows(served.url, _full_text(RELATION_COUNTS), names) == local


def test_serve_refuses_updates(served, seed_graph):
    before = _select_count(served.url, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    client = SPARQLWrapper.SPARQLWrapper(served.url, updateEndpoint=served.base_url + "/update")
    client.setQuery("INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }")
    client.setMethod(SPARQLWrapper.POST)
    with pytest.raises(Exception) as info:
        client.query()
    assert "403" in str(info.value) or "read-only" in str(info.value).lower()
    assert _select_count(served.url, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == before
    # The Graph Store Protocol is refused too: kg push gets a one-line 403.
    from kg.push import PushError, push

    with pytest.raises(PushError, match=r"HTTP 403\): The server is read-only"):
        push(served.base_url + "/store", seed_graph, mode="one")
    assert _select_count(served.url, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == before


def test_serve_store_matches_graph_file(seed_store, seed_graph):
    local, names = _local_rows(seed_graph, RELATION_COUNTS)
    with start_server(store=seed_store, port=0) as handle:
        assert _json_rows(handle.url, _full_text(RELATION_COUNTS), names) == local
        rows, names = _local_rows(seed_graph, WHO_CONDEMNS)
        assert _json_rows(handle.url, _full_text(WHO_CONDEMNS), names) == rows


def test_serve_port_in_use(seed_graph):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ServeError, match="in use"):
            start_server(seed_graph, port=port)
        result = run_kg("serve", seed_graph, "--port", str(port))
    assert result.returncode != 0
    assert "in use" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_serve_cli_prints_url_and_stops_cleanly_on_ctrl_c(seed_graph):
    proc = subprocess.Popen(
        kg_command("serve", seed_graph, "--port", "0"),
        env=kg_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip()  # printed once the endpoint answers
        assert url.startswith("http://127.0.0.1:") and url.endswith("/query")
        n = _select_count(url, _full_text("SELECT (COUNT(*) AS ?n) WHERE { ?s geo:urges ?o }"))
        assert n >= 1
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "curl" in stderr and "stopped" in stderr
    with pytest.raises(OSError):  # the server is gone
        urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2)


def test_serve_and_push_bad_store_dir(tmp_path):
    bad = tmp_path / "notastore"
    bad.mkdir()
    (bad / "notes.txt").write_text("hello")
    for args in (("serve", "--store", bad), ("push", "--store", bad, "-e", "http://127.0.0.1:9/")):
        result = run_kg(*args)
        assert result.returncode != 0
        assert "not a geokg store" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    result = run_kg("serve", "--store", tmp_path / "missing")
    assert result.returncode != 0 and "no store here" in result.stderr


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="lock detection reads /proc/locks")
def test_serve_and_push_locked_store(tmp_path, seed_store):
    """A store another process writes (here a writable oxigraph serve) is refused."""
    import shutil

    copy = tmp_path / "st"
    shutil.copytree(seed_store, copy)
    writer = _oxigraph_serve(copy, free_port())
    try:
        for args in (
            ("serve", "--store", copy),
            ("push", "--store", copy, "-e", "http://127.0.0.1:9/"),
        ):
            result = run_kg(*args, timeout=60)
            assert result.returncode != 0
            assert "locked by process" in result.stderr
            assert len(result.stderr.strip().splitlines()) == 1
    finally:
        _stop(writer)


def test_exactly_one_of_graph_and_store(seed_graph, seed_store):
    for args in (
        ("serve",),
        ("serve", seed_graph, "--store", seed_store),
        ("push", "-e", "http://x/"),
    ):
        result = run_kg(*args)
        assert result.returncode == 2
        assert "exactly one" in result.stderr


# -- kg push ---------------------------------------------------------------------------------


def test_push_per_article_then_remote_equals_local(remote, seed_graph):
    from kg.graphio import read_graph
    from kg.push import plan_graphs, source_triples

    result = run_kg("push", seed_graph, "--endpoint", remote + "/store", "--graphs", "article")
    assert result.returncode == 0, result.stderr
    assert "article graphs" in result.stderr
    query = remote + "/query"

    # One graph per article (named by its IRI), plus the ontology graph.
    graphs = _sparql(query, "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", JSON).convert()
    names = {b["g"]["value"] for b in graphs["results"]["bindings"]}
    local = read_graph(seed_graph)
    articles = {str(a) for a in local.subjects(RDF.type, GEO.Article)}
    assert articles and names == articles | {"https://w3id.org/geokg/graph/ontology"}

    # The union of the article graphs is the local graph, triple for triple, but for what no
    # article states: the relation summaries (they count the evidence of every article) and
    # the actor dictionary's offices go to the default graph.
    data = _sparql(
        query,
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } "
        "FILTER(?g != <https://w3id.org/geokg/graph/ontology>) }",
        TURTLE,
    ).convert()
    shared = Graph()
    for cls in (GEO.RelationSummary, GEO.BackgroundFact):
        for node in local.subjects(RDF.type, cls):
            for p, o in local.predicate_objects(node):
                shared.add((node, p, o))
    assert len(shared) > 0
    assert isomorphic(Graph().parse(data=data, format="turtle"), local - shared)
    data = _sparql(
        query,
        "CONSTRUCT { ?s ?p ?o } WHERE { VALUES ?c { <https://w3id.org/geokg/ontology#RelationSummary>"
        " <https://w3id.org/geokg/ontology#BackgroundFact> } ?s a ?c ; ?p ?o }",
        TURTLE,
    ).convert()
    assert set(Graph().parse(data=data, format="turtle")) == set(shared)

    # Saved queries give the local answers (who-condemns counts DISTINCT evidence).
    rows, names_ = _local_rows(seed_graph, WHO_CONDEMNS)
    assert _json_rows(query, _full_text(WHO_CONDEMNS), names_) == rows

    # Each article graph stands alone: its evidence's facts and their entities' labels.
    payloads = plan_graphs(source_triples(seed_graph), "article", ontology=False)
    one = max(payloads, key=lambda p: len(p.triples))
    stated = _full_text(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{one.name}> {{ ?ev rdf:subject ?s ; "
        "rdf:predicate ?p ; rdf:object ?o . ?s ?p ?o . ?s rdfs:label ?l . ?o a ?type } }"
    )
    assert _select_count(query, stated) > 0

    # Pushing again replaces: the number of quads does not change.
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    before = _select_count(query, count)
    again = run_kg("push", seed_graph, "-e", remote + "/store", "-q", "--graphs", "article")
    assert again.returncode == 0
    assert _select_count(query, count) == before


def test_push_store_layout_counts_match_local(remote, seed_store, seed_graph):
    """--graphs store puts each triple in one graph: even COUNT(*) queries match."""
    from kg.push import push

    report = push(remote + "/store", store=seed_store, mode="store")
    assert report.articles == len(list(SEEDS.glob("*.txt")))
    rows, names = _local_rows(seed_graph, RELATION_COUNTS)
    assert _json_rows(remote + "/query", _full_text(RELATION_COUNTS), names) == rows
    rows, names = _local_rows(seed_graph, WHO_CONDEMNS)
    assert _json_rows(remote + "/query", _full_text(WHO_CONDEMNS), names) == rows


def test_push_one_named_graph(remote, seed_graph):
    from kg.graphio import read_graph

    iri = "https://example.org/graphs/geokg"
    result = run_kg(
        "push",
        seed_graph,
        "-e",
        remote + "/store",
        "--graphs",
        "one",
        "--graph",
        iri,
        "--no-ontology",
    )
    assert result.returncode == 0, result.stderr
    query = remote + "/query"
    names = _sparql(query, "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", JSON).convert()
    assert [b["g"]["value"] for b in names["results"]["bindings"]] == [iri]
    n = _select_count(query, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
    assert n == len(read_graph(seed_graph))


# -- faults ----------------------------------------------------------------------------------


class _Endpoint(BaseHTTPRequestHandler):
    """Answers every PUT with the status of its server (401 unless the right credentials)."""

    def do_PUT(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status = self.server.status
        expected = self.server.expect_auth
        if expected and self.headers.get("Authorization") == expected:
            status = 204
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        self.send_response(status)
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="kg"')
        body = b"" if status == 204 else b"Internal failure\nsecond line"
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def fake_endpoint():
    servers = []

    def make(status: int, expect_auth: str | None = None) -> tuple[str, list]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
        server.status, server.expect_auth, server.seen = status, expect_auth, []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/store", server.seen

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


def test_push_401_and_basic_auth_from_env(fake_endpoint, seed_graph):
    token = "Basic " + base64.b64encode(b"alice:s3cret").decode()
    url, seen = fake_endpoint(401, expect_auth=token)
    result = run_kg("push", seed_graph, "-e", url)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {url}: authentication failed (HTTP 401)"
    # Wrong password, then the right one, both from the environment.
    result = run_kg(
        "push", seed_graph, "-e", url, "--user", "alice", env={"KG_PUSH_PASSWORD": "wrong"}
    )
    assert "authentication failed (HTTP 401)" in result.stderr
    result = run_kg(
        "push",
        seed_graph,
        "-e",
        url,
        "--user",
        "alice",
        "--password-env",
        "PW",
        env={"PW": "s3cret"},
    )
    assert result.returncode == 0, result.stderr
    assert seen[-1][1] == token
    assert "s3cret" not in result.stdout + result.stderr
    # --user without the variable set: a one-line error, nothing sent.
    before = len(seen)
    result = run_kg("push", seed_graph, "-e", url, "--user", "alice", env={"KG_PUSH_PASSWORD": ""})
    assert result.returncode == 1 and "KG_PUSH_PASSWORD" in result.stderr
    assert len(seen) == before


def test_push_500_is_one_line(fake_endpoint, seed_graph):
    url, _ = fake_endpoint(500)
    result = run_kg("push", seed_graph, "-e", url)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"{url}: HTTP 500" in lines[0] and "Internal failure second line" in lines[0]


def test_push_failure_midway_says_how_many_were_sent(seed_graph):
    from kg.push import PushError, plan_graphs, push_graphs, source_triples

    # A server that accepts two PUTs and then fails every later one (deterministic: a server
    # that closes its port races with the client's next connection).
    class TwoThenFail(BaseHTTPRequestHandler):
        def do_PUT(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.server.count += 1
            self.send_response(204 if self.server.count <= 2 else 500)
            self.end_headers()

        def log_message(self, *args):
            pass

    payloads = plan_graphs(source_triples(seed_graph), "article")
    server = ThreadingHTTPServer(("127.0.0.1", 0), TwoThenFail)
    server.count = 0
    url = f"http://127.0.0.1:{server.server_address[1]}/store"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(PushError) as info:
            push_graphs(url, payloads, timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    message = str(info.value)
    assert "HTTP 500" in message
    assert f"2 of {len(payloads)} graphs were sent before" in message
    assert "\n" not in message


def test_push_unreachable_endpoint(seed_graph):
    port = free_port()  # nothing listens there
    url = f"http://127.0.0.1:{port}/store"
    result = run_kg("push", seed_graph, "-e", url)
    assert result.returncode == 1
    assert result.stderr.strip().startswith(f"error: {url}: cannot connect (")
    assert len(result.stderr.strip().splitlines()) == 1
