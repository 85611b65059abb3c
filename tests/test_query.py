"""``kg query`` and ``kg.query``: saved queries, parameters, output formats, refusals, bad input.

The seed graph is built once per module with the real pipeline and written to a temporary
Turtle file; the CLI runs in a subprocess (``kg`` fixture from conftest).
"""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef, Variable

from kg.graphio import GraphFileError, write_graph
from kg.paths import data_file
from kg.query import (
    QueryError,
    QueryParamError,
    QueryRefused,
    QuerySyntaxError,
    UnknownQuery,
    load_graph,
    prepare,
    result_table,
    run_query,
    saved_queries,
    saved_query,
    serialize_result,
    to_oxigraph,
)
from kg.vocab import ENT, GEO

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ENGINES = ("oxigraph", "rdflib")

REQUIRED = {
    "who-condemns",  # who condemns or criticizes whom
    "supporters",  # supporters of an actor
    "relations-of",  # every relation of an entity with evidence sentence, source and date
    "balance",  # cooperation vs conflict per pair of actors, by quad class
    "timeline",  # timeline of an actor's relations
    "leaders",  # leaders and officials with their countries
    "most-connected",  # most connected actors
    "mentions",  # articles that mention an entity
    "reported",  # relations only reported, and by whom
    "meetings",  # planned vs asserted meetings
}
# Parameters for the seed graph: entities the seed articles say something about.
SEED_PARAMS = {
    "supporters": {"entity": "Ukraine"},
    "relations-of": {"entity": "North Korea"},
    "timeline": {"entity": "Jens Stoltenberg"},
    "mentions": {"entity": "NATO"},
    "between": {"entity": "NATO", "other": "South Korea"},
    "neighbours": {"entity": "Japan"},
}


