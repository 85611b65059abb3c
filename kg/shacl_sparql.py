"""SHACL shapes checked by SPARQL on Oxigraph: the engine behind ``kg validate``.

pyshacl validates node by node in Python (22 s at 114k triples, most of it rdflib lookups).
This module turns each constraint of the shapes into one SPARQL query that selects the focus
nodes (and values) breaking it, runs them on Oxigraph, and writes the answers as a SHACL
results graph (``sh:ValidationResult`` nodes with focus node, path, value, message, component,
source shape and severity), the same results pyshacl gives for these shapes
(``tests/test_stats_validate.py`` runs both engines on every broken-rule case).

Supported: targets ``sh:targetClass`` (instances of subclasses too), ``sh:targetSubjectsOf``,
``sh:targetNode`` and SHACL-AF SPARQL targets; ``sh:class`` on a node shape; property shapes
with a predicate path or an ``sh:alternativePath`` of predicates and ``sh:minCount``,
``sh:maxCount``, ``sh:nodeKind``, ``sh:class``, ``sh:or`` of ``sh:class`` alternatives,
``sh:datatype``, ``sh:minLength``, ``sh:maxLength``, ``sh:pattern``, ``sh:in``,
``sh:minInclusive``, ``sh:maxInclusive``, ``sh:minExclusive``, ``sh:maxExclusive`` and
``sh:lessThan``. Every shape must have an ``sh:message`` (pyshacl's own wording of a default
message is not reproduced). :func:`compile_shapes` raises :class:`Unsupported` for anything
else, and ``kg validate`` then uses pyshacl.

Class membership follows ``rdf:type/rdfs:subClassOf*`` over the data and the ontology, with
nothing inferred, as pyshacl does with the ontology as its ``ont_graph``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

_CASTS = {XSD.integer, XSD.decimal, XSD.date, XSD.boolean, XSD.double, XSD.dateTime}
_NODE_KINDS = {
    SH.IRI: "!isIRI(?v)",
    SH.Literal: "!isLiteral(?v)",
    SH.BlankNode: "!isBlank(?v)",
    SH.BlankNodeOrIRI: "isLiteral(?v)",
    SH.IRIOrLiteral: "isBlank(?v)",
    SH.BlankNodeOrLiteral: "isIRI(?v)",
}
_COMPARISONS = {  # constraint: (what a value must be, component)
    SH.minInclusive: (">=", SH.MinInclusiveConstraintComponent),
    SH.maxInclusive: ("<=", SH.MaxInclusiveConstraintComponent),
    SH.minExclusive: (">", SH.MinExclusiveConstraintComponent),
    SH.maxExclusive: ("<", SH.MaxExclusiveConstraintComponent),
}
_PROPERTY_KEYS = {
    SH.path, SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group,
    SH.minCount, SH.maxCount, SH.nodeKind, SH["class"], SH["or"], SH.datatype,
    SH.minLength, SH.maxLength, SH.pattern, SH.flags, SH["in"], SH.lessThan,
    *_COMPARISONS, RDF.type,
}  # fmt: skip
_NODE_KEYS = {
    SH.targetClass, SH.targetSubjectsOf, SH.targetNode, SH.target, SH.property, SH.message,
    SH.severity, SH["class"], RDF.type, RDFS.label, RDFS.comment, SH.name, SH.description,
    SH.deactivated,
}  # fmt: skip


class Unsupported(Exception):
    """The shapes use a SHACL feature this engine does not implement."""


@dataclass(frozen=True)
class Check:
    """One constraint as a query selecting ``?this`` (and ``?v``) for each result."""

    query: str
    shape: Node  # the shape that reports it (a property shape's node, or the node shape)
    component: URIRef
    path: URIRef | None
    messages: tuple[Literal, ...]
    severity: URIRef
    has_value: bool  # the query binds ?v, the offending value
    counts: tuple[int | None, int | None] | None = None  # (min, max): ?n is a count of values


def _term(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise Unsupported(f"blank node {node} in a constraint")


def _is_a(var: str, cls: Node) -> str:
    return f"EXISTS {{ {var} a ?_t . ?_t <{RDFS.subClassOf}>* {_term(cls)} }}"


def compile_shapes(shapes: Graph) -> list[Check]:
    """Every check of the node shapes in ``shapes``; raises Unsupported."""
    checks: list[Check] = []
    nodes = set(shapes.subjects(RDF.type, SH.NodeShape))
    for shape in sorted(nodes, key=str):
        if shapes.value(shape, SH.deactivated) == Literal(True):
            continue
        extra = set(shapes.predicates(shape)) - _NODE_KEYS
        if extra:
            raise Unsupported(f"{shape}: {sorted(extra)}")
        focus = _focus(shapes, shape)
        if focus is None:
            continue
        severity = shapes.value(shape, SH.severity) or SH.Violation
        cls = shapes.value(shape, SH["class"])
        if cls is not None:
            checks.append(
                Check(
                    f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER(NOT {_is_a('?this', cls)}) }}",
                    shape, SH.ClassConstraintComponent, None, _messages(shapes, shape),
                    severity, False,
                )
            )  # fmt: skip
        for prop in shapes.objects(shape, SH.property):
            checks.extend(_property_checks(shapes, prop, focus))
    return checks


def _messages(shapes: Graph, shape: Node) -> tuple[Literal, ...]:
    messages = tuple(shapes.objects(shape, SH.message))
    if not messages:
        raise Unsupported(f"{shape}: no sh:message")
    return messages  # type: ignore[return-value]


def _focus(shapes: Graph, shape: Node) -> str | None:
    """A group pattern binding ?this to each focus node, or None without targets."""
    parts = []
    for cls in shapes.objects(shape, SH.targetClass):
        parts.append(f"?this a ?_c . ?_c <{RDFS.subClassOf}>* {_term(cls)} .")
    for prop in shapes.objects(shape, SH.targetSubjectsOf):
        parts.append(f"?this {_term(prop)} ?_o .")
    for node in shapes.objects(shape, SH.targetNode):
        parts.append(f"VALUES ?this {{ {_term(node)} }}")
    for target in shapes.objects(shape, SH.target):
        select = shapes.value(target, SH.select)
        if (target, RDF.type, SH.SPARQLTarget) not in shapes or select is None:
            raise Unsupported(f"{shape}: a target other than a SPARQL target")
        if "PREFIX" in str(select).upper().split("SELECT", 1)[0]:
            raise Unsupported(f"{shape}: a SPARQL target with prefixes")
        parts.append(f"{{ {select} }}")
    if not parts:
        return None
    union = " UNION ".join(f"{{ {p} }}" for p in parts)
    return f"{{ SELECT DISTINCT ?this WHERE {{ {union} }} }}"


def _path(shapes: Graph, prop: Node) -> tuple[str, URIRef | None]:
    path = shapes.value(prop, SH.path)
    if isinstance(path, URIRef):
        return f"<{path}>", path
    alternatives = shapes.value(path, SH.alternativePath) if path is not None else None
    if alternatives is not None:
        items = list(Collection(shapes, alternatives))
        if items and all(isinstance(i, URIRef) for i in items):
            return "(" + "|".join(f"<{i}>" for i in items) + ")", None
    raise Unsupported(f"{prop}: path {path}")


def _property_checks(shapes: Graph, prop: Node, focus: str) -> Iterator[Check]:
    extra = set(shapes.predicates(prop)) - _PROPERTY_KEYS
    if extra:
        raise Unsupported(f"{prop}: {sorted(extra)}")
    path, path_iri = _path(shapes, prop)
    messages = _messages(shapes, prop)
    severity = shapes.value(prop, SH.severity) or SH.Violation

    def check(query: str, component: URIRef, has_value: bool = True) -> Check:
        return Check(query, prop, component, path_iri, messages, severity, has_value)

    def per_value(condition: str, component: URIRef) -> Check:
        where = f"{focus} ?this {path} ?v . FILTER({condition})"
        return check(f"SELECT DISTINCT ?this ?v WHERE {{ {where} }}", component)

    low, high = (shapes.value(prop, key) for key in (SH.minCount, SH.maxCount))
    if low is not None or high is not None:  # one count of the values for both bounds
        n = "COUNT(DISTINCT ?v)"  # HAVING cannot name the projected ?n
        bad = [f"{n} < {int(low)}" if low is not None else "", f"{n} > {int(high)}" if high
               is not None else ""]  # fmt: skip
        yield Check(
            f"SELECT ?this (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {focus} OPTIONAL "
            f"{{ ?this {path} ?v }} }} GROUP BY ?this HAVING ({' || '.join(b for b in bad if b)})",
            prop, SH.MinCountConstraintComponent, path_iri, messages, severity, False,
            counts=(None if low is None else int(low), None if high is None else int(high)),
        )  # fmt: skip
    kind = shapes.value(prop, SH.nodeKind)
    if kind is not None:
        yield per_value(_NODE_KINDS[kind], SH.NodeKindConstraintComponent)
    cls = shapes.value(prop, SH["class"])
    if cls is not None:
        yield per_value(f"isLiteral(?v) || NOT {_is_a('?v', cls)}", SH.ClassConstraintComponent)
    alternatives = shapes.value(prop, SH["or"])
    if alternatives is not None:
        classes = []
        for member in Collection(shapes, alternatives):
            keys = set(shapes.predicates(member)) - {RDF.type}
            if keys != {SH["class"]}:
                raise Unsupported(f"{prop}: sh:or of something else than sh:class")
            classes.append(shapes.value(member, SH["class"]))
        ok = " || ".join(f"(!isLiteral(?v) && {_is_a('?v', c)})" for c in classes)
        yield per_value(f"!({ok})", SH.OrConstraintComponent)
    datatype = shapes.value(prop, SH.datatype)
    if datatype is not None:
        bad = f"!isLiteral(?v) || DATATYPE(?v) != {_term(datatype)}"
        if datatype in _CASTS:  # an ill-formed lexical form does not cast to itself
            bad += f" || !COALESCE({_term(datatype)}(STR(?v)) = ?v, false)"
        yield per_value(bad, SH.DatatypeConstraintComponent)
    for key, op, component in (
        (SH.minLength, "<", SH.MinLengthConstraintComponent),
        (SH.maxLength, ">", SH.MaxLengthConstraintComponent),
    ):
        n = shapes.value(prop, key)
        if n is not None:
            yield per_value(f"isBlank(?v) || STRLEN(STR(?v)) {op} {int(n)}", component)
    pattern = shapes.value(prop, SH.pattern)
    if pattern is not None:
        flags = shapes.value(prop, SH.flags)
        args = Literal(str(pattern)).n3() + (f", {Literal(str(flags)).n3()}" if flags else "")
        yield per_value(f"isBlank(?v) || !REGEX(STR(?v), {args})", SH.PatternConstraintComponent)
    allowed = shapes.value(prop, SH["in"])
    if allowed is not None:
        same = " || ".join(f"sameTerm(?v, {_term(a)})" for a in Collection(shapes, allowed))
        yield per_value(f"!({same or 'false'})", SH.InConstraintComponent)
    for key, (op, component) in _COMPARISONS.items():
        bound = shapes.value(prop, key)
        if bound is not None:  # an incomparable value (a text) fails too
            yield per_value(f"!COALESCE(?v {op} {_term(bound)}, false)", component)
    other = shapes.value(prop, SH.lessThan)
    if other is not None:
        yield check(
            f"SELECT DISTINCT ?this ?v WHERE {{ {focus} ?this {path} ?v . "
            f"?this {_term(other)} ?w . FILTER(!COALESCE(?v < ?w, false)) }}",
            SH.LessThanConstraintComponent,
        )


def run_checks(store, checks: list[Check], union: bool = False) -> Graph:
    """Run ``checks`` on a pyoxigraph Store; the results as a SHACL results graph."""
    from kg.query import _OxTerms

    convert = _OxTerms().to_rdflib
    results = Graph()
    for i, c in enumerate(checks):
        for row in store.query(c.query, use_default_graph_as_union=union):
            for component in _components(c, row):
                _result(results, c, component, row, convert, f"r{i}_{len(results)}")
    return results


def _components(check: Check, row) -> list[URIRef]:
    """The components a result row breaks: a count may break the minimum or the maximum."""
    if check.counts is None:
        return [check.component]
    n = int(row["n"].value)
    low, high = check.counts
    out = []
    if low is not None and n < low:
        out.append(SH.MinCountConstraintComponent)
    if high is not None and n > high:
        out.append(SH.MaxCountConstraintComponent)
    return out


def _result(results: Graph, c: Check, component: URIRef, row, convert, name: str) -> None:
    """Add one sh:ValidationResult for ``row`` of check ``c`` to ``results``."""
    r = BNode(name)
    focus = convert(row["this"])
    results.add((r, RDF.type, SH.ValidationResult))
    results.add((r, SH.focusNode, focus))
    results.add((r, SH.sourceShape, c.shape))
    results.add((r, SH.sourceConstraintComponent, component))
    results.add((r, SH.resultSeverity, c.severity))
    if c.path is not None:
        results.add((r, SH.resultPath, c.path))
    if c.has_value:
        results.add((r, SH.value, convert(row["v"])))
    elif c.path is None:
        results.add((r, SH.value, focus))  # a node shape's constraint names its focus
    for message in c.messages:
        results.add((r, SH.resultMessage, message))
