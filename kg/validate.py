"""Check a graph against the SHACL shapes in ``ontology/shapes.ttl`` (with pyshacl).

``validate_graph(graph)`` returns a :class:`ValidationReport`; ``kg validate`` prints its
:meth:`~ValidationReport.format` and exits non-zero when the graph does not conform.

The shapes run with the ontology as pyshacl's ``ont_graph`` and no inference, so ``sh:class``
follows ``rdfs:subClassOf`` (an ``IntergovernmentalOrganization`` is an ``Actor``, a ``Visit``
is a ``Target``) while nothing is inferred from ``rdfs:domain``/``rdfs:range``, which would
make every relation's subject an actor and hide the very errors the shapes look for.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from kg.export import prefixed_name, type_name
from kg.paths import data_file
from kg.vocab import GEO

SHAPES_NS = "https://w3id.org/geokg/shapes#"
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_MAX_SHOWN = 80  # characters of a label or literal shown in a report line


@dataclass(frozen=True)
class Violation:
    """One SHACL result, in words: which node, which property, what is wrong."""

    focus: str  # IRI of the node that breaks a constraint ("_:x" for a blank node)
    focus_label: str  # its rdfs:label, or a description of an evidence node, or its IRI
    path: str | None  # property, as a prefixed name ("geo:urges"), when the shape has one
    value: str | None  # the offending value, readable ("Japan <ent:Japan>", '"1.5"')
    message: str  # what is wrong, from the shape's sh:message
    severity: str = "Violation"  # Violation, Warning or Info
    constraint: str = ""  # SHACL constraint component, e.g. "class", "minCount", "sparql"
    shape: str = ""  # the shape that fired, e.g. "geosh:urges"

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        value = f" (value: {self.value})" if self.value is not None else ""
        return f"{self.focus_label}{where}: {self.message}{value}"


@dataclass
class ValidationReport:
    """The outcome of :func:`validate_graph`."""

    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    triples: int = 0  # size of the graph that was checked
    seconds: float = 0.0

    @property
    def errors(self) -> list[Violation]:
        """The results of severity Violation (the ones that make a graph fail)."""
        return [v for v in self.violations if v.severity == "Violation"]

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dictionary."""
        return {
            "conforms": self.conforms,
            "triples": self.triples,
            "seconds": round(self.seconds, 3),
            "violations": [asdict(v) for v in self.violations],
        }

    def format(self, limit: int | None = None, source: str = "graph") -> str:
        """A report for people: one numbered block per result, at most ``limit`` of them."""
        if not self.violations:
            return f"{source}: conforms ({self.triples:,} triples checked)"
        n = len(self.errors)
        others = len(self.violations) - n
        notes = f"{others} warning{'s' if others != 1 else ''}" if others else ""
        if self.conforms:
            head = f"{source}: conforms, with {notes}"
        else:
            head = f"{source}: does not conform: {n} violation{'s' if n != 1 else ''}"
            head += f", {notes}" if notes else ""
        lines = [head + f" ({self.triples:,} triples checked)", ""]
        shown = self.violations if not limit else self.violations[:limit]
        for i, v in enumerate(shown, 1):
            tag = "" if v.severity == "Violation" else f"[{v.severity.lower()}] "
            lines.append(f"{i}. {tag}{v.focus_label}")
            if v.path:
                lines.append(f"   property: {v.path}")
            if v.value is not None:
                lines.append(f"   value:    {v.value}")
            lines.append(f"   problem:  {v.message}")
            lines.append("")
        if len(shown) < len(self.violations):
            lines.append(f"... and {len(self.violations) - len(shown)} more (use --limit 0)")
        return "\n".join(lines).rstrip("\n")


@cache
def _ontology() -> Graph:
    return Graph().parse(data_file("geokg.ttl"), format="turtle")


@cache
def _default_shapes() -> Graph:
    return Graph().parse(data_file("shapes.ttl"), format="turtle")


def load_shapes(path: str | Path | None = None) -> Graph:
    """The shapes graph: ``ontology/shapes.ttl``, or the Turtle file at ``path``."""
    if path is None:
        return _default_shapes()
    return Graph().parse(Path(path), format="turtle")


