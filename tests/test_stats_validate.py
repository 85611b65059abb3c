"""``kg stats`` and ``kg validate``: the seed graph, a small graph broken one rule at a time,
and hostile input (missing file, not RDF, empty graph, huge or markup-laden labels).

The seed graph is built once for the module (``kg.build.build``) and written to a temporary
Turtle file for the CLI tests. The small graph is written by the real ``GraphBuilder`` from
hand-made records, so it has exactly the shape ``kg build`` produces.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import DCTERMS, OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from kg.export import relation_edges
from kg.graphio import write_graph
from kg.paths import data_file
from kg.rdf import ArticleResult, GraphBuilder
from kg.records import Article, EntityRef, EventRef, Relation
from kg.stats import QUAD_CLASSES, Stats, graph_stats
from kg.validate import ValidationReport, validate_file, validate_graph, validate_store
from kg.vocab import ART, ENT, GEO, RELATIONS

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
MARKUP = "[bold red]Evil[/] <b>x</b> \x1b[2J"


@pytest.fixture(scope="module")
def seed_file(seed_graph: Graph, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("stats") / "graph.ttl"
    write_graph(seed_graph, path)
    return path


def mini_graph(label: str = "Japan") -> Graph:
    """A small valid graph: countries, an IGO, people, a visit event, evidence, an article."""
    japan = EntityRef("Japan", label, "Country", "JP", "JPN")
    korea = EntityRef("South_Korea", "South Korea", "Country", "KR", "KOR")
    nato = EntityRef("NATO", "NATO", "IntergovernmentalOrganization")
    boss = EntityRef("Jens_Stoltenberg", "Jens Stoltenberg", "Person")
    nk = EntityRef("North_Korea", "North Korea", "Country", "KP", "PRK")
    visit = EventRef("", "Visit", "Jens Stoltenberg's visit to Japan", agent=boss,
                     participants=(japan,))  # fmt: skip
    article = Article(id="a1", path="a1.txt", body="", title="T", date="2023-01-31",
                      source="Reuters")  # fmt: skip

    def rel(s, p, o, start, **kw) -> Relation:
        return Relation(s, p, o, "a1", f"Sentence {start}.", start, start + 10, **kw)

    res = ArticleResult(article=article)
    res.relations = [
        rel(boss, "leaderOf", nato, 0),  # person -> organization (union range)
        rel(boss, "urges", korea, 20, modality="planned"),
        rel(nato, "partnerOf", japan, 40),  # IGO as an Actor (subclass)
        rel(nk, "condemns", visit, 60, speaker=nk, modality="reported"),  # event as Target
        rel(korea, "memberOf", nato, 80, confidence=0.5),
        rel(japan, "supports", korea, 100),
        rel(japan, "supports", korea, 120),
    ]
    res.mentions = [(e, e.label) for e in (japan, korea, nato, boss, nk)]
    builder = GraphBuilder()
    builder.add(res)
    return builder.build()


def evidence_of(g: Graph, relation: str) -> URIRef:
    return sorted(g.subjects(RDF.predicate, GEO[relation]))[0]  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------
# stats


def test_stats_of_the_seed_graph_match_independent_counts(seed_graph: Graph) -> None:
    stats = graph_stats(seed_graph)
    assert isinstance(stats, Stats)
    assert stats.triples == len(seed_graph)
    assert stats.articles == len(set(seed_graph.subjects(RDF.type, GEO.Article))) == 5
    evidence = set(seed_graph.subjects(RDF.type, GEO.Evidence))
    assert stats.evidence == len(evidence)
    assert 0 < stats.sentences <= stats.evidence
    relations = [t for name in RELATIONS for t in seed_graph.triples((None, GEO[name], None))]
    assert stats.relations == len(relations)
    assert sum(r.edges for r in stats.relations_by_type) == stats.relations
    assert sum(r.evidence for r in stats.relations_by_type) == stats.evidence
    assert [q.quad_class for q in stats.relations_by_quad_class] == list(QUAD_CLASSES)
    assert sum(q.edges for q in stats.relations_by_quad_class) == stats.relations
    countries = set(seed_graph.subjects(RDF.type, GEO.Country))
    assert stats.entities["Country"] == len(countries)
    assert "Article" not in stats.entities and "Evidence" not in stats.entities
    dates = sorted(str(d) for a in seed_graph.subjects(RDF.type, GEO.Article)
                   for d in seed_graph.objects(a, DCTERMS.date))  # fmt: skip
    assert (stats.first_date, stats.last_date) == (dates[0], dates[-1])
    assert sum(stats.modalities.values()) == stats.evidence


def test_most_connected_actors(seed_graph: Graph) -> None:
    stats = graph_stats(seed_graph, top=5)
    assert len(stats.top_actors) == 5
    degrees = [a.degree for a in stats.top_actors]
    assert degrees == sorted(degrees, reverse=True)
    best = stats.top_actors[0]
    edges = relation_edges(seed_graph)
    assert best.degree == sum(1 for e in edges if best.iri in (str(e.subject), str(e.object)))
    assert best.degree == best.out_degree + best.in_degree
    assert all("Visit" not in a.type for a in graph_stats(seed_graph, top=100).top_actors)
    assert graph_stats(seed_graph, top=0).top_actors == []


def test_stats_of_the_mini_graph() -> None:
    stats = graph_stats(mini_graph())
    assert stats.relations == 6 and stats.evidence == 7 and stats.sentences == 7
    assert stats.entities == {"Country": 3, "IntergovernmentalOrganization": 1, "Person": 1,
                              "Visit": 1}  # fmt: skip
    by_type = {r.relation: (r.edges, r.evidence) for r in stats.relations_by_type}
    assert by_type["supports"] == (1, 2)
    quads = {q.quad_class: q.edges for q in stats.relations_by_quad_class}
    assert quads["structural"] == 2 and quads["verbal conflict"] == 1
    assert stats.modalities == {"asserted": 5, "planned": 1, "reported": 1}
    assert stats.publishers == {"Reuters": 1}
    assert stats.top_actors[0].label in {"Japan", "South Korea", "NATO", "Jens Stoltenberg"}


def test_stats_of_an_empty_graph() -> None:
    stats = graph_stats(Graph())
    assert (stats.triples, stats.articles, stats.relations, stats.evidence) == (0, 0, 0, 0)
    assert stats.first_date is None and stats.top_actors == []
    assert json.loads(json.dumps(stats.to_dict()))["relations"] == 0


def test_stats_cli_tables_and_json(kg, seed_file: Path, seed_graph: Graph) -> None:
    proc = kg("stats", seed_file, env={"COLUMNS": "120"})
    assert proc.returncode == 0, proc.stderr
    for title in ("Entities by type", "Relations by quad class", "Relations by type",
                  "Most connected actors", "sentences with relations", "date range"):  # fmt: skip
        assert title in proc.stdout
    api = graph_stats(seed_graph)
    assert api.top_actors[0].label in proc.stdout
    proc = kg("stats", seed_file, "--json", "--top", "3")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data == json.loads(json.dumps(graph_stats(seed_graph, top=3).to_dict()))
    assert len(data["top_actors"]) == 3


def test_stats_cli_hostile_inputs(kg, tmp_path: Path) -> None:
    proc = kg("stats", tmp_path / "missing.ttl")
    assert proc.returncode == 1 and "no such file" in proc.stderr
    bad = tmp_path / "bad.ttl"
    bad.write_text("<<< not turtle", encoding="utf-8")
    proc = kg("stats", bad)
    assert proc.returncode == 1 and "not a readable turtle graph" in proc.stderr
    assert "Traceback" not in proc.stderr
    empty = tmp_path / "empty.ttl"
    empty.write_bytes(b"")
    proc = kg("stats", empty)
    assert proc.returncode == 0, proc.stderr
    assert "the graph is empty" in proc.stdout


def test_stats_cli_prints_labels_literally_and_short(kg, tmp_path: Path) -> None:
    g = mini_graph(MARKUP + "x" * 100_000)
    path = tmp_path / "hostile.ttl"
    write_graph(g, path)
    proc = kg("stats", path, env={"COLUMNS": "120"})
    assert proc.returncode == 0, proc.stderr
    assert "[bold red]Evil[/]" in proc.stdout  # not turned into colour
    assert "\x1b" not in proc.stdout  # the escape sequence is shown, not obeyed
    assert "\\x1b" in proc.stdout
    assert max(len(line) for line in proc.stdout.splitlines()) <= 120
    data = json.loads(kg("stats", path, "--json").stdout)
    assert MARKUP + "x" * 100_000 in {a["label"] for a in data["top_actors"]}


def test_stats_cli_help(kg) -> None:
    proc = kg("stats", "--help", env={"COLUMNS": "120"})
    assert proc.returncode == 0
    assert "--json" in proc.stdout and "Example: kg stats" in proc.stdout


# ---------------------------------------------------------------------------------------------
# validate: shapes and the seed graph


def test_shapes_follow_the_ontology_domains_and_ranges() -> None:
    onto = Graph().parse(data_file("geokg.ttl"))
    shapes = Graph().parse(data_file("shapes.ttl"))

    def classes(g: Graph, node) -> set:
        union = g.value(node, OWL.unionOf)
        if union is not None:
            return set(Collection(g, union))
        return {node}

    def shape_classes(node) -> set:
        if (node, SH["class"], None) in shapes:
            return set(shapes.objects(node, SH["class"]))
        options = Collection(shapes, shapes.value(node, SH["or"]))
        return {shapes.value(o, SH["class"]) for o in options}

    for name in RELATIONS:
        prop = GEO[name]
        [shape] = shapes.subjects(SH.targetSubjectsOf, prop)
        assert shape_classes(shape) == classes(onto, onto.value(prop, RDFS.domain)), name
        [prop_shape] = [p for p in shapes.objects(shape, SH.property)
                        if shapes.value(p, SH.path) == prop]  # fmt: skip
        assert shape_classes(prop_shape) == classes(onto, onto.value(prop, RDFS.range)), name


def test_the_seed_graph_conforms(seed_graph: Graph) -> None:
    report = validate_graph(seed_graph)
    assert isinstance(report, ValidationReport)
    assert report.conforms, report.format()
    assert report.violations == []
    assert report.triples == len(seed_graph)


def test_the_mini_graph_conforms_and_is_left_unchanged() -> None:
    g = mini_graph()
    before = set(g)
    report = validate_graph(g)
    assert report.conforms, report.format()
    assert set(g) == before  # the ontology was mixed into a copy, not into the graph


def test_warnings_do_not_fail_a_graph(tmp_path: Path) -> None:
    shapes = Graph().parse(
        data="@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix geo: <https://w3id.org/geokg/ontology#> .\n"
        "<urn:s> a sh:NodeShape ; sh:targetClass geo:Country ; sh:property [\n"
        '  sh:path geo:motto ; sh:minCount 1 ; sh:severity sh:Warning ; sh:message "no motto"\n'
        "] .\n",
        format="turtle",
    )
    report = validate_graph(mini_graph(), shapes=shapes)
    assert report.conforms and report.errors == []
    assert {v.severity for v in report.violations} == {"Warning"}
    assert report.format().startswith("graph: conforms, with 3 warnings")


# ---------------------------------------------------------------------------------------------
# validate: one broken rule at a time

Mutation = Callable[[Graph], None]


def _set(g: Graph, s, p, o) -> None:
    g.remove((s, p, None))
    g.add((s, p, o))


MUTATIONS: dict[str, tuple[Mutation, str, str | None, str]] = {
    # name: (mutation, focus label starts with, path, message contains)
    "subject of leaderOf is a country": (
        lambda g: g.add((ENT.Japan, GEO.leaderOf, ENT.NATO)),
        "Japan", None, "subject of 'leader of' must be a person; it is a Country",
    ),
    "object of urges is an event": (
        lambda g: g.add((ENT.Japan, GEO.urges, next(g.subjects(RDF.type, GEO.Visit)))),
        "Japan", "geo:urges", "object of 'urges' must be an actor",
    ),
    "object of invades is untyped": (
        lambda g: g.add((ENT.Japan, GEO.invades, ENT.Atlantis)),
        "Japan", "geo:invades", "must be a country; it has no type",
    ),
    "subject untyped (no RDFS inference)": (
        lambda g: g.add((ENT.Ghost, GEO.urges, ENT.Japan)),
        "<ent:Ghost>", None, "subject of 'urges' must be an actor",
    ),
    "literal object": (
        lambda g: g.add((ENT.Japan, GEO.praises, Literal("peace"))),
        "Japan", "geo:praises", "object of 'praises' must be an actor or an event",
    ),
    "no label": (
        lambda g: g.remove((ENT.NATO, RDFS.label, None)),
        "<ent:NATO>", "rdfs:label", "exactly one rdfs:label",
    ),
    "two labels": (
        lambda g: g.add((ENT.NATO, RDFS.label, Literal("OTAN"))),
        "NATO", "rdfs:label", "exactly one rdfs:label",
    ),
    "empty label": (
        lambda g: _set(g, ENT.NATO, RDFS.label, Literal("")),
        "<ent:NATO>", "rdfs:label", "non-empty",
    ),
    "modality": (
        lambda g: _set(g, evidence_of(g, "urges"), GEO.modality, Literal("rumoured")),
        "evidence", "geo:modality", "asserted, planned, reported or hypothetical",
    ),
    "confidence above 1": (
        lambda g: _set(g, evidence_of(g, "urges"), GEO.confidence, Literal(1.5)),
        "evidence", "geo:confidence", "between 0 and 1",
    ),
    "confidence below 0": (
        lambda g: _set(g, evidence_of(g, "urges"), GEO.confidence, Literal(-0.1)),
        "evidence", "geo:confidence", "between 0 and 1",
    ),
    "confidence not a number": (
        lambda g: _set(g, evidence_of(g, "urges"), GEO.confidence, Literal("high")),
        "evidence", "geo:confidence", "between 0 and 1",
    ),
    "no sentence": (
        lambda g: g.remove((evidence_of(g, "urges"), GEO.sentence, None)),
        "evidence", "geo:sentence", "exactly one sentence",
    ),
    "no article": (
        lambda g: g.remove((evidence_of(g, "urges"), GEO.article, None)),
        "evidence", "geo:article", "exactly one article",
    ),
    "article is not an article": (
        lambda g: _set(g, evidence_of(g, "urges"), GEO.article, ENT.Japan),
        "evidence", "geo:article", "it is a Country",
    ),
    "relation not asserted": (
        lambda g: g.remove((ENT.Jens_Stoltenberg, GEO.urges, None)),
        "evidence", None, "does not assert: Jens Stoltenberg <ent:Jens_Stoltenberg> geo:urges",
    ),
    "predicate not a relation": (
        lambda g: _set(g, evidence_of(g, "urges"), RDF.predicate, GEO.agent),
        "evidence", "rdf:predicate", "one of the 22 geo: relations",
    ),
    "offsets reversed": (
        lambda g: _set(g, evidence_of(g, "urges"), GEO.charStart, Literal(500)),
        "evidence", "geo:charStart", "before geo:charEnd",
    ),
    "iso code": (
        lambda g: _set(g, ENT.Japan, GEO.isoCode, Literal("jp")),
        "Japan", "geo:isoCode", "two capital letters",
    ),
    "article date": (
        lambda g: _set(g, ART.a1, DCTERMS.date, Literal("last Tuesday")),
        "<art:a1>", "dcterms:date", "xsd:date",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_each_rule_is_reported_readably(name: str) -> None:
    mutate, focus, path, message = MUTATIONS[name]
    g = mini_graph()
    mutate(g)
    report = validate_graph(g)
    assert not report.conforms
    assert report.violations, name
    hits = [v for v in report.violations if message in v.message]
    assert hits, report.format()
    v = hits[0]
    assert v.focus_label.startswith(focus), v
    assert v.path == path, v
    assert v.severity == "Violation"
    text = report.format()
    assert "does not conform" in text and message in text
    assert "http://www.w3.org/ns/shacl#" not in text and "ValidationResult" not in text


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_the_sparql_engine_reports_what_pyshacl_reports(name: str, tmp_path: Path) -> None:
    mutate = MUTATIONS[name][0]
    g = mini_graph()
    mutate(g)
    expected = validate_graph(g, engine="pyshacl")
    assert validate_graph(g, engine="sparql").violations == expected.violations
    path = tmp_path / "broken.ttl"
    write_graph(g, path)
    from_file = validate_file(path)  # read by Oxigraph, not into rdflib
    assert from_file.violations == expected.violations
    assert from_file.triples == len(g)


def test_validating_a_store_in_place(seed_store: Path, tmp_path: Path) -> None:
    import shutil

    import pyoxigraph as ox

    from kg.store import store_graph

    copy = tmp_path / "kgdb"
    shutil.copytree(seed_store, copy)
    db = ox.Store(str(copy))
    japan = ox.NamedNode(str(ENT.Japan))
    db.add(ox.Quad(japan, ox.NamedNode(str(GEO.leaderOf)), ox.NamedNode(str(ENT.NATO))))
    db.add(ox.Quad(japan, ox.NamedNode(str(RDFS.label)), ox.Literal("Nippon")))
    del db
    report = validate_store(copy)
    expected = validate_graph(store_graph(copy), engine="pyshacl")
    assert not report.conforms and len(report.violations) == 2
    assert report.violations == expected.violations
    assert report.triples == expected.triples


def test_subclasses_count_without_inferring_types() -> None:
    g = mini_graph()
    # an IGO criticising, a person visiting an organization's seat: both allowed by subclassing
    g.add((ENT.NATO, GEO.criticizes, ENT.North_Korea))
    g.add((ENT.Jens_Stoltenberg, GEO.visits, ENT.NATO))
    assert validate_graph(g).conforms


# ---------------------------------------------------------------------------------------------
# validate: the command


def test_validate_cli_on_the_seed_graph(kg, seed_file: Path) -> None:
    proc = kg("validate", seed_file)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "conforms" in proc.stdout
    proc = kg("validate", seed_file, "--json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["conforms"] is True


def test_validate_cli_reports_violations(kg, tmp_path: Path) -> None:
    g = mini_graph(MARKUP + "y" * 50_000)
    g.add((ENT.Japan, GEO.leaderOf, ENT.NATO))
    g.remove((ENT.NATO, RDFS.label, None))
    path = tmp_path / "broken.ttl"
    write_graph(g, path)
    proc = kg("validate", path)
    assert proc.returncode == 1
    assert "does not conform: 2 violations" in proc.stdout
    assert "1. " in proc.stdout and "problem:" in proc.stdout
    assert "[bold red]Evil[/]" in proc.stdout and "\x1b" not in proc.stdout
    assert max(len(line) for line in proc.stdout.splitlines()) < 300
    proc = kg("validate", path, "--limit", "1")
    assert proc.returncode == 1 and "... and 1 more" in proc.stdout
    data = json.loads(kg("validate", path, "--json").stdout)
    assert data["conforms"] is False and len(data["violations"]) == 2
    assert {v["constraint"] for v in data["violations"]} == {"class", "minCount"}


def test_validate_cli_hostile_inputs(kg, tmp_path: Path, seed_file: Path) -> None:
    proc = kg("validate", tmp_path / "missing.ttl")
    assert proc.returncode == 2 and "no such file" in proc.stderr
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix : <x> . :a :b "unterminated', encoding="utf-8")
    proc = kg("validate", bad)
    assert proc.returncode == 2 and "not a readable turtle graph" in proc.stderr
    assert "Traceback" not in proc.stderr
    empty = tmp_path / "empty.ttl"
    empty.write_bytes(b"")
    proc = kg("validate", empty)
    assert proc.returncode == 0
    assert "the graph is empty" in proc.stderr
    proc = kg("validate", seed_file, "--shapes", tmp_path / "nope.ttl")
    assert proc.returncode == 2 and "no such file" in proc.stderr
    proc = kg("validate", seed_file, "--shapes", bad)
    assert proc.returncode == 2 and "not readable SHACL shapes" in proc.stderr


def test_validate_cli_with_custom_shapes(kg, tmp_path: Path, seed_file: Path) -> None:
    shapes = tmp_path / "strict.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix geo: <https://w3id.org/geokg/ontology#> .\n"
        "<urn:s> a sh:NodeShape ; sh:targetClass geo:Article ; sh:property [\n"
        '  sh:path geo:isTeaser ; sh:minCount 1 ; sh:message "articles need geo:isTeaser" ] .\n',
        encoding="utf-8",
    )
    proc = kg("validate", seed_file, "--shapes", shapes)
    assert proc.returncode == 1
    assert "articles need geo:isTeaser" in proc.stdout


def test_validate_cli_help(kg) -> None:
    proc = kg("validate", "--help", env={"COLUMNS": "120"})
    assert proc.returncode == 0
    for word in ("SHACL", "Exit status", "--json", "--limit", "Example: kg validate"):
        assert word in proc.stdout
