"""Export a geokg graph to other formats: RDF for triple stores, GraphML for Gephi, CSV for tables.

``export_graph(graph, fmt)`` returns the bytes of one format; ``kg export`` wraps it. Every
format is deterministic: the same graph gives the same bytes, whatever the hash seed or the order
the triples were added in (blank nodes, which ``kg build`` never writes, keep their labels).

RDF formats
    ``turtle``  readable Turtle: project prefixes, one block per node, grouped under comments
                (countries, organizations, people, events, articles, evidence), nodes sorted by
                IRI, ``rdf:type``/``rdfs:label`` first. Checked against raptor's ``rapper``.
    ``nt``      N-Triples, lines sorted (the same bytes as ``kg build -o graph.nt``).
    ``json-ld`` compacted JSON-LD: the prefixes as ``@context``, one node per subject and line.
    ``trig``    the Turtle above inside one named graph, :data:`GRAPH_IRI`.

Table formats (relation triples only, aggregated over their evidence nodes)
    ``graphml`` nodes are the entities and events (label, type, ISO code, alternative labels,
                number of articles naming them); edges are relation triples (relation, label,
                quad class, evidence count, weight, first and last date, symmetric). Opens in
                Gephi, networkx, yEd, Cytoscape.
    ``csv``     one row per relation triple: subject, subject_label, relation, object,
                object_label, quad_class, evidence_count, first_date, last_date.

Text from the graph is data, never markup: labels are XML-escaped in GraphML (characters XML 1.0
cannot hold at all, such as NUL, become U+FFFD) and written as-is in CSV (a spreadsheet may
treat a cell starting with ``=`` as a formula; import the file as text if labels are untrusted).
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from rdflib import DCTERMS, RDF, RDFS, SKOS, XSD, BNode, Graph, Literal, URIRef
from rdflib.plugins.serializers.nt import _nt_row
from rdflib.term import Node

from kg.graphio import serialize, write_atomic
from kg.paths import data_file
from kg.vocab import GEO, RELATIONS, SCHEMA, SYMMETRIC, bind_prefixes

Triple = tuple[Node, Node, Node]

if TYPE_CHECKING:
    import pyoxigraph

FORMATS: tuple[str, ...] = ("turtle", "nt", "json-ld", "trig", "graphml", "csv")
"""Export formats, in the order ``kg export --help`` lists them."""

EXTENSIONS: dict[str, str] = {
    "turtle": ".ttl",
    "nt": ".nt",
    "json-ld": ".jsonld",
    "trig": ".trig",
    "graphml": ".graphml",
    "csv": ".csv",
}
"""The usual file extension of each format."""

_ALIASES: dict[str, str] = {
    "ttl": "turtle",
    "n-triples": "nt",
    "ntriples": "nt",
    "jsonld": "json-ld",
    "json": "json-ld",
    "trig": "trig",
    "gml": "graphml",
    "graphml": "graphml",
    "csv": "csv",
}
_BY_EXTENSION: dict[str, str] = {
    **{ext: fmt for fmt, ext in EXTENSIONS.items()},
    ".turtle": "turtle",
    ".ntriples": "nt",
    ".json-ld": "json-ld",
    ".json": "json-ld",
}

GRAPH_IRI = URIRef("https://w3id.org/geokg/graph")
"""Name of the graph in TriG output."""

CSV_COLUMNS: tuple[str, ...] = (
    "subject",
    "subject_label",
    "relation",
    "object",
    "object_label",
    "quad_class",
    "evidence_count",
    "first_date",
    "last_date",
)
"""Header of the CSV edge list."""


class ExportError(ValueError):
    """An export was asked for that cannot be made (e.g. an unknown format)."""


def normalize_format(name: str) -> str:
    """The canonical name of a format (``ttl`` -> ``turtle``); raises :class:`ExportError`."""
    key = name.strip().lower().lstrip(".")
    fmt = key if key in FORMATS else _ALIASES.get(key)
    if fmt is None:
        raise ExportError(f"unknown export format '{name}' (use one of: {', '.join(FORMATS)})")
    return fmt


def format_for_path(path: str | Path) -> str | None:
    """The format an output file's extension implies (``x.graphml`` -> ``graphml``), or None."""
    return _BY_EXTENSION.get(Path(str(path)).suffix.lower())


