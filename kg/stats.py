"""What a graph holds: articles, sentences, entities, relations, the busiest actors, dates.

``graph_stats(graph)`` returns a :class:`Stats`; ``kg stats`` prints it as tables, or as JSON
with ``--json`` (:meth:`Stats.to_dict`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

from rdflib import DCTERMS, RDF, Graph, Literal
from rdflib.term import Node

from kg.export import (
    fallback_label,
    node_labels,
    relation_edges,
    relation_info,
    target_classes,
    type_name,
)
from kg.vocab import GEO, RELATIONS

QUAD_CLASSES: tuple[str, ...] = (
    "verbal cooperation",
    "material cooperation",
    "verbal conflict",
    "material conflict",
    "structural",
)
"""Quad classes in report order; ``structural`` holds memberOf, leaderOf and officialOf."""

_EVENT_TYPES = frozenset({"Event", "Visit", "Meeting"})


@dataclass(frozen=True)
class RelationCount:
    """How often one relation occurs."""

    relation: str  # local name, e.g. "urges"
    quad_class: str  # e.g. "verbal cooperation", or "structural"
    edges: int  # relation triples (distinct subject-object pairs)
    evidence: int  # evidence nodes (sentences stating one of those triples)


@dataclass(frozen=True)
class QuadCount:
    """Relations of one quad class."""

    quad_class: str
    edges: int
    evidence: int


@dataclass(frozen=True)
class ActorDegree:
    """An actor and the relation triples it takes part in."""

    iri: str
    label: str
    type: str  # e.g. "Country"; several types are joined with "|"
    degree: int  # relation triples with the actor as subject or object
    out_degree: int  # ... as subject
    in_degree: int  # ... as object
    evidence: int  # evidence nodes behind those triples


@dataclass
class Stats:
    """Counts describing one graph (see :func:`graph_stats`)."""

    triples: int = 0
    articles: int = 0
    dated_articles: int = 0
    evidence: int = 0  # evidence nodes: one per (sentence, relation) read
    sentences: int = 0  # distinct sentences with at least one relation
    relations: int = 0  # relation triples
    entities: dict[str, int] = field(default_factory=dict)  # type -> nodes (events included)
    relations_by_type: list[RelationCount] = field(default_factory=list)
    relations_by_quad_class: list[QuadCount] = field(default_factory=list)
    modalities: dict[str, int] = field(default_factory=dict)  # evidence nodes per modality
    publishers: dict[str, int] = field(default_factory=dict)  # articles per publisher
    top_actors: list[ActorDegree] = field(default_factory=list)
    first_date: str | None = None  # earliest article or evidence date (ISO 8601)
    last_date: str | None = None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dictionary (the shape ``kg stats --json`` prints)."""
        return asdict(self)


def graph_stats(graph: Graph, top: int = 10) -> Stats:
    """Count what ``graph`` holds; ``top`` is how many of the most connected actors to list."""
    stats = Stats(triples=len(graph))

    articles = set(graph.subjects(RDF.type, GEO.Article))
    evidence = set(graph.subjects(RDF.type, GEO.Evidence))
    stats.articles = len(articles)
    stats.evidence = len(evidence)
    # one pass per property over the whole graph: fast on large graphs
    dates: list[str] = []
    dated: set[Node] = set()
    for node, date in graph.subject_objects(DCTERMS.date):
        if node in articles or node in evidence:
            dates.append(str(date))
            if node in articles:
                dated.add(node)
    stats.dated_articles = len(dated)
    publishers = Counter(
        str(p) for a, p in graph.subject_objects(DCTERMS.publisher) if a in articles
    )
    stats.publishers = dict(sorted(publishers.items(), key=lambda kv: (-kv[1], kv[0])))
    modalities = Counter(str(m) for ev, m in graph.subject_objects(GEO.modality) if ev in evidence)
    stats.modalities = dict(sorted(modalities.items(), key=lambda kv: (-kv[1], kv[0])))
    starts = dict(graph.subject_objects(GEO.charStart))
    texts = dict(graph.subject_objects(GEO.sentence))
    sources = dict(graph.subject_objects(GEO.article))
    stats.sentences = len({(sources.get(ev), starts.get(ev, texts.get(ev, ev))) for ev in evidence})
    dates = [d for d in dates if d]
    if dates:
        stats.first_date, stats.last_date = min(dates), max(dates)

    classes = target_classes()
    types: dict[Node, set[str]] = defaultdict(set)
    for node, cls in graph.subject_objects(RDF.type):
        if cls in classes:
            types[node].add(type_name(cls))
    edges = [(e.subject, e.relation, e.object, e.evidence) for e in relation_edges(graph)]
    _relations(stats, types, edges, node_labels(graph), top)
    return stats