ENGINES = ("auto", "sparql", "pyshacl")


def validate_graph(
    graph: Graph,
    shapes: Graph | None = None,
    ontology: Graph | None = None,
    engine: str = "auto",
) -> ValidationReport:
    """Validate ``graph`` against the geokg shapes (or ``shapes``).

    ``ontology`` defaults to ``ontology/geokg.ttl``; it supplies the class hierarchy. The
    graph itself is not modified. ``engine``: ``sparql`` checks the shapes by SPARQL on an
    Oxigraph copy of the graph (:mod:`kg.shacl_sparql`), ``pyshacl`` runs pyshacl, ``auto``
    (the default) the first when it supports every feature the shapes use.
    """
    from kg.shacl_sparql import Unsupported, run_checks

    started = time.perf_counter()
    shapes_graph = shapes if shapes is not None else _default_shapes()
    results = None
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r} (use {', '.join(ENGINES)})")
    if engine != "pyshacl":
        try:
            checks = _checks(shapes_graph)
        except Unsupported:
            if engine == "sparql":
                raise
        else:
            results = run_checks(_oxigraph_copy(graph, ontology), checks)
    if results is None:
        results = _pyshacl(graph, shapes_graph, ontology)
    return _report(graph, results, shapes_graph, len(graph), started)


def validate_store(store, shapes: Graph | None = None) -> ValidationReport:
    """Validate an on-disk store (a directory or an open pyoxigraph Store) in place.

    The shapes are checked by SPARQL on the store itself (its ontology graph supplies the
    class hierarchy); only the nodes a result names are read into rdflib, to describe them.
    Raises :class:`kg.shacl_sparql.Unsupported` for shapes the SPARQL engine cannot check.
    """
    import pyoxigraph as ox

    from kg.shacl_sparql import run_checks
    from kg.store import ONTOLOGY_GRAPH, open_store

    started = time.perf_counter()
    if not isinstance(store, ox.Store):
        store = open_store(store, read_only=True)
    shapes_graph = shapes if shapes is not None else _default_shapes()
    results = run_checks(store, _checks(shapes_graph), union=True)
    ontology = ox.NamedNode(str(ONTOLOGY_GRAPH))
    triples = len(store) - sum(1 for _ in store.quads_for_pattern(None, None, None, ontology))
    return _report(_described_nodes(store, results), results, shapes_graph, triples, started)


def validate_file(path: str | Path, shapes: Graph | None = None) -> ValidationReport:
    """Validate a graph file by SPARQL, read by Oxigraph's parser (not into rdflib).

    Raises GraphFileError for a file that cannot be read, and
    :class:`kg.shacl_sparql.Unsupported` for shapes the SPARQL engine cannot check.
    """
    import pyoxigraph as ox

    from kg.query import load_graph
    from kg.shacl_sparql import run_checks
    from kg.store import ONTOLOGY_GRAPH

    started = time.perf_counter()
    checks = _checks(shapes if shapes is not None else _default_shapes())
    graph = load_graph(path, engine="oxigraph", ontology=False)
    triples = len(graph)
    store = graph.store._inner  # the pyoxigraph Store under oxrdflib's Graph
    store.load(
        path=str(data_file("geokg.ttl")),
        format=ox.RdfFormat.TURTLE,
        to_graph=ox.NamedNode(str(ONTOLOGY_GRAPH)),
    )
    results = run_checks(store, checks, union=True)
    shapes_graph = shapes if shapes is not None else _default_shapes()
    return _report(_described_nodes(store, results), results, shapes_graph, triples, started)


_COMPILED: dict[int, tuple[Graph, list]] = {}


def _checks(shapes: Graph) -> list:
    """The compiled checks of a shapes graph (cached for the built-in shapes)."""
    from kg.shacl_sparql import compile_shapes

    cached = _COMPILED.get(id(shapes))
    if cached is not None and cached[0] is shapes:
        return cached[1]
    checks = compile_shapes(shapes)
    if shapes is _default_shapes():
        _COMPILED[id(shapes)] = (shapes, checks)
    return checks