def export_graph(graph: Graph, fmt: str, states: bool = False) -> bytes:
    """Serialise ``graph`` in ``fmt`` (one of :data:`FORMATS` or an alias such as ``ttl``).

    The result is deterministic and UTF-8 encoded. ``states`` (GraphML and CSV only) exports
    the state-level network; the RDF formats hold both readings already.
    """
    fmt = normalize_format(fmt)
    if states and fmt not in ("graphml", "csv"):
        raise ExportError(
            f"--states is for the network formats (graphml, csv); {fmt} holds both readings"
        )
    with _gc_paused():
        if fmt == "turtle":
            return _RdfWriter(graph).turtle()
        if fmt == "trig":
            return _RdfWriter(graph).trig(GRAPH_IRI)
        if fmt == "nt":
            return serialize(graph, "nt")
        if fmt == "json-ld":
            return _RdfWriter(graph).jsonld()
        if fmt == "graphml":
            return to_graphml(graph, states)
        return to_csv(graph, states)


def export_triples(triples: Iterable[Triple], fmt: str) -> bytes:
    """Like :func:`export_graph`, from the triples themselves (each once), without building an
    rdflib graph for the RDF formats (``kg build`` writes its records this way)."""
    fmt = normalize_format(fmt)
    with _gc_paused():
        if fmt == "turtle":
            return _RdfWriter(triples).turtle()
        if fmt == "trig":
            return _RdfWriter(triples).trig(GRAPH_IRI)
        if fmt == "json-ld":
            return _RdfWriter(triples).jsonld()
        if fmt == "nt":
            return ntriples(triples)
    graph = Graph()
    graph.addN((s, p, o, graph) for s, p, o in triples)
    return export_graph(graph, fmt)


def ntriples(triples: Iterable[Triple]) -> bytes:
    """Sorted N-Triples lines, as ``serialize(graph, "nt")`` writes them."""
    lines = sorted(_nt_row(t).rstrip("\n") for t in triples)
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (restored afterwards, even on error).

    An export allocates millions of small tuples and strings but no reference cycles; with the
    collector running, each collection walks the whole graph in memory again (a 1M-triple Turtle
    export took twice as long).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# ---------------------------------------------------------------------------------------------
# Ontology facts the table formats need


@dataclass(frozen=True)
class RelationInfo:
    """What the ontology says about one relation property."""

    name: str  # local name, e.g. "urges"
    label: str  # rdfs:label, e.g. "urges", "member of"
    quad_class: str  # label of its quad class ("verbal cooperation") or "structural"
    symmetric: bool


@cache
def relation_info() -> dict[str, RelationInfo]:
    """Label, quad class and symmetry of the 22 relations, read from ``ontology/geokg.ttl``."""
    onto = Graph().parse(data_file("geokg.ttl"), format="turtle")
    info = {}
    for name in RELATIONS:
        prop = GEO[name]
        quad = onto.value(prop, GEO.quadClass)
        quad_label = str(onto.value(quad, RDFS.label)) if quad is not None else "structural"
        info[name] = RelationInfo(
            name=name,
            label=str(onto.value(prop, RDFS.label) or name),
            quad_class=quad_label,
            symmetric=name in SYMMETRIC,
        )
    return info


@cache
def target_classes() -> frozenset[URIRef]:
    """The classes whose instances are graph nodes in GraphML: geo:Target and its subclasses."""
    onto = Graph().parse(data_file("geokg.ttl"), format="turtle")
    return frozenset(
        c for c in onto.transitive_subjects(RDFS.subClassOf, GEO.Target) if isinstance(c, URIRef)
    )


# ---------------------------------------------------------------------------------------------
# Relation edges with their evidence


@dataclass(frozen=True)
class Edge:
    """One relation triple and what its evidence nodes say about it."""

    subject: URIRef | BNode
    relation: str  # local name, e.g. "urges"
    object: URIRef | BNode
    evidence: int  # evidence nodes whose rdf:subject/predicate/object are this triple
    first_date: str | None  # earliest dcterms:date of that evidence (or of its article)
    last_date: str | None