@pytest.fixture(scope="module")
def graph_file(seed_graph, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("query") / "graph.ttl"
    write_graph(seed_graph, path)
    return path


@pytest.fixture(scope="module")
def loaded(graph_file) -> dict[str, Graph]:
    """The seed graph loaded once per engine (with the ontology)."""
    return {engine: load_graph(graph_file, engine=engine) for engine in ENGINES}


# GROUP_CONCAT columns: the order of the items is up to the engine
LISTS = {"also": " | ", "modalities": ", ", "sources": " | ", "speakers": "; "}


def rows(result) -> list[tuple[str, ...]]:
    """A SELECT result as sorted tuples of strings ('' for unbound), list cells sorted."""

    def cell(name: str, value) -> str:
        if isinstance(value, Literal) and isinstance(value.toPython(), int | float | Decimal):
            return f"{float(value.toPython()):g}"  # engines write decimals differently: 6 or 6.0
        text = "" if value is None else str(value)
        sep = LISTS.get(name)
        return sep.join(sorted(text.split(sep))) if sep and text else text

    return sorted(tuple(cell(str(v), r.get(v)) for v in result.vars) for r in result)


def column(result, name: str) -> list[str]:
    return [str(r[name]) for r in result if r.get(name) is not None]


def label(graph: Graph, node) -> str:
    return str(graph.value(node, RDFS.label))


def evidence(graph: Graph):
    """(subject, predicate, object, modality) of every evidence node: the oracle's input."""
    for ev in graph.subjects(RDF.type, GEO.Evidence):
        yield (
            graph.value(ev, RDF.subject),
            graph.value(ev, RDF.predicate),
            graph.value(ev, RDF.object),
            str(graph.value(ev, GEO.modality)),
        )


# -- saved queries ---------------------------------------------------------------------------


def test_at_least_ten_saved_queries_with_the_required_ones():
    queries = {q.name: q for q in saved_queries()}
    assert len(queries) >= 10
    assert set(queries) >= REQUIRED, sorted(REQUIRED - set(queries))
    for q in queries.values():
        first = q.path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# ") and len(first) > 20, q.name
        assert q.description == first[2:].strip()
        assert q.path == data_file("queries", q.name + ".rq")


def test_every_saved_query_parses_is_safe_and_selects_its_parameters():
    for q in saved_queries():
        prepared = prepare(q.name)  # rdflib's parser and the safety checks
        assert prepared.saved is not None and prepared.saved.name == q.name
        assert prepared.kind == "SELECT", q.name
        # Oxigraph binds a parameter only if the SELECT returns it (kg query hides the column)
        assert set(q.params) <= prepared.projected, q.name
        assert set(q.params) <= prepared.variables, q.name
        assert set(SEED_PARAMS.get(q.name, {})) == set(q.params), q.name


@pytest.mark.parametrize("name", sorted(q.name for q in saved_queries()))
def test_saved_query_returns_rows_on_the_seed_graph_and_engines_agree(name, loaded):
    params = SEED_PARAMS.get(name, {})
    results = {engine: run_query(loaded[engine], name, params) for engine in ENGINES}
    found = {engine: rows(result) for engine, result in results.items()}
    if name != "reported":  # the seeds may assert all they report: see the tests below
        assert found["oxigraph"], f"{name} returned no rows on the seed graph"
    assert found["oxigraph"] == found["rdflib"]
    for result in results.values():  # parameter columns are hidden
        assert not {str(v) for v in result.vars} & set(params)


def test_who_condemns_matches_the_graph(loaded, seed_graph):
    expected = Counter(
        (label(seed_graph, s), str(p).rsplit("#", 1)[1], label(seed_graph, o))
        for s, p, o, _m in evidence(seed_graph)
        if p in (GEO.condemns, GEO.criticizes)
    )
    result = run_query(loaded["oxigraph"], "who-condemns")
    got = {
        (r["actor"].value, r["relation"].value, r["target"].value): int(r["sentences"])
        for r in result
    }
    assert got == dict(expected)
    assert "North Korea" in column(result, "actor")


def test_reported_matches_the_graph(loaded, seed_graph):
    modalities: dict[tuple, set[str]] = {}
    for s, p, o, m in evidence(seed_graph):
        modalities.setdefault((s, p, o), set()).add(m)
    expected = {
        (label(seed_graph, s), str(p).rsplit("#", 1)[1], label(seed_graph, o))
        for (s, p, o), ms in modalities.items()
        if "reported" in ms and "asserted" not in ms
    }
    for engine in ENGINES:
        result = run_query(loaded[engine], "reported")
        got = {(r["subject"].value, r["relation"].value, r["object"].value) for r in result}
        assert got == expected
        assert all(str(r["example"]) for r in result)


def test_reported_keeps_relations_never_asserted_with_their_speakers(tmp_path):
    g = Graph()
    x, y, z, w = ENT["X"], ENT["Y"], ENT["Zed"], ENT["Wim"]
    for node, name in ((x, "Xland"), (y, "Yland"), (z, "Zed Speaker"), (w, "Wim Speaker")):
        g.add((node, RDF.type, GEO.Country if name.endswith("land") else GEO.Person))
        g.add((node, RDFS.label, Literal(name)))
    statements = [  # (id, predicate, modality, speaker)
        ("e1", GEO.accuses, "reported", z),
        ("e2", GEO.accuses, "reported", w),
        ("e3", GEO.accuses, "hypothetical", None),
        ("e4", GEO.warns, "reported", z),
        ("e5", GEO.warns, "asserted", None),  # asserted elsewhere: not "only reported"
        ("e6", GEO.sanctions, "planned", z),
    ]
    for ev_id, p, modality, speaker in statements:
        ev = URIRef(f"https://w3id.org/geokg/evidence/{ev_id}")
        g.add((x, p, y))
        g.add((ev, RDF.type, GEO.Evidence))
        g.add((ev, RDF.subject, x))
        g.add((ev, RDF.predicate, p))
        g.add((ev, RDF.object, y))
        g.add((ev, GEO.modality, Literal(modality)))
        g.add((ev, GEO.sentence, Literal(f"Sentence {ev_id}.")))
        if speaker is not None:
            g.add((ev, GEO.speaker, speaker))
    path = tmp_path / "reported.ttl"
    write_graph(g, path)
    for engine in ENGINES:
        result = list(run_query(path, "reported", engine=engine))
        assert len(result) == 1
        row = result[0]
        assert (str(row["subject"]), str(row["relation"]), str(row["object"])) == (
            "Xland",
            "accuses",
            "Yland",
        )
        assert sorted(str(row["speakers"]).split("; ")) == ["Wim Speaker", "Zed Speaker"]
        assert int(row["sentences"]) == 2
        assert str(row["example"]) in ("Sentence e1.", "Sentence e2.")


def test_leaders_name_their_country_or_organization(loaded, seed_graph):
    result = run_query(loaded["oxigraph"], "leaders")
    found = {(r["person"].value, r["role"].value, r["of"].value) for r in result}
    expected = {
        (label(seed_graph, s), str(p).rsplit("#", 1)[1], label(seed_graph, o))
        for p in (GEO.leaderOf, GEO.officialOf)
        for s, o in seed_graph.subject_objects(p)
    }
    assert found == expected
    assert ("Jens Stoltenberg", "leaderOf", "NATO") in found


def test_balance_counts_sentences_by_quad_class(loaded):
    result = run_query(loaded["oxigraph"], "balance")
    for r in result:
        parts = [
            int(r[c])
            for c in ("verbal_coop", "material_coop", "verbal_conflict", "material_conflict")
        ]
        assert sum(parts) == int(r["sentences"])
        assert int(r["balance"]) == parts[0] + parts[1] - parts[2] - parts[3]
        assert str(r["actor1"]) != str(r["actor2"])
    assert any(int(r["verbal_conflict"]) for r in result)  # North Korea criticizes NATO


# -- parameters ------------------------------------------------------------------------------


def test_entity_matches_label_and_alias_in_any_case(loaded):
    graph = loaded["oxigraph"]
    by_label = rows(run_query(graph, "relations-of", {"entity": "North Korea"}))
    assert by_label
    assert rows(run_query(graph, "relations-of", {"entity": "NORTH korea"})) == by_label
    alias = rows(run_query(graph, "relations-of", {"entity": "stoltenberg"}))  # skos:altLabel
    assert alias == rows(run_query(graph, "relations-of", {"entity": "Jens Stoltenberg"}))
    assert alias
    assert rows(run_query(graph, "relations-of", {"entity": "Atlantis"})) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_parameters_are_bound_as_literals_not_pasted(loaded, engine):
    hostile = 'North Korea")) } } SELECT * WHERE { ?s ?p ?o } #'
    assert rows(run_query(loaded[engine], "relations-of", {"entity": hostile})) == []
    result = run_query(loaded[engine], "SELECT ?x WHERE { BIND(?v AS ?x) }", {"v": hostile})
    assert column(result, "x") == [hostile]


def test_parameter_of_an_unselected_variable_still_binds(loaded):
    query = "SELECT ?e WHERE { ?e rdfs:label ?name }"  # ?name not selected
    for engine in ENGINES:
        result = run_query(loaded[engine], query, {"name": "North Korea"})
        assert column(result, "e") == [str(ENT["North_Korea"])]


def test_missing_and_unknown_parameters(loaded):
    graph = loaded["oxigraph"]
    with pytest.raises(QueryParamError, match="needs --param entity"):
        run_query(graph, "relations-of")
    with pytest.raises(QueryParamError, match="takes entity"):
        run_query(graph, "relations-of", {"entity": "NATO", "country": "x"})
    with pytest.raises(QueryParamError, match=r"no variable \?nope"):
        run_query(graph, "SELECT ?s WHERE { ?s ?p ?o }", {"nope": "x"})


def test_cli_param_and_list(kg, graph_file):
    done = kg("query", graph_file, "relations-of", "--param", "entity=north korea")
    assert done.returncode == 0, done.stderr
    table = list(csv.DictReader(io.StringIO(done.stdout)))
    assert table and all("North Korea" in (r["subject"], r["object"]) for r in table)
    assert all(r["sentence"] for r in table)

    listed = kg("query", "--list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    names = [line.split()[0] for line in lines]
    assert names == sorted(q.name for q in saved_queries())
    for q, line in zip(saved_queries(), lines, strict=True):
        assert line.split(None, 1)[1] == q.description

    missing = kg("query", graph_file, "relations-of")
    assert missing.returncode == 2
    assert "--param entity" in missing.stderr and "Traceback" not in missing.stderr


# -- output formats --------------------------------------------------------------------------

COUNTRIES = (
    "SELECT ?country ?name WHERE { ?country a geo:Country ; rdfs:label ?name } ORDER BY ?name"
)


def test_csv_is_w3c_sparql_csv(kg, graph_file):
    done = kg("query", graph_file, COUNTRIES, "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "country,name"
    table = list(csv.reader(io.StringIO(done.stdout)))
    assert table[0] == ["country", "name"]
    assert [str(ENT["North_Korea"]), "North Korea"] in table[1:]


def test_tsv_is_w3c_sparql_tsv(kg, graph_file):
    done = kg("query", graph_file, COUNTRIES, "--format", "tsv")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "?country\t?name"
    assert f'<{ENT["North_Korea"]}>\t"North Korea"' in lines[1:]
    assert all(line.count("\t") == 1 for line in lines)


def test_json_is_w3c_sparql_json(kg, graph_file):
    done = kg("query", graph_file, COUNTRIES, "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["head"]["vars"] == ["country", "name"]
    bindings = data["results"]["bindings"]
    assert {"type": "uri", "value": str(ENT["North_Korea"])} in [b["country"] for b in bindings]
    assert {"type": "literal", "value": "North Korea"} in [b["name"] for b in bindings]


def test_table_shows_header_rows_and_count(kg, graph_file):
    done = kg("query", graph_file, COUNTRIES, "--format", "table")
    assert done.returncode == 0, done.stderr
    assert "country" in done.stdout and "name" in done.stdout
    assert "ent:North_Korea" in done.stdout  # IRIs compacted with the project's prefixes
    assert "rows" in done.stdout.splitlines()[-1]


def test_ask_prints_true_or_false(kg, graph_file):
    yes = kg("query", graph_file, "ASK { ent:North_Korea geo:condemns ?what }")
    no = kg("query", graph_file, "ASK { ent:North_Korea geo:praises ent:NATO }")
    assert (yes.returncode, yes.stdout) == (0, "true\n")
    assert (no.returncode, no.stdout) == (0, "false\n")
    as_json = kg("query", graph_file, "ASK { ?s ?p ?o }", "--format", "json")
    assert json.loads(as_json.stdout) == {"head": {}, "boolean": True}


def test_construct_and_describe_print_turtle(kg, graph_file):
    done = kg("query", graph_file, "CONSTRUCT { ?a geo:condemns ?b } WHERE { ?a geo:condemns ?b }")
    assert done.returncode == 0, done.stderr
    graph = Graph().parse(data=done.stdout, format="turtle")
    assert len(graph) >= 1
    assert (ENT["North_Korea"], GEO.condemns, None) in graph
    assert "@prefix geo:" in done.stdout

    described = kg("query", graph_file, "DESCRIBE ent:North_Korea")
    assert described.returncode == 0, described.stderr
    graph = Graph().parse(data=described.stdout, format="turtle")
    assert (ENT["North_Korea"], RDFS.label, Literal("North Korea")) in graph


def test_serialize_result_api(loaded):
    result = run_query(loaded["oxigraph"], COUNTRIES)
    assert json.loads(serialize_result(result, "json"))["head"]["vars"] == ["country", "name"]
    assert serialize_result(result, "csv").startswith("country,name\r\n")  # CRLF, as in RFC 4180
    assert serialize_result(result, "tsv").splitlines()[0] == "?country\t?name"
    with pytest.raises(QueryError):
        serialize_result(result, "xml")


# -- errors ----------------------------------------------------------------------------------


def test_syntax_error_gives_line_and_column_and_exit_2(kg, graph_file):
    query = "SELECT ?x\nWHERE {\n  ?x rdfs:label ?l ?oops .\n}"
    done = kg("query", graph_file, query)
    assert done.returncode == 2
    assert "line 3, column 20" in done.stderr
    assert "?oops" in done.stderr
    assert "Traceback" not in done.stderr
    with pytest.raises(QuerySyntaxError) as info:
        prepare(query)
    assert (info.value.line, info.value.column) == (3, 20)
    assert info.value.text == "  ?x rdfs:label ?l ?oops ."


def test_undeclared_prefix_is_a_syntax_error_with_position():
    with pytest.raises(QuerySyntaxError) as info:
        prepare("SELECT * WHERE {\n  ?s nope:p ?o }")
    assert (info.value.line, info.value.column) == (2, 6)
    assert "nope:" in str(info.value)


@pytest.fixture
def listener():
    """A local TCP port that counts the connections made to it (and closes each at once)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.1)
    port = server.getsockname()[1]
    count = 0
    stop = threading.Event()

    def serve() -> None:
        nonlocal count
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            count += 1
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()

    def connections() -> int:
        time.sleep(0.3)  # let the thread accept anything already queued
        return count

    yield port, connections
    stop.set()
    thread.join()
    server.close()


def test_oxigraph_would_reach_the_network(listener, loaded):
    """The listener works: an unchecked SERVICE query does connect (so the refusals matter)."""
    port, connections = listener
    store = loaded["oxigraph"].store._inner
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/s> {{ ?s ?p ?o }} }}"
    with pytest.raises(OSError):
        list(store.query(query))
    assert connections() >= 1


REFUSED = {
    "service": "SELECT * WHERE { SERVICE <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
    "service in optional": "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE SILENT "
    "<http://127.0.0.1:{port}/sparql> { ?s ?q ?r } } }",
    "service in subquery": "SELECT * WHERE { { SELECT ?s WHERE { SERVICE "
    "<http://127.0.0.1:{port}/x> { ?s ?p ?o } } } }",
    "service in exists": "ASK { ?s ?p ?o FILTER EXISTS { SERVICE <http://127.0.0.1:{port}/x> "
    "{ ?s ?p ?o } } }",
    "load": "LOAD <http://127.0.0.1:{port}/graph.ttl>",
    "load into": "LOAD SILENT <http://127.0.0.1:{port}/g.ttl> INTO GRAPH <urn:g>",
    "from": "SELECT * FROM <http://127.0.0.1:{port}/graph.ttl> WHERE { ?s ?p ?o }",
    "from named": "SELECT * FROM NAMED <http://127.0.0.1:{port}/g.ttl> WHERE "
    "{ GRAPH ?g { ?s ?p ?o } }",
    "from file": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "insert data": "INSERT DATA { ent:a geo:condemns ent:b }",
    "delete where": "DELETE WHERE { ?s ?p ?o }",
    "modify": "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }",
    "clear": "CLEAR ALL",
    "drop": "DROP GRAPH <urn:g>",
    "create": "CREATE GRAPH <urn:g>",
    "copy": "COPY DEFAULT TO <urn:g>",
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_before_anything_runs(case, listener, loaded):
    port, connections = listener
    query = REFUSED[case].replace("{port}", str(port))
    for engine in ENGINES:
        with pytest.raises(QueryRefused, match="refused"):
            run_query(loaded[engine], query)
    assert connections() == 0


@pytest.mark.parametrize("case", ["service", "load", "from", "insert data", "clear"])
def test_cli_refusal_is_one_line_exit_2(case, kg, graph_file, listener):
    port, connections = listener
    before = graph_file.read_bytes()
    done = kg("query", graph_file, REFUSED[case].replace("{port}", str(port)))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "refused" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert connections() == 0
    assert graph_file.read_bytes() == before


def test_keywords_in_comments_and_strings_are_not_refused(loaded):
    query = (
        "# SERVICE <http://example.org/sparql> { ?s ?p ?o }\n"
        'SELECT ?s WHERE { ?s rdfs:label ?l FILTER(?l != "SERVICE <x:y> { }") '
        "FILTER(?l != '''LOAD <x:z>''') }  # FROM <x:a>"
    )
    for engine in ENGINES:
        assert rows(run_query(loaded[engine], query))


def test_missing_graph_file(kg, tmp_path):
    done = kg("query", tmp_path / "nope.ttl", "who-condemns")
    assert done.returncode == 1
    assert "no such file" in done.stderr and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr
    with pytest.raises(GraphFileError, match="no such file"):
        run_query(tmp_path / "nope.ttl", "who-condemns")


def test_not_rdf_graph_file(kg, tmp_path):
    bad = tmp_path / "graph.ttl"
    bad.write_text("this is not turtle at all {\n", encoding="utf-8")
    done = kg("query", bad, "who-condemns")
    assert done.returncode == 1
    assert "not a readable turtle graph" in done.stderr and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr
    binary = tmp_path / "graph.nt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    done = kg("query", binary, "who-condemns")
    assert done.returncode == 1 and "Traceback" not in done.stderr


def test_empty_graph_gives_no_rows(kg, tmp_path):
    empty = tmp_path / "empty.ttl"
    empty.write_text("", encoding="utf-8")
    done = kg("query", empty, "who-condemns")
    assert (done.returncode, done.stdout) == (0, "actor,relation,target,sentences,latest\n")
    alone = kg("query", empty, "ASK { ?s ?p ?o }", "--no-ontology")
    assert (alone.returncode, alone.stdout) == (0, "false\n")
    for engine in ENGINES:
        assert rows(run_query(empty, "most-connected", engine=engine)) == []


def test_unknown_saved_query_suggests_a_name(kg, graph_file):
    done = kg("query", graph_file, "who-condems")
    assert done.returncode == 2
    assert "who-condemns" in done.stderr and "Traceback" not in done.stderr
    with pytest.raises(UnknownQuery):
        run_query(graph_file, "no-such-query")


def test_query_from_a_file(kg, graph_file, tmp_path):
    path = tmp_path / "countries.rq"
    path.write_text("# countries\n" + COUNTRIES + "\n", encoding="utf-8")
    done = kg("query", graph_file, path)
    assert done.returncode == 0, done.stderr
    assert "North Korea" in done.stdout


HUGE = "Republic of " + "Very " * 20_000 + "Long Name"  # ~100 kB


@pytest.fixture(scope="module")
def huge_label_file(tmp_path_factory) -> Path:
    graph = Graph()
    huge = ENT["Huge_Country"]
    graph.add((huge, RDF.type, GEO.Country))
    graph.add((huge, RDFS.label, Literal(HUGE)))
    marked = ENT["Marked"]
    graph.add((marked, RDF.type, GEO.Country))
    graph.add((marked, RDFS.label, Literal("[bold red]Not markup[/] \n second line")))
    path = tmp_path_factory.mktemp("huge") / "huge.ttl"
    write_graph(graph, path)
    return path


def test_huge_label_does_not_break_the_table(kg, huge_label_file):
    done = kg("query", huge_label_file, "entities", "--format", "table")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(done.stdout) < 5_000
    assert max(len(line) for line in lines) <= 200
    assert "…" in done.stdout
    assert "[bold red]Not" in done.stdout  # printed as text, not interpreted as markup
    full = kg("query", huge_label_file, "entities", "--format", "csv")
    assert full.returncode == 0
    assert HUGE in full.stdout  # csv, tsv and json keep every character


def test_result_table_cuts_cells(loaded):
    result = run_query(loaded["oxigraph"], "SELECT ?x WHERE { BIND(?v AS ?x) }", {"v": HUGE})
    table = result_table(result, max_cell=50)
    assert table.row_count == 1
    cell = next(iter(table.columns[0].cells))
    assert len(cell.plain) == 50 and cell.plain.endswith("…")


# -- Python API and engines ------------------------------------------------------------------


def test_run_query_on_an_in_memory_rdflib_graph(seed_graph):
    before = len(seed_graph)
    auto = rows(run_query(seed_graph, "balance"))  # copied into Oxigraph, ontology added
    assert auto
    assert rows(run_query(seed_graph, "balance", engine="rdflib")) == auto
    assert len(seed_graph) == before  # the caller's graph is not changed
    without = run_query(seed_graph, "balance", ontology=False)
    assert rows(without) == []  # quad classes come from the ontology


def test_run_query_on_a_path_and_on_an_oxigraph_copy(graph_file, seed_graph):
    by_path = rows(run_query(graph_file, "who-condemns"))
    copy = to_oxigraph(seed_graph, ontology=True)
    assert rows(run_query(copy, "who-condemns")) == by_path
    assert rows(run_query(graph_file, "who-condemns", engine="rdflib")) == by_path


def test_trig_graph_file(graph_file, seed_graph, tmp_path):
    trig = tmp_path / "graph.trig"
    write_graph(seed_graph, trig)
    expected = rows(run_query(graph_file, "leaders"))
    for engine in ENGINES:
        assert rows(run_query(trig, "leaders", engine=engine)) == expected


def test_cli_engine_option(kg, graph_file):
    out = {}
    for engine in ENGINES:
        done = kg("query", graph_file, "most-connected", "--engine", engine)
        assert done.returncode == 0, done.stderr
        out[engine] = done.stdout
    assert out["oxigraph"] == out["rdflib"]
    bad = kg("query", graph_file, "most-connected", "--engine", "virtuoso")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_relations_of_carries_sentence_source_and_date(loaded, seed_graph):
    result = run_query(loaded["oxigraph"], "relations-of", {"entity": "Jens Stoltenberg"})
    table = list(result)
    stoltenberg = ENT["Jens_Stoltenberg"]
    expected = sum(
        1
        for ev in seed_graph.subjects(RDF.type, GEO.Evidence)
        if stoltenberg in (seed_graph.value(ev, RDF.subject), seed_graph.value(ev, RDF.object))
    )
    assert len(table) == expected
    assert all(r["sentence"] and r["source"] and r["modality"] for r in table)
    assert any(r.get("date") is not None for r in table)
    assert isinstance(table[0]["subject"], Literal)
    assert not isinstance(table[0]["subject"], URIRef)


def test_loading_a_graph_never_reaches_the_network(listener, tmp_path):
    """A JSON-LD file with a remote @context: rdflib would fetch it, kg query does not."""
    port, connections = listener
    doc = tmp_path / "graph.jsonld"
    context = f"http://127.0.0.1:{port}/context.jsonld"
    doc.write_text(json.dumps({"@context": context, "@id": "http://x/a", "name": "A"}))
    for engine in ENGINES:
        with pytest.raises(GraphFileError):
            run_query(doc, "ASK { ?s ?p ?o }", engine=engine)
    assert connections() == 0


@pytest.mark.parametrize("name", sorted(q.name for q in saved_queries() if q.params))
def test_an_unknown_entity_gives_no_rows_on_either_engine(name, loaded):
    # rdflib answers an aggregate over no rows with one empty group; the queries drop it
    params = dict.fromkeys(saved_query(name).params, "Atlantis")
    for engine in ENGINES:
        assert rows(run_query(loaded[engine], name, params)) == [], (name, engine)


def test_latest_date_ignores_undated_evidence_on_both_engines(loaded):
    # Oxigraph's MAX is unbound as soon as one row has no date (seed 004 is undated)
    found = {e: run_query(loaded[e], "supporters", {"entity": "Ukraine"}) for e in ENGINES}
    for result in found.values():
        latest = {r["supporter"].value: r.get(Variable("latest")) for r in result}
        assert latest["South Korea"] is not None and str(latest["South Korea"]) >= "2023"
