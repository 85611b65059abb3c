"""``kg export`` and ``kg.export.export_graph``: every format, on the seed graph and hostile input.

The seed graph is built once for the module (``kg.build.build``) and written to a temporary
Turtle file that the CLI tests read.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, XSD, Dataset, Graph, Literal, URIRef

from kg.export import (
    CSV_COLUMNS,
    EXTENSIONS,
    FORMATS,
    GRAPH_IRI,
    ExportError,
    export_graph,
    export_triples,
    format_for_path,
    normalize_format,
    relation_edges,
    xml_escape,
)
from kg.graphio import read_graph, write_graph
from kg.vocab import ENT, EVID, GEO, RELATIONS, bind_prefixes

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
GRAPHML_NS = "{http://graphml.graphdrawing.org/xmlns}"
RDF_PARSERS = {"turtle": "turtle", "nt": "nt", "json-ld": "json-ld"}
MARKUP = '<script>alert("x")</script> & ]]> <!-- --> <![CDATA[ x ]]> =HYPERLINK("e") a,b\nc'


@pytest.fixture(scope="module")
def seed_file(seed_graph: Graph, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("export") / "graph.ttl"
    write_graph(seed_graph, path)
    return path


@pytest.fixture(scope="module")
def exports(seed_graph: Graph) -> dict[str, bytes]:
    return {fmt: export_graph(seed_graph, fmt) for fmt in FORMATS}


def relation_triples(graph: Graph) -> set[tuple]:
    return {(s, p, o) for name in RELATIONS for s, p, o in graph.triples((None, GEO[name], None))}


def hostile_graph(label: str) -> Graph:
    """Two countries with one relation and its evidence; the subject has ``label``."""
    g = bind_prefixes(Graph())
    a, b, ev, art = ENT.Evil, ENT.Good, EVID.e1, URIRef("https://w3id.org/geokg/article/a1")
    g.add((a, RDF.type, GEO.Country))
    g.add((a, RDFS.label, Literal(label)))
    g.add((b, RDF.type, GEO.Country))
    g.add((b, RDFS.label, Literal("Good")))
    g.add((a, GEO.threatens, b))
    g.add((ev, RDF.type, GEO.Evidence))
    g.add((ev, RDF.type, RDF.Statement))
    g.add((ev, RDF.subject, a))
    g.add((ev, RDF.predicate, GEO.threatens))
    g.add((ev, RDF.object, b))
    g.add((ev, GEO.article, art))
    g.add((ev, GEO.sentence, Literal(label + " threatened Good.")))
    g.add((art, RDF.type, GEO.Article))
    g.add((art, URIRef("http://purl.org/dc/terms/date"), Literal("2024-02-03", datatype=XSD.date)))
    return g


def graphml_nodes_and_edges(data: bytes) -> tuple[dict[str, dict], list[dict]]:
    """Parse GraphML with ElementTree: {node id: attributes}, [edge attributes]."""
    root = ET.fromstring(data)
    keys = {k.get("id"): k.get("attr.name") for k in root.iter(f"{GRAPHML_NS}key")}
    graph = root.find(f"{GRAPHML_NS}graph")
    assert graph is not None

    def attrs(el: ET.Element) -> dict[str, str]:
        return {keys[d.get("key")]: d.text or "" for d in el.findall(f"{GRAPHML_NS}data")}

    nodes = {n.get("id"): attrs(n) for n in graph.findall(f"{GRAPHML_NS}node")}
    edges = [
        {"source": e.get("source"), "target": e.get("target"), **attrs(e)}
        for e in graph.findall(f"{GRAPHML_NS}edge")
    ]
    return nodes, edges


# ---------------------------------------------------------------------------------------------
# Formats, names, determinism


def test_format_names_and_extensions() -> None:
    assert set(FORMATS) == set(EXTENSIONS)
    assert normalize_format("TTL") == "turtle"
    assert normalize_format(".jsonld") == "json-ld"
    assert normalize_format("n-triples") == "nt"
    assert format_for_path("out/x.graphml") == "graphml"
    assert format_for_path("x.CSV") == "csv"
    assert format_for_path("x.txt") is None
    with pytest.raises(ExportError, match="unknown export format 'xlsx'"):
        normalize_format("xlsx")
    with pytest.raises(ExportError):
        export_graph(Graph(), "pdf")


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_is_deterministic_whatever_the_insertion_order(
    seed_graph: Graph, exports: dict[str, bytes], fmt: str
) -> None:
    shuffled = Graph()
    for triple in sorted(seed_graph, key=lambda t: tuple(str(x) for x in t), reverse=True):
        shuffled.add(triple)
    assert export_graph(seed_graph, fmt) == exports[fmt]
    assert export_graph(shuffled, fmt) == exports[fmt]
    exports[fmt].decode("utf-8")  # valid UTF-8


def test_export_is_deterministic_across_hash_seeds(kg, seed_file: Path, tmp_path: Path) -> None:
    outputs = {}
    for seed in ("0", "1", "2"):
        out = tmp_path / f"graph-{seed}.jsonld"
        proc = kg("export", seed_file, "-o", out, "-q", env={"PYTHONHASHSEED": seed})
        assert proc.returncode == 0, proc.stderr
        outputs[seed] = out.read_bytes()
    assert outputs["0"] == outputs["1"] == outputs["2"]


# ---------------------------------------------------------------------------------------------
# RDF formats


@pytest.mark.parametrize("fmt", sorted(RDF_PARSERS))
def test_rdf_formats_parse_back_to_the_same_triples(
    seed_graph: Graph, exports: dict[str, bytes], fmt: str
) -> None:
    again = Graph().parse(data=exports[fmt], format=RDF_PARSERS[fmt])
    assert set(again) == set(seed_graph)


def test_trig_holds_the_graph_in_one_named_graph(seed_graph: Graph, exports) -> None:
    ds = Dataset()
    ds.parse(data=exports["trig"], format="trig")
    named = [g for g in ds.graphs() if len(g)]
    assert [g.identifier for g in named] == [GRAPH_IRI]
    assert set(named[0]) == set(seed_graph)


@pytest.mark.parametrize("suffix", [".trig", ".nq"])
def test_read_graph_merges_quad_files_into_one_graph(
    seed_graph: Graph, tmp_path: Path, suffix: str
) -> None:
    # Every command reads GRAPH files with read_graph; quad files must not come back empty.
    path = tmp_path / f"graph{suffix}"
    write_graph(seed_graph, path)
    assert set(read_graph(path)) == set(seed_graph)


def test_turtle_is_prefixed_and_grouped(exports: dict[str, bytes]) -> None:
    text = exports["turtle"].decode("utf-8")
    assert text.startswith("@prefix ")
    assert "@prefix geo: <https://w3id.org/geokg/ontology#> ." in text
    body = [line for line in text.splitlines() if not line.startswith("@prefix")]
    assert not [line for line in body if "<https://w3id.org/geokg/" in line]  # ent:, geo:, ...
    sections = [line for line in text.splitlines() if line.startswith("# ")]
    assert sections[0] == "# Countries"
    assert sections.index("# Articles") < len(sections) - 1  # evidence comes last
    assert sections[-1].startswith("# Evidence")


def test_nt_matches_kg_build_output(seed_graph: Graph, exports, tmp_path: Path) -> None:
    write_graph(seed_graph, tmp_path / "g.nt")
    assert exports["nt"] == (tmp_path / "g.nt").read_bytes()


def test_jsonld_is_compacted_with_prefixes(exports: dict[str, bytes]) -> None:
    doc = json.loads(exports["json-ld"])
    assert doc["@context"]["ent"] == str(ENT)
    ids = [node["@id"] for node in doc["@graph"]]
    assert "ent:Japan" in ids
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("fmt", "syntax"), [("turtle", "turtle"), ("trig", "trig")])
def test_rapper_accepts_turtle_and_trig(
    seed_graph: Graph, exports: dict[str, bytes], tmp_path: Path, fmt: str, syntax: str
) -> None:
    rapper = shutil.which("rapper")
    if rapper is None:
        pytest.skip("rapper not installed (Debian/Ubuntu: apt-get install raptor2-utils)")
    path = tmp_path / f"graph{EXTENSIONS[fmt]}"
    path.write_bytes(exports[fmt])
    proc = subprocess.run(
        [rapper, "-i", syntax, "-c", str(path)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert f"returned {len(seed_graph)} triples" in proc.stderr


def test_rapper_accepts_hostile_literals_and_iris(tmp_path: Path) -> None:
    rapper = shutil.which("rapper")
    if rapper is None:
        pytest.skip("rapper not installed (Debian/Ubuntu: apt-get install raptor2-utils)")
    g = hostile_graph('quote " backslash \\ tab \t newline \n nul \x00 esc \x1b """ ' + MARKUP)
    g.add((URIRef("https://w3id.org/geokg/id/A(b).c."), RDFS.label, Literal("x", lang="en-GB")))
    g.add((ENT["has space"], GEO.isoCode, Literal("1.0", datatype=XSD.decimal)))
    g.add((ENT["-dash"], GEO.isoCode, Literal("007", datatype=XSD.integer)))
    path = tmp_path / "hostile.ttl"
    path.write_bytes(export_graph(g, "turtle"))
    # a space is not allowed in an IRI: rdflib takes one, so it is percent-encoded for others
    assert b"<https://w3id.org/geokg/id/has%20space>" in path.read_bytes()
    proc = subprocess.run(
        [rapper, "-i", "turtle", "-c", str(path)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert f"returned {len(g)} triples" in proc.stderr


def test_hostile_literals_and_iris_round_trip_in_every_rdf_format() -> None:
    g = hostile_graph('quote " backslash \\ nul \x00 bell \x07 del \x7f é 中 🙂 ' + MARKUP)
    g.add((URIRef("https://w3id.org/geokg/id/A(b).c."), RDFS.label, Literal("x", lang="en-GB")))
    g.add((ENT["-dash"], GEO.isoCode, Literal("007", datatype=XSD.integer)))
    g.add((ENT.x, GEO.confidence, Literal(".5", datatype=XSD.decimal)))
    g.add((ENT.x, GEO.isTeaser, Literal("true", datatype=XSD.boolean)))
    for fmt, parser in RDF_PARSERS.items():
        again = Graph().parse(data=export_graph(g, fmt), format=parser)
        assert set(again) == set(g), fmt
    ds = Dataset()
    ds.parse(data=export_graph(g, "trig"), format="trig")
    assert set(ds.graph(GRAPH_IRI)) == set(g)


def test_writing_from_triples_gives_the_bytes_of_writing_from_the_graph(seed_graph: Graph) -> None:
    # kg build writes its records without building an rdflib Graph: same file, every format
    triples = list(seed_graph)
    hostile = hostile_graph('quote " backslash \\ nul \x00 é 中 🙂 ' + MARKUP)
    for fmt in FORMATS:
        assert export_triples(triples, fmt) == export_graph(seed_graph, fmt), fmt
        assert export_triples(list(hostile), fmt) == export_graph(hostile, fmt), fmt
    assert export_triples([], "nt") == export_graph(Graph(), "nt") == b""


# ---------------------------------------------------------------------------------------------
# GraphML and CSV


def test_state_level_network_in_csv_and_graphml(seed_graph: Graph) -> None:
    rows = list(csv.DictReader(io.StringIO(export_graph(seed_graph, "csv", states=True).decode())))
    people = {str(s) for s in seed_graph.subjects(RDF.type, GEO.Person)}
    leftover = [r for r in rows if r["subject"] in people or r["object"] in people]
    assert rows and not leftover, leftover
    assert not any(r["relation"] in ("leaderOf", "officialOf") for r in rows)
    got = {(r["subject_label"], r["relation"], r["object_label"]) for r in rows}
    assert ("NATO", "urges", "South Korea") in got  # Stoltenberg urged it, for NATO
    assert sum(int(r["evidence_count"]) for r in rows) > 0
    nodes, edges = graphml_nodes_and_edges(export_graph(seed_graph, "graphml", states=True))
    assert len(edges) == len(rows)
    assert not any(n.get("type") == "Person" for n in nodes.values())
    with pytest.raises(ExportError, match="network formats"):
        export_graph(seed_graph, "turtle", states=True)


def test_relation_edges_cover_every_relation_triple(seed_graph: Graph) -> None:
    edges = relation_edges(seed_graph)
    assert {(e.subject, GEO[e.relation], e.object) for e in edges} == relation_triples(seed_graph)
    evidence = sum(1 for _ in seed_graph.subjects(RDF.type, GEO.Evidence))
    assert sum(e.evidence for e in edges) == evidence
    assert all(e.evidence >= 1 for e in edges)
    for e in edges:
        if e.first_date:
            assert e.first_date <= e.last_date


def test_graphml_nodes_and_edges(seed_graph: Graph, exports: dict[str, bytes]) -> None:
    nodes, edges = graphml_nodes_and_edges(exports["graphml"])
    triples = relation_triples(seed_graph)
    assert len(edges) == len(triples)
    endpoints = {str(x) for s, _, o in triples for x in (s, o)}
    assert endpoints <= set(nodes)
    japan = nodes[str(ENT.Japan)]
    assert japan["label"] == "Japan"
    assert japan["type"] == "Country"
    assert japan["iso_code"] == "JP"
    assert int(japan["articles"]) >= 1
    quads = {"verbal cooperation", "material cooperation", "verbal conflict", "material conflict"}
    for e in edges:
        assert e["relation"] in RELATIONS
        assert e["quad_class"] in quads | {"structural"}
        assert int(e["evidence_count"]) >= 1
        assert float(e["weight"]) == int(e["evidence_count"])
    leader = next(e for e in edges if e["relation"] == "leaderOf")
    assert leader["label"] == "leader of" and leader["quad_class"] == "structural"
    assert any(e.get("first_date") for e in edges)


def test_networkx_reads_the_graphml_back(seed_graph: Graph, exports: dict[str, bytes]) -> None:
    nx = pytest.importorskip("networkx")
    g = nx.read_graphml(io.BytesIO(exports["graphml"]))
    assert g.is_directed()
    assert g.number_of_edges() == len(relation_triples(seed_graph))
    assert g.nodes[str(ENT.Japan)]["label"] == "Japan"
    attrs = next(iter(g.edges(data=True)))[2]
    assert {"relation", "label", "quad_class", "evidence_count", "weight", "symmetric"} <= set(
        attrs
    )
    assert isinstance(attrs["evidence_count"], int)
    assert isinstance(attrs["symmetric"], bool)


def test_csv_edge_list(seed_graph: Graph, exports: dict[str, bytes]) -> None:
    rows = list(csv.DictReader(io.StringIO(exports["csv"].decode("utf-8"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == len(relation_triples(seed_graph))
    found = {(URIRef(r["subject"]), GEO[r["relation"]], URIRef(r["object"])) for r in rows}
    assert found == relation_triples(seed_graph)
    for r in rows:
        assert r["subject_label"] and r["object_label"]
        assert int(r["evidence_count"]) >= 1
        assert (r["first_date"] <= r["last_date"]) if r["first_date"] else not r["last_date"]
    japan = [r for r in rows if r["subject"] == str(ENT.Japan)]
    assert japan and all(r["subject_label"] == "Japan" for r in japan)


@pytest.mark.parametrize("label", [MARKUP, "x" * 1_000_000, "\u202eevil\u202c", "é 中 🙂"])
def test_labels_stay_literal_in_graphml_and_csv(label: str) -> None:
    g = hostile_graph(label)
    data = export_graph(g, "graphml")
    assert b"<script>" not in data
    nodes, edges = graphml_nodes_and_edges(data)
    assert nodes[str(ENT.Evil)]["label"] == label
    assert edges[0]["evidence_count"] == "1" and edges[0]["first_date"] == "2024-02-03"
    limit = csv.field_size_limit(10_000_000)  # Python's reader stops at 128 KB by default
    try:
        rows = list(csv.DictReader(io.StringIO(export_graph(g, "csv").decode("utf-8"))))
    finally:
        csv.field_size_limit(limit)
    assert [r["subject_label"] for r in rows] == [label]
    assert rows[0]["object_label"] == "Good"


def test_networkx_reads_hostile_labels_literally() -> None:
    nx = pytest.importorskip("networkx")
    g = nx.read_graphml(io.BytesIO(export_graph(hostile_graph(MARKUP), "graphml")))
    assert g.nodes[str(ENT.Evil)]["label"] == MARKUP


def test_characters_xml_cannot_hold_become_replacement_characters() -> None:
    label = "nul\x00 bell\x07 esc\x1b ok\ttab"
    nodes, _ = graphml_nodes_and_edges(export_graph(hostile_graph(label), "graphml"))
    assert nodes[str(ENT.Evil)]["label"] == "nul\ufffd bell\ufffd esc\ufffd ok\ttab"
    assert xml_escape('a<b>&"c"\r\n') == "a&lt;b&gt;&amp;&quot;c&quot;&#13;&#10;"
    rows = list(csv.reader(io.StringIO(export_graph(hostile_graph(label), "csv").decode())))
    assert rows[1][1] == label  # CSV keeps every character


def test_relation_with_a_literal_object_is_left_out_of_the_tables() -> None:
    g = hostile_graph("Evil")
    g.add((ENT.Evil, GEO.urges, Literal("peace")))
    assert [e.relation for e in relation_edges(g)] == ["threatens"]
    assert export_graph(g, "csv").decode().count("\n") == 2


def test_export_restores_the_garbage_collector() -> None:
    assert gc.isenabled()
    export_graph(hostile_graph("x"), "turtle")
    assert gc.isenabled()
    gc.disable()
    try:
        export_graph(hostile_graph("x"), "csv")
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_empty_graph_exports_in_every_format() -> None:
    empty = Graph()
    assert export_graph(empty, "turtle") == b""
    assert export_graph(empty, "nt") == b""
    assert json.loads(export_graph(empty, "json-ld")) == {"@context": {}, "@graph": []}
    assert export_graph(empty, "csv").decode() == ",".join(CSV_COLUMNS) + "\n"
    nodes, edges = graphml_nodes_and_edges(export_graph(empty, "graphml"))
    assert nodes == {} and edges == []
    ds = Dataset()
    ds.parse(data=export_graph(empty, "trig"), format="trig")
    assert sum(len(g) for g in ds.graphs()) == 0


# ---------------------------------------------------------------------------------------------
# The command


@pytest.mark.parametrize("fmt", FORMATS)
def test_cli_writes_each_format_atomically(
    kg, seed_file: Path, exports: dict[str, bytes], tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"graph{EXTENSIONS[fmt]}"
    proc = kg("export", seed_file, "-f", fmt, "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == exports[fmt]
    assert f"-> {out}" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # no temp file left


def test_cli_format_from_extension_and_stdout(kg, seed_file: Path, exports, tmp_path) -> None:
    out = tmp_path / "edges.csv"
    proc = kg("export", seed_file, "-o", out, "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == exports["csv"]
    assert proc.stderr == ""
    proc = kg("export", seed_file, "-f", "ttl", "-o", "-")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.encode("utf-8") == exports["turtle"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "x.xlsx"], "cannot tell the format from the extension"),
        (["-f", "pdf", "-o", "x.pdf"], "unknown export format 'pdf'"),
        ([], "give --format when writing to stdout"),
        (["-f", "csv", "-o", "no/such/dir/x.csv"], "does not exist"),
    ],
)
def test_cli_rejects_bad_requests(kg, seed_file: Path, tmp_path: Path, args, message) -> None:
    proc = kg("export", seed_file, *args, cwd=tmp_path)
    assert proc.returncode == 1
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_hostile_inputs(kg, tmp_path: Path) -> None:
    proc = kg("export", tmp_path / "missing.ttl", "-f", "csv")
    assert proc.returncode == 1 and "no such file" in proc.stderr
    not_rdf = tmp_path / "notes.ttl"
    not_rdf.write_text("this is <not> turtle at all {\n", encoding="utf-8")
    proc = kg("export", not_rdf, "-f", "graphml", "-o", tmp_path / "x.graphml")
    assert proc.returncode == 1 and "not a readable turtle graph" in proc.stderr
    assert not (tmp_path / "x.graphml").exists()
    assert "Traceback" not in proc.stderr
    empty = tmp_path / "empty.ttl"
    empty.write_bytes(b"")
    proc = kg("export", empty, "-f", "csv")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [",".join(CSV_COLUMNS)]


def test_cli_help_explains_formats_and_examples(kg) -> None:
    proc = kg("export", "--help", env={"COLUMNS": "120"})
    assert proc.returncode == 0
    for word in ("graphml", "csv", "json-ld", "--output", "--format", "Example: kg export"):
        assert word in proc.stdout


def test_cli_exports_the_state_level_network(kg, seed_graph: Graph, seed_file: Path, tmp_path):
    out = tmp_path / "states.csv"
    proc = kg("export", seed_file, "-o", out, "--states")
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == export_graph(seed_graph, "csv", states=True)
    proc = kg("export", seed_file, "-o", tmp_path / "x.ttl", "--states")
    assert proc.returncode == 1 and "network formats" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