def relation_edges(graph: Graph, states: bool = False) -> list[Edge]:
    """Every relation triple (``ent:A geo:urges ent:B``) with its evidence count and dates.

    Sorted by subject IRI, relation (ontology order), object IRI. Relation triples whose object
    is a literal are malformed (``kg validate`` reports them) and left out.

    With ``states``, the state-level reading (:mod:`kg.rollup`): the edges of the evidence
    between the states and organizations its ends lead or serve (``geo:subjectState``,
    ``geo:objectState``), without roles and without relations of one state with itself.
    """
    by_iri = {GEO[name]: name for name in RELATIONS}
    order = {name: i for i, name in enumerate(RELATIONS)}
    ev_subject = dict(graph.subject_objects(RDF.subject))
    ev_object = dict(graph.subject_objects(RDF.object))
    if states:
        ev_subject.update(graph.subject_objects(GEO.subjectState))
        ev_object.update(graph.subject_objects(GEO.objectState))
    dates: dict[Node, str] = {}
    for node, date in graph.subject_objects(DCTERMS.date):
        text = str(date)
        if node not in dates or text < dates[node]:
            dates[node] = text
    articles = dict(graph.subject_objects(GEO.article))

    evidence: dict[tuple[Node, str, Node], list] = {}
    background = set(graph.subjects(RDF.type, GEO.BackgroundFact))
    for ev, pred in graph.subject_objects(RDF.predicate):
        name = by_iri.get(pred)  # type: ignore[arg-type]
        if name is None or ev not in ev_subject or ev not in ev_object or ev in background:
            continue
        key = (ev_subject[ev], name, ev_object[ev])
        agg = evidence.setdefault(key, [0, None, None])
        agg[0] += 1
        date = dates.get(ev) or dates.get(articles.get(ev))  # type: ignore[arg-type]
        if date is not None:
            agg[1] = date if agg[1] is None or date < agg[1] else agg[1]
            agg[2] = date if agg[2] is None or date > agg[2] else agg[2]

    edges = []
    if states:
        for (s, name, o), (count, first, last) in evidence.items():
            if s != o and name not in ("leaderOf", "officialOf"):
                edges.append(Edge(s, name, o, count, first, last))  # type: ignore[arg-type]
    for pred, name in by_iri.items() if not states else ():
        for s, o in graph.subject_objects(pred):
            if isinstance(o, Literal) or isinstance(s, Literal):
                continue
            count, first, last = evidence.get((s, name, o), (0, None, None))
            edges.append(Edge(s, name, o, count, first, last))  # type: ignore[arg-type]
    edges.sort(key=lambda e: (str(e.subject), order[e.relation], str(e.object)))
    return edges


def node_labels(graph: Graph) -> dict[Node, str]:
    """The ``rdfs:label`` of every labelled node (the smallest one if a node has several)."""
    labels: dict[Node, str] = {}
    for node, label in graph.subject_objects(RDFS.label):
        text = str(label)
        if node not in labels or text < labels[node]:
            labels[node] = text
    return labels


def fallback_label(node: Node) -> str:
    """A readable name for an unlabelled node: the IRI's last segment (``ent:A_B`` -> ``A_B``)."""
    text = str(node)
    for sep in ("#", "/"):
        if sep in text.rstrip(sep):
            text = text.rstrip(sep).rsplit(sep, 1)[1]
            break
    return text


def type_name(cls: Node) -> str:
    """A class as the tables show it: geo terms by local name, others as a prefixed name."""
    text = str(cls)
    if text.startswith(str(GEO._NS)):
        return text[len(str(GEO._NS)) :]
    return _compactor().compact(text)[0]


# ---------------------------------------------------------------------------------------------
# GraphML

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\n": "&#10;",
     "\t": "&#9;"}
)  # fmt: skip

# (id, for, attr.name, attr.type); ids are distinct so node and edge may share a name ("label")
_NODE_KEYS = (
    ("label", "node", "label", "string"),
    ("type", "node", "type", "string"),
    ("iri", "node", "iri", "string"),
    ("iso_code", "node", "iso_code", "string"),
    ("alt_labels", "node", "alt_labels", "string"),
    ("articles", "node", "articles", "int"),
)
_EDGE_KEYS = (
    ("e_relation", "edge", "relation", "string"),
    ("e_label", "edge", "label", "string"),
    ("e_quad_class", "edge", "quad_class", "string"),
    ("e_evidence_count", "edge", "evidence_count", "int"),
    ("e_weight", "edge", "weight", "double"),
    ("e_first_date", "edge", "first_date", "string"),
    ("e_last_date", "edge", "last_date", "string"),
    ("e_symmetric", "edge", "symmetric", "boolean"),
)