def _relations(
    stats: Stats,
    types: dict[Node, set[str]],
    edges: list[tuple[Node, str, Node, int]],
    labels: dict[Node, str],
    top: int,
) -> None:
    """Entities by type, relations by type and quad class, and the most connected actors.

    ``edges`` are the relation triples as (subject, relation name, object, evidence nodes).
    """
    info = relation_info()
    entity_counts: Counter[str] = Counter()
    for names in types.values():
        for name in names:
            entity_counts[name] += 1
    stats.entities = dict(sorted(entity_counts.items(), key=lambda kv: (-kv[1], kv[0])))

    stats.relations = len(edges)
    by_relation: dict[str, list[int]] = {name: [0, 0] for name in RELATIONS}
    degree: dict[Node, list[int]] = defaultdict(lambda: [0, 0, 0])  # out, in, evidence
    for s, relation, o, n_evidence in edges:
        by_relation[relation][0] += 1
        by_relation[relation][1] += n_evidence
        degree[s][0] += 1
        degree[s][2] += n_evidence
        if o != s:
            degree[o][1] += 1
            degree[o][2] += n_evidence
    stats.relations_by_type = sorted(
        (
            RelationCount(name, info[name].quad_class, n_edges, n_evidence)
            for name, (n_edges, n_evidence) in by_relation.items()
            if n_edges
        ),
        key=lambda r: (-r.edges, -r.evidence, r.relation),
    )
    by_quad = {quad: [0, 0] for quad in QUAD_CLASSES}
    for r in stats.relations_by_type:
        by_quad.setdefault(r.quad_class, [0, 0])
        by_quad[r.quad_class][0] += r.edges
        by_quad[r.quad_class][1] += r.evidence
    stats.relations_by_quad_class = [QuadCount(q, n, m) for q, (n, m) in by_quad.items()]

    actors = []
    for node, (out_deg, in_deg, n_evidence) in degree.items():
        node_types = types.get(node, set())
        if isinstance(node, Literal) or (node_types and node_types <= _EVENT_TYPES):
            continue  # events are not actors
        actors.append(
            ActorDegree(
                iri=str(node),
                label=labels.get(node) or fallback_label(node),
                type="|".join(sorted(node_types)),
                degree=out_deg + in_deg,
                out_degree=out_deg,
                in_degree=in_deg,
                evidence=n_evidence,
            )
        )
    actors.sort(key=lambda a: (-a.degree, -a.evidence, a.label, a.iri))
    stats.top_actors = actors[: max(top, 0)]


# -- on a store: SPARQL, without copying the store into rdflib --------------------------------

_STORE_COUNTS = """
SELECT ?what (COUNT(DISTINCT ?x) AS ?n) WHERE {
  { ?x a geo:Article BIND("articles" AS ?what) }
  UNION { ?x a geo:Evidence BIND("evidence" AS ?what) }
  UNION { ?x a geo:Article ; dcterms:date ?d BIND("dated" AS ?what) }
} GROUP BY ?what"""
_STORE_DATES = """
SELECT (MIN(?d) AS ?first) (MAX(?d) AS ?last) WHERE {
  { ?x a geo:Article } UNION { ?x a geo:Evidence }
  ?x dcterms:date ?d . FILTER(STR(?d) != "")
}"""
_STORE_GROUPS = """
SELECT ?what ?value (COUNT(*) AS ?n) WHERE {
  { ?a a geo:Article ; dcterms:publisher ?value BIND("publisher" AS ?what) }
  UNION { ?ev a geo:Evidence ; geo:modality ?value BIND("modality" AS ?what) }
} GROUP BY ?what ?value"""
_STORE_SENTENCES = """
SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?a ?k WHERE {
  ?ev a geo:Evidence .
  OPTIONAL { ?ev geo:article ?a } OPTIONAL { ?ev geo:charStart ?c } OPTIONAL { ?ev geo:sentence ?t }
  BIND(COALESCE(?c, ?t, ?ev) AS ?k) } }"""