def _oxigraph_copy(graph: Graph, ontology: Graph | None):
    """An in-memory Oxigraph store holding ``graph`` and the ontology (default graph)."""
    import pyoxigraph as ox

    from kg.query import _OxTerms

    store = ox.Store()
    cache: dict = {}

    def term(node):
        out = cache.get(node)
        if out is None:
            out = cache[node] = _OxTerms.to_ox(node)
        return out

    store.bulk_extend(ox.Quad(term(s), term(p), term(o)) for s, p, o in graph)
    if ontology is None:
        store.load(path=str(data_file("geokg.ttl")), format=ox.RdfFormat.TURTLE)
    else:
        store.bulk_extend(ox.Quad(term(s), term(p), term(o)) for s, p, o in ontology)
    return store


def _described_nodes(store, results: Graph) -> Graph:
    """The triples that name the nodes of ``results``: enough for :class:`_Describer`."""
    import pyoxigraph as ox

    from kg.query import _OxTerms
    from kg.store import ONTOLOGY_GRAPH, _rdflib

    ontology = ox.NamedNode(str(ONTOLOGY_GRAPH))
    out = Graph()
    seen: set[Node] = set()
    todo = {o for p in (SH.focusNode, SH.value) for o in results.objects(None, p)}
    for _round in range(2):  # the nodes, then the subject and object of evidence among them
        nxt: set[Node] = set()
        for node in todo - seen:
            seen.add(node)
            if isinstance(node, Literal):
                continue
            for q in store.quads_for_pattern(_OxTerms.to_ox(node), None, None, None):
                if q.graph_name == ontology:
                    continue
                triple = (node, _rdflib(q.predicate), _rdflib(q.object))
                out.add(triple)
                if triple[1] in (RDF.subject, RDF.object):
                    nxt.add(triple[2])
        todo = nxt
    return out


def _pyshacl(graph: Graph, shapes_graph: Graph, ontology: Graph | None) -> Graph:
    from pyshacl import validate

    _conforms, results, _text = validate(
        graph,
        shacl_graph=shapes_graph,
        ont_graph=ontology if ontology is not None else _ontology(),
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        meta_shacl=False,
        advanced=True,
        debug=False,
    )
    return results


def _report(
    graph: Graph, results: Graph, shapes_graph: Graph, triples: int, started: float
) -> ValidationReport:
    describe = _Describer(graph)
    found = sorted(
        (_violation(results, r, describe, shapes_graph) for r in _results(results)),
        key=lambda v: (
            0 if v.severity == "Violation" else 1,
            v.focus_label,
            v.focus,
            v.path or "",
            v.message,
            v.value or "",
            v.constraint,
            v.shape,
        ),
    )
    unique: dict[tuple[str, ...], Violation] = {}
    for v in found:
        # one problem found by two constraints (e.g. sh:nodeKind and sh:class) is reported once
        unique.setdefault((v.focus, v.path or "", v.value or "", v.message, v.severity), v)
    violations = list(unique.values())
    return ValidationReport(
        # pyshacl's own verdict with allow_warnings may follow a node shape's sh:severity into
        # its property shapes; the SHACL spec does not, and neither does this report
        conforms=not any(v.severity == "Violation" for v in violations),
        violations=violations,
        triples=triples,
        seconds=time.perf_counter() - started,
    )


def _results(results: Graph) -> list[Node]:
    return list(results.subjects(RDF.type, SH.ValidationResult))