def xml_escape(text: str) -> str:
    """``text`` safe inside XML 1.0 element text or a double-quoted attribute.

    Markup characters become entities; characters XML 1.0 cannot carry at all (C0 controls
    other than tab/newline/CR, lone surrogates, U+FFFE/U+FFFF) become U+FFFD.
    """
    return _XML_INVALID.sub("\ufffd", text).translate(_XML_ESCAPES)


def to_graphml(graph: Graph, states: bool = False) -> bytes:
    """The entity/event network as GraphML (see the module docstring for the attributes);
    ``states`` gives the state-level network (see :func:`relation_edges`)."""
    info = relation_info()
    edges = relation_edges(graph, states)
    labels = node_labels(graph)
    classes = target_classes()
    types: dict[Node, set[str]] = defaultdict(set)
    nodes: set[Node] = set()
    for node, cls in graph.subject_objects(RDF.type):
        if cls in classes and not isinstance(node, Literal):
            types[node].add(type_name(cls))
            if not states:  # every entity; the state-level network has only its edges' ends
                nodes.add(node)
    for e in edges:
        nodes.add(e.subject)
        nodes.add(e.object)
    for node in nodes:
        if node not in types:
            types[node] = {type_name(c) for c in graph.objects(node, RDF.type)}
    alt: dict[Node, set[str]] = defaultdict(set)
    for node, label in graph.subject_objects(SKOS.altLabel):
        if node in nodes:
            alt[node].add(str(label))
    iso = {n: str(c) for n, c in graph.subject_objects(GEO.isoCode) if n in nodes}
    mentions: dict[Node, int] = defaultdict(int)
    for _article, node in graph.subject_objects(SCHEMA.mentions):
        mentions[node] += 1

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns'
        ' http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
    ]
    for key, scope, name, typ in (*_NODE_KEYS, *_EDGE_KEYS):
        out.append(f'  <key id="{key}" for="{scope}" attr.name="{name}" attr.type="{typ}"/>\n')
    out.append('  <graph id="geokg" edgedefault="directed">\n')

    def data(key: str, value: object) -> str:
        return f'      <data key="{key}">{xml_escape(str(value))}</data>\n'

    for node in sorted(nodes, key=str):
        ident = _node_id(node)
        out.append(f'    <node id="{xml_escape(ident)}">\n')
        out.append(data("label", labels.get(node) or fallback_label(node)))
        out.append(data("type", "|".join(sorted(types[node]))))
        out.append(data("iri", ident))
        if node in iso:
            out.append(data("iso_code", iso[node]))
        if alt.get(node):
            out.append(data("alt_labels", "|".join(sorted(alt[node]))))
        out.append(data("articles", mentions.get(node, 0)))
        out.append("    </node>\n")
    for i, e in enumerate(edges):
        rel = info[e.relation]
        out.append(
            f'    <edge id="e{i}" source="{xml_escape(_node_id(e.subject))}"'
            f' target="{xml_escape(_node_id(e.object))}">\n'
        )
        out.append(data("e_relation", rel.name))
        out.append(data("e_label", rel.label))
        out.append(data("e_quad_class", rel.quad_class))
        out.append(data("e_evidence_count", e.evidence))
        out.append(data("e_weight", float(max(e.evidence, 1))))
        if e.first_date:
            out.append(data("e_first_date", e.first_date))
        if e.last_date:
            out.append(data("e_last_date", e.last_date))
        out.append(data("e_symmetric", "true" if rel.symmetric else "false"))
        out.append("    </edge>\n")
    out.append("  </graph>\n</graphml>\n")
    return "".join(out).encode("utf-8")


def _node_id(node: Node) -> str:
    return f"_:{node}" if isinstance(node, BNode) else str(node)


# ---------------------------------------------------------------------------------------------
# CSV