_STORE_EDGES = """
SELECT ?s ?p ?o WHERE { VALUES ?p { %s } ?s ?p ?o . FILTER(!isLiteral(?o) && !isLiteral(?s)) }"""
_STORE_SUMMARIES = """
SELECT ?s ?p ?o ?n WHERE {
  ?sum geo:summarySubject ?s ; geo:summaryPredicate ?p ; geo:summaryObject ?o ;
       geo:sentenceCount ?n }"""
_STORE_TYPES = "SELECT ?x ?t WHERE { VALUES ?t { %s } ?x a ?t }"
_STORE_LABELS = "SELECT ?x ?l WHERE { ?x rdfs:label ?l . FILTER(STRSTARTS(STR(?x), STR(ent:))) }"


def store_stats(store, top: int = 10) -> Stats:
    """:func:`graph_stats` of a store (a directory or an open pyoxigraph Store), by SPARQL.

    Counts are aggregated by Oxigraph and the relation edges come with their sentence counts
    from the relation summaries; nothing is copied into rdflib. The same numbers as
    ``graph_stats(store_graph(store))`` for a store ``kg build`` wrote.
    """
    import pyoxigraph as ox

    from kg.query import _OxTerms, prefixes
    from kg.store import ONTOLOGY_GRAPH, open_store

    if not isinstance(store, ox.Store):
        store = open_store(store, read_only=True)
    ns = prefixes()
    convert = _OxTerms().to_rdflib

    def rows(text: str):
        return store.query(text, prefixes=ns, use_default_graph_as_union=True)

    ontology = ox.NamedNode(str(ONTOLOGY_GRAPH))
    in_ontology = sum(1 for _ in store.quads_for_pattern(None, None, None, ontology))
    stats = Stats(triples=len(store) - in_ontology)
    counts = {r["what"].value: int(r["n"].value) for r in rows(_STORE_COUNTS)}
    stats.articles, stats.evidence = counts.get("articles", 0), counts.get("evidence", 0)
    stats.dated_articles = counts.get("dated", 0)
    for r in rows(_STORE_DATES):
        if r["first"] is not None:
            stats.first_date, stats.last_date = r["first"].value, r["last"].value
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows(_STORE_GROUPS):
        groups[r["what"].value][r["value"].value] += int(r["n"].value)
    for name in ("publisher", "modality"):
        ordered = dict(sorted(groups[name].items(), key=lambda kv: (-kv[1], kv[0])))
        setattr(stats, "publishers" if name == "publisher" else "modalities", ordered)
    stats.sentences = next(int(r["n"].value) for r in rows(_STORE_SENTENCES))

    classes = target_classes()
    types: dict[Node, set[str]] = defaultdict(set)
    values = " ".join(f"<{c}>" for c in sorted(classes))
    for r in rows(_STORE_TYPES % values):
        types[convert(r["x"])].add(type_name(convert(r["t"])))
    by_iri = {str(GEO[name]): name for name in RELATIONS}
    counted = {(r["s"], r["p"], r["o"]): int(r["n"].value) for r in rows(_STORE_SUMMARIES)}
    edges = [
        (convert(r["s"]), by_iri[r["p"].value], convert(r["o"]),
         counted.get((r["s"], r["p"], r["o"]), 0))
        for r in rows(_STORE_EDGES % " ".join(f"geo:{name}" for name in RELATIONS))
    ]  # fmt: skip
    labels: dict[Node, str] = {}
    for r in rows(_STORE_LABELS):
        node, text = convert(r["x"]), r["l"].value
        if node not in labels or text < labels[node]:
            labels[node] = text
    _relations(stats, types, edges, labels, top)
    return stats