def _violation(results: Graph, r: Node, describe: _Describer, shapes: Graph) -> Violation:
    focus = results.value(r, SH.focusNode)
    path = results.value(r, SH.resultPath)
    value = results.value(r, SH.value)
    messages = sorted(str(m) for m in results.objects(r, SH.resultMessage))
    component = results.value(r, SH.sourceConstraintComponent)
    constraint = _component_name(component)
    message = messages[0] if messages else f"breaks the {constraint or 'SHACL'} constraint"
    if constraint == "class" and value is not None and not isinstance(value, Literal):
        types = describe.types(value)
        if not types:
            message += "; it has no type"
        elif len(types) == 1:
            message += f"; it is {'an' if types[0][:1] in 'AEIOU' else 'a'} {types[0]}"
        else:
            message += f"; its types are {', '.join(types)}"
    if value is not None and value == focus and path is None:
        value = None  # a node shape's result names the focus node twice
    shape = _shape_name(results.value(r, SH.sourceShape), shapes, describe)
    if shape == "geosh:EvidenceAsserted" and isinstance(focus, URIRef | BNode):
        # name the missing triple instead of pointing at rdf:object
        s, p, o = (describe.graph.value(focus, t) for t in (RDF.subject, RDF.predicate, RDF.object))
        if s is not None and p is not None and o is not None:
            message += f": {describe.name(s)} {describe.compact(p)} {describe.name(o)}"
        path = value = None
    severity = SEVERITIES.get(results.value(r, SH.resultSeverity), "Violation")  # type: ignore[arg-type]
    return Violation(
        focus=describe.ident(focus),
        focus_label=describe.focus(focus),
        path=describe.compact(path) if isinstance(path, URIRef) else None,
        value=describe.value(value) if value is not None else None,
        message=message,
        severity=severity,
        constraint=constraint,
        shape=shape,
    )


def _component_name(component: Node | None) -> str:
    if component is None:
        return ""
    name = str(component).rsplit("#", 1)[-1]
    name = name.removesuffix("ConstraintComponent")
    return name.lower() if name.isupper() else name[:1].lower() + name[1:]


def _shape_name(shape: Node | None, shapes: Graph, describe: _Describer) -> str:
    if shape is None:
        return ""
    if isinstance(shape, BNode):
        parent = next(shapes.subjects(SH.property, shape), None)
        if parent is None:
            return ""
        shape = parent
    if not isinstance(shape, URIRef):
        return ""
    if str(shape).startswith(SHAPES_NS):
        return "geosh:" + str(shape)[len(SHAPES_NS) :]
    return describe.compact(shape)


class _Describer:
    """Names graph nodes for people: labels first, prefixed IRIs, shortened literals."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def compact(self, node: Node) -> str:
        return prefixed_name(str(node)) or f"<{node}>"

    def ident(self, node: Node | None) -> str:
        if node is None:
            return ""
        return f"_:{node}" if isinstance(node, BNode) else str(node)

    def label(self, node: Node) -> str | None:
        labels = sorted(str(lbl) for lbl in self.graph.objects(node, RDFS.label))
        return labels[0] if labels else None

    def types(self, node: Node) -> list[str]:
        return sorted(type_name(t) for t in self.graph.objects(node, RDF.type))

    def name(self, node: Node) -> str:
        """``Japan <ent:Japan>`` for a labelled node, the prefixed IRI otherwise."""
        if isinstance(node, Literal):
            return self.value(node)
        label = self.label(node)
        ref = self.compact(node) if isinstance(node, URIRef) else f"_:{node}"
        ref = ref if ref.startswith("<") else f"<{ref}>"
        return f"{shorten(label)} {ref}" if label else ref

    def focus(self, node: Node | None) -> str:
        """The focus node; an evidence node is described by its sentence."""
        if node is None:
            return "(no focus node)"
        if isinstance(node, Literal):
            return self.value(node)
        if self.label(node) is None and (node, RDF.type, GEO.Evidence) in self.graph:
            sentence = self.graph.value(node, GEO.sentence)
            ref = self.compact(node) if isinstance(node, URIRef) else f"_:{node}"
            ref = ref if ref.startswith("<") else f"<{ref}>"
            return f"evidence {ref}" + (f' "{shorten(str(sentence))}"' if sentence else "")
        return self.name(node)

    def value(self, node: Node) -> str:
        if isinstance(node, Literal):
            text = f'"{shorten(str(node))}"'
            if node.language:
                return f"{text}@{node.language}"
            if node.datatype is not None:
                return f"{text}^^{self.compact(node.datatype)}"
            return text
        return self.name(node)


def shorten(text: str, width: int = _MAX_SHOWN) -> str:
    """``text`` on one line for a terminal: control characters escaped, cut to ``width``."""
    safe = "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in text[: width * 2]
    )
    return safe if len(safe) <= width else safe[: width - 1] + "…"