def to_csv(graph: Graph, states: bool = False) -> bytes:
    """The relation triples as a CSV edge list with a header row (:data:`CSV_COLUMNS`);
    ``states`` gives the state-level edges (see :func:`relation_edges`)."""
    info = relation_info()
    labels = node_labels(graph)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in relation_edges(graph, states):
        writer.writerow(
            (
                _node_id(e.subject),
                labels.get(e.subject) or fallback_label(e.subject),
                e.relation,
                _node_id(e.object),
                labels.get(e.object) or fallback_label(e.object),
                info[e.relation].quad_class,
                e.evidence,
                e.first_date or "",
                e.last_date or "",
            )
        )
    return buf.getvalue().encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Turtle, TriG and JSON-LD

# Prefixed names: a conservative, ASCII-only subset of Turtle's PN_LOCAL that every parser takes.
_LOCAL_NAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?\Z")
_STRING_ESCAPE = re.compile('[\x00-\x1f\x7f"\\\\\ud800-\udfff]')
_IRI_ESCAPE = re.compile('[\x00-\x20<>"{}|^`\\\\\ud800-\udfff]')  # not allowed in IRIs
_ECHAR = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b",
          "\f": "\\f"}  # fmt: skip
_INTEGER = re.compile(r"[+-]?[0-9]+\Z")
_DECIMAL = re.compile(r"[+-]?[0-9]*\.[0-9]+\Z")
_BNODE_ID = re.compile(r"[A-Za-z0-9_]+\Z")

# Node groups of the Turtle output, in order: (comment, classes)
_SECTIONS: tuple[tuple[str, frozenset[URIRef]], ...] = (
    ("Countries", frozenset({GEO.Country})),
    ("Organizations", frozenset({GEO.Organization, GEO.IntergovernmentalOrganization,
                                 GEO.ArmedGroup})),
    ("People", frozenset({GEO.Person})),
    ("Other actors", frozenset({GEO.Actor, GEO.Target})),
    ("Events", frozenset({GEO.Event, GEO.Visit, GEO.Meeting, GEO.Attack, GEO.Agreement})),
    ("Background facts: offices from the actor dictionary, not from the text",
     frozenset({GEO.BackgroundFact})),
    ("Relation summaries: the evidence of each relation, counted",
     frozenset({GEO.RelationSummary})),
    ("Articles", frozenset({GEO.Article})),
    ("Evidence: one node per sentence that states a relation", frozenset({GEO.Evidence})),
)  # fmt: skip
_RDF_TYPE = RDF.type
_SECTION_OF_CLASS = {cls: i for i, (_name, classes) in reversed(list(enumerate(_SECTIONS)))
                     for cls in classes}  # fmt: skip


def _section_of(types: list[Node]) -> Iterator[tuple[int, Node]]:
    """The sections (index, class) the classes of a node put it in."""
    for t in types:
        i = _SECTION_OF_CLASS.get(t)
        if i is not None:
            yield i, t
_XSD_INTEGER, _XSD_DECIMAL, _XSD_BOOLEAN, _XSD_STRING = (
    XSD.integer, XSD.decimal, XSD.boolean, XSD.string
)  # fmt: skip
_PREDICATE_RANK = {str(RDF.type): 0, str(RDFS.label): 1, str(SKOS.altLabel): 2}


class _Compactor:
    """Turns IRIs into prefixed names with the project's prefixes."""

    def __init__(self) -> None:
        namespaces = bind_prefixes(Graph(bind_namespaces="none")).namespaces()
        # longest namespace first, so a namespace nested in another wins
        self.namespaces = sorted(
            ((prefix, str(ns)) for prefix, ns in namespaces), key=lambda p: (-len(p[1]), p[0])
        )

    def compact(self, iri: str) -> tuple[str, str | None]:
        """(``prefix:local``, prefix) when a prefix fits, else (iri, None)."""
        for prefix, ns in self.namespaces:
            if iri.startswith(ns):
                local = iri[len(ns) :]
                if local == "" or _LOCAL_NAME.match(local):
                    return f"{prefix}:{local}", prefix
        return iri, None


@cache
def _compactor() -> _Compactor:
    return _Compactor()


def prefixed_name(iri: str) -> str | None:
    """``ent:Japan`` for ``https://w3id.org/geokg/id/Japan``; None if no project prefix fits."""
    text, prefix = _compactor().compact(iri)
    return text if prefix is not None else None


def _escape_char(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _ECHAR:
        return _ECHAR[ch]
    if "\ud800" <= ch <= "\udfff":
        return "\ufffd"  # a lone surrogate cannot be written as UTF-8
    return f"\\u{ord(ch):04X}"


def _iri_char(match: re.Match[str]) -> str:
    """Percent-encode a character IRIs may not contain (as rdflib would accept, rapper not)."""
    ch = match.group()
    if "\ud800" <= ch <= "\udfff":
        ch = "\ufffd"  # a lone surrogate cannot be written as UTF-8
    return "".join(f"%{byte:02X}" for byte in ch.encode("utf-8"))


class _RdfWriter:
    """Writes one graph (an rdflib Graph, or its triples each once) as Turtle, TriG or
    JSON-LD, deterministically."""

    def __init__(self, graph: Graph | Iterable[Triple]) -> None:
        self.graph = graph
        self.compactor = _compactor()
        self.used: set[str] = set()
        self._iri_cache: dict[URIRef, str] = {}  # per writer: memory goes with the export
        self._id_cache: dict[URIRef, str] = {}
        self._section: dict[Node, int] = {}

    # -- shared ---------------------------------------------------------------------------

    def _by_subject(self) -> list[tuple[Node, list[tuple[Node, list[Node]]]]]:
        """Triples grouped by subject then predicate, everything in a stable order."""
        grouped: dict[Node, dict[Node, list[Node]]] = {}
        for s, p, o in self.graph:
            preds = grouped.get(s)
            if preds is None:
                grouped[s] = {p: [o]}
            elif p in preds:
                preds[p].append(o)
            else:
                preds[p] = [o]
        section: dict[Node, int] = {}
        for s, preds in grouped.items():
            types = preds.get(_RDF_TYPE)
            if types:
                first = min((i for i, t in _section_of(types)), default=None)
                if first is not None:
                    section[s] = first
        self._section = section
        other = len(_SECTIONS)
        rank = _PREDICATE_RANK
        ordered = []
        for s in sorted(grouped, key=lambda n: (section.get(n, other), _term_key(n))):
            preds = grouped[s]
            ordered.append(
                (
                    s,
                    [
                        (p, preds[p] if len(preds[p]) == 1 else sorted(preds[p], key=_term_key))
                        for p in sorted(preds, key=lambda p: (rank.get(str(p), 3), str(p)))
                    ],
                )
            )
        return ordered

    def iri(self, iri: str) -> str:
        """An IRI as Turtle writes it: a prefixed name if one fits, else ``<...>``."""
        text, prefix = self.compactor.compact(iri)
        if prefix is not None:
            self.used.add(prefix)
            return text
        return "<" + _IRI_ESCAPE.sub(_iri_char, iri) + ">"

    # -- Turtle / TriG ----------------------------------------------------------------------

    def term(self, node: Node) -> str:
        """One RDF term in Turtle syntax."""
        kind = type(node)
        if kind is URIRef:
            text = self._iri_cache.get(node)  # type: ignore[arg-type]
            if text is None:
                text = self._iri_cache[node] = self.iri(str(node))  # type: ignore[index]
            return text
        if kind is Literal:
            return self._literal(node)  # type: ignore[arg-type]
        if isinstance(node, URIRef):
            return self.iri(str(node))
        if isinstance(node, BNode):
            return _bnode_label(node)
        if isinstance(node, Literal):
            return self._literal(node)
        raise ExportError(f"cannot write {node!r} as an RDF term")

    def _literal(self, node: Literal) -> str:
        lex = str(node)
        dt = node.datatype
        lang = node.language
        if dt is not None:
            if (dt == _XSD_INTEGER and _INTEGER.match(lex)) or (
                dt == _XSD_DECIMAL and _DECIMAL.match(lex)
            ):
                return lex
            if dt == _XSD_BOOLEAN and lex in ("true", "false"):
                return lex
        quoted = (
            '"' + _STRING_ESCAPE.sub(_escape_char, lex) + '"'
            if _STRING_ESCAPE.search(lex)
            else '"' + lex + '"'
        )
        if lang:
            return f"{quoted}@{lang}"
        if dt is not None and dt != _XSD_STRING:
            return f"{quoted}^^{self.term(dt)}"
        return quoted

    def _statements(self, indent: str) -> list[str]:
        out: list[str] = []
        current = None
        other = len(_SECTIONS)
        for s, preds in self._by_subject():
            sec = self._section.get(s, other)
            if sec != current:
                current = sec
                name = _SECTIONS[sec][0] if sec < other else "Other nodes"
                out.append(f"{indent}# {name}\n\n")
            lines = []
            for p, objects in preds:
                verb = "a" if p == _RDF_TYPE else self.term(p)
                terms = [self.term(o) for o in objects]
                if len(terms) > 1 and sum(len(t) for t in terms) + 2 * len(terms) > 72:
                    joined = (",\n" + indent + " " * 8).join(terms)
                else:
                    joined = ", ".join(terms)
                lines.append(f"{verb} {joined}")
            out.append(
                f"{indent}{self.term(s)} " + (" ;\n" + indent + "    ").join(lines) + " .\n\n"
            )
        return out

    def _prefix_lines(self) -> list[str]:
        return [
            f"@prefix {prefix}: <{ns}> .\n"
            for prefix, ns in sorted(self.compactor.namespaces)
            if prefix in self.used
        ]

    def turtle(self) -> bytes:
        """The graph as readable, deterministic Turtle."""
        body = self._statements("")
        head = self._prefix_lines()
        text = "".join(head) + ("\n" if head and body else "") + "".join(body)
        return (text.rstrip("\n") + "\n").encode("utf-8") if text else b""

    def trig(self, name: URIRef) -> bytes:
        """The graph as TriG: the Turtle statements inside the named graph ``name``."""
        body = self._statements("    ")
        graph_name = self.iri(str(name))
        head = self._prefix_lines()
        text = "".join(head) + ("\n" if head else "") + f"{graph_name} {{\n\n"
        text += "".join(body).rstrip("\n") + ("\n" if body else "") + "}\n"
        return text.encode("utf-8")

    # -- JSON-LD ------------------------------------------------------------------------------

    def _json_id(self, node: Node) -> str:
        if isinstance(node, BNode):
            return _bnode_label(node)
        text = self._id_cache.get(node)  # type: ignore[arg-type]
        if text is None:
            text, prefix = self.compactor.compact(str(node))
            if prefix is not None:
                self.used.add(prefix)
            self._id_cache[node] = text  # type: ignore[index]
        return text

    def _json_value(self, node: Node) -> object:
        if isinstance(node, Literal):
            if node.language:
                return {"@value": str(node), "@language": node.language}
            if node.datatype is not None and node.datatype != XSD.string:
                return {"@value": str(node), "@type": self._json_id(node.datatype)}
            return str(node)
        return {"@id": self._json_id(node)}

    def jsonld(self) -> bytes:
        """The graph as compacted JSON-LD: the prefixes in ``@context``, nodes in ``@graph``."""
        nodes = []
        for s, preds in self._by_subject():
            obj: dict[str, object] = {"@id": self._json_id(s)}
            for p, objects in preds:
                if p == RDF.type and all(isinstance(o, URIRef) for o in objects):
                    types = [self._json_id(o) for o in objects]
                    obj["@type"] = types[0] if len(types) == 1 else types
                    continue
                values = [self._json_value(o) for o in objects]
                obj[self._json_id(p)] = values[0] if len(values) == 1 else values
            nodes.append(obj)
        context = {
            prefix: ns for prefix, ns in sorted(self.compactor.namespaces) if prefix in self.used
        }
        # One node per line: readable and diffable, and each line goes through json's fast C
        # encoder (indenting everything is pure Python and slower by half on large graphs).
        head = json.dumps({"@context": context}, ensure_ascii=False, indent=2)[:-2]
        lines = ",\n".join("    " + json.dumps(n, ensure_ascii=False) for n in nodes)
        body = f',\n  "@graph": [\n{lines}\n  ]\n}}\n' if nodes else ',\n  "@graph": []\n}\n'
        return (head + body).encode("utf-8")


def _term_key(node: Node) -> tuple[int, str, str, str]:
    if isinstance(node, URIRef):
        return (0, str(node), "", "")
    if isinstance(node, BNode):
        return (1, str(node), "", "")
    if isinstance(node, Literal):
        return (2, str(node), str(node.datatype or ""), node.language or "")
    return (3, str(node), "", "")


def _bnode_label(node: BNode) -> str:
    text = str(node)
    if not _BNODE_ID.match(text):
        text = "b" + hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()[:16]
    return f"_:{text}"


# ---------------------------------------------------------------------------------------------
# Export from an on-disk store (kg build --store)

STORE_FORMATS: tuple[str, ...] = ("turtle", "nt", "nq", "trig")
"""Formats :func:`export_store` writes straight from Oxigraph, without an rdflib graph."""


def export_store(
    store: pyoxigraph.Store | str | Path,
    fmt: str,
    output: str | Path | BinaryIO,
    states: bool = False,
) -> None:
    """Write the graph of a store (default graph plus article graphs) in ``fmt``.

    ``store`` is a store directory or an open store. ``output`` is a path (written
    atomically: a temp file beside it, then a rename), ``"-"`` for standard output, or a binary
    file object. Turtle, N-Triples, N-Quads and TriG (``nq`` and ``trig`` put every triple in
    the named graph :data:`GRAPH_IRI`) hold the same triples as :func:`export_graph` in
    Oxigraph's layout and order (by its internal term keys: the same bytes for the same store
    content). From a directory they are copied from the store's snapshot
    (:mod:`kg.snapshot`), which is written first if the store changed since; from an open store
    they stream from Oxigraph. The other formats go through an rdflib graph and give exactly
    the bytes :func:`export_graph` gives (``states``: the state-level network, GraphML and CSV).
    """
    key = fmt.strip().lower().lstrip(".")
    fmt = key if key in ("nq", "nquads", "n-quads") else normalize_format(fmt)
    if fmt in ("nquads", "n-quads"):
        fmt = "nq"
    if states and fmt not in ("graphml", "csv"):
        export_graph(Graph(), fmt, states=True)  # raises the ExportError
    if isinstance(store, (str, Path)):
        from kg import snapshot
        from kg.store import open_store

        path = store
        store = open_store(path, read_only=True)  # a one-line StoreError for a bad one
        if fmt in STORE_FORMATS:
            folder = snapshot.fresh(path)
            if folder is None:
                del store  # the snapshot is written from a store opened anew
                folder = snapshot.fresh(path) if snapshot.write(path) else None
                if folder is None:  # not writable: stream from the store
                    store = open_store(path, read_only=True)
            if folder is not None:
                _write_output(output, lambda fh: snapshot.copy(folder, fmt, str(GRAPH_IRI), fh))
                return
    if fmt not in STORE_FORMATS:
        from kg.store import store_graph

        data = export_graph(store_graph(store), fmt, states=states)
        _write_output(output, lambda fh: fh.write(data))
        return
    _write_output(output, lambda fh: _serialize_store(store, fmt, fh))


def _serialize_store(store: pyoxigraph.Store, fmt: str, fh: BinaryIO) -> None:
    import pyoxigraph as ox

    from kg.store import union_triples

    triples = union_triples(store)
    prefixes = dict(sorted(_compactor().namespaces))
    if fmt in ("nq", "trig"):
        name = ox.NamedNode(str(GRAPH_IRI))
        quads = (ox.Quad(t.subject, t.predicate, t.object, name) for t in triples)
        rdf_format = ox.RdfFormat.N_QUADS if fmt == "nq" else ox.RdfFormat.TRIG
        ox.serialize(quads, fh, format=rdf_format, prefixes=prefixes if fmt == "trig" else None)
        return
    if fmt == "nt":
        ox.serialize(triples, fh, format=ox.RdfFormat.N_TRIPLES)
        return
    ox.serialize(triples, fh, format=ox.RdfFormat.TURTLE, prefixes=prefixes)


def _write_output(output: str | Path | BinaryIO, write: Callable[[BinaryIO], object]) -> None:
    """Run ``write`` on standard output, a file object, or a temp file renamed onto ``output``.

    Large exports stream to the temp file instead of being built in memory first.
    """
    if not isinstance(output, (str, Path)):
        write(output)
        return
    if str(output) == "-":
        write(sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    write_atomic(output, write)
