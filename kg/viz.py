"""An interactive, self-contained HTML view of a geokg graph: who does what to whom.

Three steps, each usable on its own::

    view = build_view(graph, ViewOptions(entity="NATO", hops=1))   # plain dataclasses
    html = render_html(view)                                        # one offline HTML page
    write_html(view, "graph.html")                                  # written atomically

:func:`build_view` reads the relation triples (``ent:A geo:urges ent:B``) and their evidence
nodes, applies the filters of :class:`ViewOptions` and lays the network out. Symmetric
relations (``owl:SymmetricProperty``: partnerOf, meetsWith, ...) become one undirected edge
whatever direction they were stated in, with the evidence of both directions; every other
relation is one arrow per direction. Edges carry every supporting sentence with its article,
publisher and date; nodes carry their type, aliases and roles (leaderOf/officialOf/memberOf).

:func:`render_html` turns the view into a pyvis network and renders it into one HTML file:
vis-network's JavaScript and CSS (shipped inside the pyvis package) are inlined, there is no
CDN link (pyvis links Bootstrap from a CDN in every mode; this page does not use it), and a
Content-Security-Policy forbids any request that leaves the page. Every string from the graph
reaches the page as JSON data and is inserted as text nodes, never as markup.

Large views stay fast: node positions are computed here (a force-directed layout with
numpy, particle-mesh repulsion above 150 nodes) and the browser only refines small views
with bounded physics; above ``PHYSICS_MAX_NODES`` nodes physics is off and the page is
interactive as soon as it has drawn.
"""

from __future__ import annotations

import base64
import difflib
import functools
import hashlib
import html
import json
import math
import re
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from rdflib import DCTERMS, OWL, RDF, RDFS, SKOS, Graph, Literal
from rdflib.term import Node

from kg.paths import data_file
from kg.vocab import GEO, RELATIONS, SCHEMA, SYMMETRIC

__all__ = [
    "QUAD_CLASSES",
    "EvidenceItem",
    "RelationInfo",
    "ViewEdge",
    "ViewError",
    "ViewModel",
    "ViewNode",
    "ViewOptions",
    "build_view",
    "relation_catalog",
    "render_html",
    "to_pyvis",
    "write_html",
]

_PACKAGE = Path(__file__).resolve().parent

# -- visual vocabulary ------------------------------------------------------------------------

QUAD_CLASSES: dict[str, tuple[str, str]] = {
    # key: (label, colour). Cooperation is green/blue, conflict orange/red; material is darker.
    "VerbalCooperation": ("verbal cooperation", "#43a047"),
    "MaterialCooperation": ("material cooperation", "#1e6fd9"),
    "VerbalConflict": ("verbal conflict", "#f08c00"),
    "MaterialConflict": ("material conflict", "#d62828"),
    "Structural": ("structural (member, leader, official)", "#8a8f98"),
}
"""Edge classes in legend order: CAMEO/PLOVER quad classes, then structural relations."""

# rdf:type local name -> (kind, label, vis shape, fill colour, border colour)
_NODE_TYPES: dict[str, tuple[str, str, str, str, str]] = {
    "Country": ("country", "country", "dot", "#5b8fd1", "#2f5d99"),
    "IntergovernmentalOrganization": (
        "organization",
        "intergovernmental organization",
        "hexagon",
        "#a77bca",
        "#6d4590",
    ),
    "Organization": ("organization", "organization", "square", "#b08968", "#7a5a3f"),
    "ArmedGroup": ("organization", "armed group", "triangle", "#6c757d", "#3d4349"),
    "Person": ("person", "person", "diamond", "#f2c14e", "#b88a14"),
    "Visit": ("event", "visit", "star", "#4fb3a9", "#2a7a72"),
    "Meeting": ("event", "meeting", "star", "#4fb3a9", "#2a7a72"),
    "Event": ("event", "event", "star", "#4fb3a9", "#2a7a72"),
    "Actor": ("other", "actor", "dot", "#c9ced6", "#8a8f98"),
}
# most specific first: a node typed Organization and IntergovernmentalOrganization is the latter
_TYPE_PRIORITY = tuple(_NODE_TYPES)
_KINDS = {
    "country": "countries",
    "organization": "organizations",
    "person": "people",
    "event": "events",
    "other": "other",
}

_ROLE_RELATIONS = ("leaderOf", "officialOf", "memberOf")
VIEW_PREDICATES = (
    RDF.type, RDFS.label, SKOS.altLabel,
    RDF.subject, RDF.predicate, RDF.object, GEO.sentence, GEO.modality, GEO.article,
    DCTERMS.title, DCTERMS.publisher, DCTERMS.date, SCHEMA.url,
    GEO.agent, GEO.destination, GEO.participant, GEO.subjectState, GEO.objectState,
    *(GEO[name] for name in RELATIONS),
)  # fmt: skip
"""Every predicate :func:`build_view` reads: what ``kg viz --store`` takes from a store."""
_ROLE_INVERSE = {"leaderOf": "led by", "officialOf": "officials", "memberOf": "members"}

# Above this many nodes the browser does no physics: positions come from Python only.
PHYSICS_MAX_NODES = 250
# Above this many edges, edges are hidden while dragging or zooming to keep frames fast.
_HIDE_ON_DRAG_EDGES = 1500


class ViewError(ValueError):
    """A view could not be built as asked (unknown relation or entity, bad option)."""


# -- the relation catalogue (from the ontology) -----------------------------------------------


@dataclass(frozen=True, slots=True)
class RelationInfo:
    """How one relation property is drawn: its label, edge class and direction."""

    name: str  # local name: "partnerOf"
    label: str  # rdfs:label: "partner of"
    quad_class: str  # a key of QUAD_CLASSES
    symmetric: bool
    structural: bool


@functools.lru_cache(maxsize=1)
def relation_catalog() -> dict[str, RelationInfo]:
    """Every relation of ``kg.vocab.RELATIONS`` described from ``ontology/geokg.ttl``."""
    onto = Graph().parse(data_file("geokg.ttl"), format="turtle")
    catalog: dict[str, RelationInfo] = {}
    for name in RELATIONS:
        prop = GEO[name]
        label = onto.value(prop, RDFS.label)
        quad = onto.value(prop, GEO.quadClass)
        structural = bool(onto.value(prop, GEO.structural))
        symmetric = (prop, RDF.type, OWL.SymmetricProperty) in onto or name in SYMMETRIC
        quad_key = "Structural" if structural or quad is None else _local(quad)
        catalog[name] = RelationInfo(
            name=name,
            label=str(label) if label is not None else _humanize(name),
            quad_class=quad_key if quad_key in QUAD_CLASSES else "Structural",
            symmetric=symmetric,
            structural=structural,
        )
    return catalog


# -- the view model ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ViewOptions:
    """What to show. The defaults show every relation stated in at least one sentence.

    ``relations`` keeps only those relations (local names such as ``"sanctions"`` or labels such
    as ``"partner of"``, any case). ``entity``/``hops`` keep what lies within ``hops`` edges of
    one entity (matched by label, alias or IRI local name). ``since``/``until`` keep evidence
    dated in that range (inclusive; undated evidence is dropped when either is set) and the
    edges that still have some. ``min_evidence`` keeps edges stated in at least that many
    distinct sentences (0 also shows relations asserted without evidence). ``max_nodes`` keeps
    the most connected nodes (the ``entity`` is always kept). ``physics`` is ``"auto"`` (on for
    views up to ``PHYSICS_MAX_NODES`` nodes), ``"on"`` or ``"off"``. ``states`` draws the
    state-level reading (:mod:`kg.rollup`): each sentence's relation between the states and
    organizations its ends lead or serve (``geo:subjectState``/``geo:objectState``), so
    "Obama criticizes Putin" is an edge United States - Russia; roles and relations inside
    one state drop out.
    """

    relations: tuple[str, ...] = ()
    entity: str | None = None
    hops: int = 1
    since: date | None = None
    until: date | None = None
    min_evidence: int = 1
    max_nodes: int | None = None
    title: str | None = None
    physics: str = "auto"
    seed: int = 7
    states: bool = False  # the state-level reading: people stand for the states they serve


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One sentence that states a relation, and where it was read."""

    sentence: str
    date: date | None = None
    title: str | None = None  # the article's headline
    publisher: str | None = None
    url: str | None = None  # shown as text, never as a link
    article: str | None = None  # article IRI
    modality: str | None = None  # asserted, hypothetical, planned, negated, ...


@dataclass(slots=True)
class ViewNode:
    """One actor or event in the view."""

    id: str  # short, stable within one view: "n0", "n1", ...
    iri: str
    label: str
    type: str  # most specific rdf:type local name: "Country", "Person", "Visit", ...
    kind: str  # "country", "organization", "person", "event" or "other"
    aliases: list[str] = field(default_factory=list)
    roles: list[tuple[str, str]] = field(default_factory=list)  # ("leader of", "Japan")
    details: list[tuple[str, str]] = field(default_factory=list)  # ("by", "Jens Stoltenberg")
    degree: int = 0
    x: float = 0.0
    y: float = 0.0


@dataclass(slots=True)
class ViewEdge:
    """One relation between two nodes, with every sentence that supports it."""

    id: str
    source: str  # node id
    target: str  # node id
    relation: str  # local name: "sanctions"
    label: str  # "sanctions"
    quad_class: str  # a key of QUAD_CLASSES
    symmetric: bool
    evidence: list[EvidenceItem] = field(default_factory=list)

    @property
    def weight(self) -> int:
        """The number of distinct supporting sentences."""
        return len(self.evidence)


@dataclass(slots=True)
class ViewModel:
    """Everything the page shows, as plain data."""

    nodes: list[ViewNode]
    edges: list[ViewEdge]
    title: str
    subtitle: str = ""
    options: ViewOptions = field(default_factory=ViewOptions)
    total_nodes: int = 0  # before filtering
    total_edges: int = 0
    focus: str | None = None  # node id of options.entity
    physics: bool = False

    def node(self, id_or_label: str) -> ViewNode | None:
        """The node with this id, IRI or label (exact), or None."""
        for n in self.nodes:
            if id_or_label in (n.id, n.iri, n.label):
                return n
        return None


# -- reading the graph ------------------------------------------------------------------------


@dataclass(slots=True)
class _Edge:
    relation: str
    s: Node
    o: Node
    evidence: list[EvidenceItem]


def build_view(graph: Graph, options: ViewOptions | None = None) -> ViewModel:
    """Read a geokg graph into a filtered, laid-out :class:`ViewModel`.

    Raises :class:`ViewError` for an unknown relation, an entity that matches nothing (or
    several things), or inconsistent options.
    """
    opts = options or ViewOptions()
    _check_options(opts)
    catalog = relation_catalog()
    wanted = _resolve_relations(opts.relations, catalog)

    edges = _read_edges(graph, catalog, states=opts.states)
    total_edges = len(edges)
    total_nodes = len({e.s for e in edges} | {e.o for e in edges})

    # 1. relation type, dates and support
    dated = opts.since is not None or opts.until is not None
    kept: list[_Edge] = []
    for e in edges:
        if wanted is not None and e.relation not in wanted:
            continue
        evidence = e.evidence
        if dated:
            evidence = [ev for ev in evidence if _in_range(ev.date, opts.since, opts.until)]
            if not evidence:
                continue
        if len(evidence) < opts.min_evidence:
            continue
        kept.append(replace(e, evidence=evidence) if evidence is not e.evidence else e)

    # 2. neighbourhood of one entity
    focus: Node | None = None
    if opts.entity is not None:
        focus = _find_entity(graph, opts.entity, {e.s for e in edges} | {e.o for e in edges})
        kept = _neighbourhood(kept, focus, opts.hops)

    # 3. the most connected nodes
    if opts.max_nodes is not None:
        kept = _most_connected(kept, opts.max_nodes, focus)

    nodes, view_edges = _make_view(graph, kept, catalog)
    if focus is not None and not any(n.iri == str(focus) for n in nodes):
        # the entity exists but nothing around it passes the filters: show it alone
        nodes.append(_make_node(graph, focus, f"n{len(nodes)}"))
    physics = opts.physics == "on" or (opts.physics == "auto" and len(nodes) <= PHYSICS_MAX_NODES)
    _layout(nodes, view_edges, seed=opts.seed)
    focus_node = next((n for n in nodes if focus is not None and n.iri == str(focus)), None)
    title, subtitle = _titles(opts, focus_node)
    return ViewModel(
        nodes=nodes,
        edges=view_edges,
        title=title,
        subtitle=subtitle,
        options=opts,
        total_nodes=total_nodes,
        total_edges=total_edges,
        focus=focus_node.id if focus_node else None,
        physics=physics,
    )


def _check_options(opts: ViewOptions) -> None:
    if opts.hops < 0:
        raise ViewError(f"hops must be 0 or more, not {opts.hops}")
    if opts.min_evidence < 0:
        raise ViewError(f"min-evidence must be 0 or more, not {opts.min_evidence}")
    if opts.max_nodes is not None and opts.max_nodes < 1:
        raise ViewError(f"max-nodes must be 1 or more, not {opts.max_nodes}")
    if opts.since and opts.until and opts.since > opts.until:
        raise ViewError(f"since ({opts.since}) is after until ({opts.until})")
    if opts.physics not in ("auto", "on", "off"):
        raise ViewError(f"physics must be auto, on or off, not {opts.physics!r}")


def _resolve_relations(names: Sequence[str], catalog: dict[str, RelationInfo]) -> set[str] | None:
    """Relation local names for ``--relation`` values (names or labels, any case)."""
    if not names:
        return None
    index: dict[str, str] = {}
    for info in catalog.values():
        label = info.label
        for key in (info.name, label, label.replace(" ", ""), label.replace(" ", "-")):
            index[key.lower()] = info.name
    found = set()
    for raw in names:
        for name in (part.strip() for part in raw.split(",")):
            if not name:
                continue
            if name.lower() not in index:
                close = difflib.get_close_matches(name.lower(), list(index), n=3, cutoff=0.6)
                guesses = ", ".join(sorted({index[c] for c in close}))
                hint = f" (did you mean {guesses}?)" if close else ""
                raise ViewError(f"unknown relation '{name}'{hint}; known: {', '.join(RELATIONS)}")
            found.add(index[name.lower()])
    return found


def _read_edges(
    graph: Graph, catalog: dict[str, RelationInfo], states: bool = False
) -> list[_Edge]:
    """Every relation triple with its evidence; symmetric relations merged into one edge.

    With ``states`` the edges come from the evidence alone, between the states and
    organizations its ends stand for (a relation of one state with itself is left out).
    """

    def column(prop: Node) -> dict[Node, Node]:
        """subject -> object for one property (one scan instead of a lookup per node)."""
        return dict(graph.subject_objects(prop))

    titles, publishers = column(DCTERMS.title), column(DCTERMS.publisher)
    urls, dates = column(SCHEMA.url), column(DCTERMS.date)
    subjects, predicates, objects = column(RDF.subject), column(RDF.predicate), column(RDF.object)
    if states:  # the rolled-up ends where the evidence has them
        subjects.update(column(GEO.subjectState))
        objects.update(column(GEO.objectState))
    sentences, modalities, article_of = (
        column(GEO.sentence),
        column(GEO.modality),
        column(GEO.article),
    )
    by_iri = {GEO[name]: name for name in catalog}
    articles: dict[Node, tuple[str | None, str | None, date | None, str | None]] = {}

    evidence: dict[tuple[Node, str, Node], list[EvidenceItem]] = defaultdict(list)
    for ev in graph.subjects(RDF.type, GEO.Evidence):
        name = by_iri.get(predicates.get(ev))
        s, o = subjects.get(ev), objects.get(ev)
        if name is None or s is None or o is None:
            continue
        art = article_of.get(ev)
        if art not in articles:
            articles[art] = (
                _text(titles.get(art)),
                _text(publishers.get(art)),
                _date(dates.get(art)),
                _text(urls.get(art)),
            )
        title, publisher, art_date, url = articles[art]
        evidence[(s, name, o)].append(
            EvidenceItem(
                sentence=_text(sentences.get(ev)) or "",
                date=_date(dates.get(ev)) or art_date,
                title=title,
                publisher=publisher,
                url=url,
                article=str(art) if art is not None else None,
                modality=_text(modalities.get(ev)),
            )
        )

    stated: dict[str, list[tuple[Node, Node]]] = defaultdict(list)
    for s, name, o in evidence if states else ():
        # a leader or official of a state, rolled up, is that state: no edge
        if s != o and name not in ("leaderOf", "officialOf"):
            stated[name].append((s, o))
    merged: dict[tuple[Node, str, Node], _Edge] = {}
    for name, info in catalog.items():
        pairs = stated[name] if states else graph.subject_objects(GEO[name])
        for s, o in pairs:
            if isinstance(o, Literal) or isinstance(s, Literal):
                continue  # not a relation between nodes (malformed input)
            items = list(evidence.get((s, name, o), ()))
            key = (s, name, o)
            if info.symmetric:
                a, b = sorted((s, o), key=str)
                key = (a, name, b)
                if key in merged:
                    merged[key].evidence.extend(items)
                    continue
                s, o = a, b
            merged[key] = _Edge(name, s, o, items)
    edges = []
    for key in sorted(merged, key=lambda k: (str(k[0]), k[1], str(k[2]))):
        e = merged[key]
        e.evidence = _dedupe_evidence(e.evidence)
        edges.append(e)
    return edges


def _dedupe_evidence(items: Iterable[EvidenceItem]) -> list[EvidenceItem]:
    """One item per (article, sentence), oldest first."""
    seen: dict[tuple[str | None, str], EvidenceItem] = {}
    for item in items:
        seen.setdefault((item.article, item.sentence), item)
    return sorted(
        seen.values(),
        key=lambda i: (i.date or date.max, i.publisher or "", i.title or "", i.sentence),
    )


def _in_range(d: date | None, since: date | None, until: date | None) -> bool:
    if d is None:
        return False
    return (since is None or d >= since) and (until is None or d <= until)


def _find_entity(graph: Graph, name: str, candidates: set[Node]) -> Node:
    """The entity ``name`` designates: exact label, alias or IRI local name, then a unique
    substring match. Entities that take part in no relation are considered too."""
    pool = set(candidates)
    for t in _NODE_TYPES:
        pool.update(graph.subjects(RDF.type, GEO[t]))
    wanted = _norm(name)
    names: dict[Node, list[str]] = {}
    for node in pool:
        forms = [str(v) for v in graph.objects(node, RDFS.label)]
        forms += [str(v) for v in graph.objects(node, SKOS.altLabel)]
        forms += [_local(node), _humanize(_local(node))]
        names[node] = forms

    def best(matches: set[Node]) -> Node | None:
        if len(matches) == 1:
            return next(iter(matches))
        if len(matches) > 1:
            labels = sorted(_label(graph, m) for m in matches)
            raise ViewError(f"'{name}' matches several entities: {', '.join(labels)}")
        return None

    for rank in (
        lambda forms: any(_norm(f) == wanted for f in forms[:1]),  # the label itself
        lambda forms: any(_norm(f) == wanted for f in forms),  # an alias or the IRI
        lambda forms: any(wanted in _norm(f) for f in forms),  # part of a name
    ):
        found = best({node for node, forms in names.items() if rank(forms)})
        if found is not None:
            return found
    labels = sorted({_label(graph, n) for n in pool})
    close = difflib.get_close_matches(name, labels, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise ViewError(f"no entity named '{name}' in the graph{hint}")


def _neighbourhood(edges: list[_Edge], focus: Node, hops: int) -> list[_Edge]:
    """Edges among the nodes within ``hops`` edges of ``focus`` (direction ignored)."""
    adjacent: dict[Node, set[Node]] = defaultdict(set)
    for e in edges:
        adjacent[e.s].add(e.o)
        adjacent[e.o].add(e.s)
    depth = {focus: 0}
    queue = deque([focus])
    while queue:
        node = queue.popleft()
        if depth[node] >= hops:
            continue
        for nxt in adjacent[node]:
            if nxt not in depth:
                depth[nxt] = depth[node] + 1
                queue.append(nxt)
    return [e for e in edges if e.s in depth and e.o in depth]


def _most_connected(edges: list[_Edge], limit: int, focus: Node | None) -> list[_Edge]:
    """Edges among the ``limit`` nodes with the most edges (then the most evidence)."""
    degree: Counter[Node] = Counter()
    support: Counter[Node] = Counter()
    for e in edges:
        for n in (e.s, e.o):
            degree[n] += 1
            support[n] += len(e.evidence)
    ranked = sorted(degree, key=lambda n: (n != focus, -degree[n], -support[n], str(n)))
    keep = set(ranked[:limit])
    return [e for e in edges if e.s in keep and e.o in keep]


def _make_view(
    graph: Graph, edges: list[_Edge], catalog: dict[str, RelationInfo]
) -> tuple[list[ViewNode], list[ViewEdge]]:
    order: dict[Node, None] = {}
    for e in edges:
        order.setdefault(e.s)
        order.setdefault(e.o)
    by_iri: dict[Node, ViewNode] = {}
    for i, iri in enumerate(sorted(order, key=lambda n: (_label(graph, n).lower(), str(n)))):
        by_iri[iri] = _make_node(graph, iri, f"n{i}")
    view_edges = []
    for i, e in enumerate(edges):
        info = catalog[e.relation]
        view_edges.append(
            ViewEdge(
                id=f"e{i}",
                source=by_iri[e.s].id,
                target=by_iri[e.o].id,
                relation=e.relation,
                label=info.label,
                quad_class=info.quad_class,
                symmetric=info.symmetric,
                evidence=list(e.evidence),
            )
        )
        by_iri[e.s].degree += 1
        if e.o != e.s:
            by_iri[e.o].degree += 1
    return list(by_iri.values()), view_edges


def _make_node(graph: Graph, iri: Node, node_id: str) -> ViewNode:
    types = {_local(t) for t in graph.objects(iri, RDF.type)}
    type_name = next((t for t in _TYPE_PRIORITY if t in types), "Actor")
    kind = _NODE_TYPES[type_name][0]
    label = _label(graph, iri)
    aliases = sorted({str(a) for a in graph.objects(iri, SKOS.altLabel)} - {label}, key=str.lower)
    roles: list[tuple[str, str]] = []
    catalog = relation_catalog()
    for rel in _ROLE_RELATIONS:
        for target in sorted(graph.objects(iri, GEO[rel]), key=str):
            roles.append((catalog[rel].label, _label(graph, target)))
        holders = sorted(_label(graph, s) for s in graph.subjects(GEO[rel], iri))
        if holders:
            roles.append((_ROLE_INVERSE[rel], ", ".join(holders)))
    details: list[tuple[str, str]] = []
    agent = graph.value(iri, GEO.agent)
    if agent is not None:
        details.append(("by", _label(graph, agent)))
    dests = sorted(_label(graph, d) for d in graph.objects(iri, GEO.destination))
    if dests:
        details.append(("to", ", ".join(dests)))
    parts = sorted(_label(graph, p) for p in graph.objects(iri, GEO.participant))
    if parts:
        details.append(("with", ", ".join(parts)))
    return ViewNode(
        id=node_id,
        iri=str(iri),
        label=label,
        type=type_name,
        kind=kind,
        aliases=aliases,
        roles=roles,
        details=details,
    )


def _titles(opts: ViewOptions, focus: ViewNode | None) -> tuple[str, str]:
    """The page title and a one-line summary of the filters."""
    title = opts.title or (f"Around {focus.label}" if focus else "Geopolitical relations")
    parts = ["state level: people stand for the states they serve"] if opts.states else []
    if opts.entity is not None:
        parts.append(f"within {opts.hops} hop{'s' if opts.hops != 1 else ''} of {opts.entity}")
    if opts.relations:
        parts.append("relations: " + ", ".join(opts.relations))
    if opts.since:
        parts.append(f"since {opts.since.isoformat()}")
    if opts.until:
        parts.append(f"until {opts.until.isoformat()}")
    if opts.min_evidence > 1:
        parts.append(f"at least {opts.min_evidence} sentences per relation")
    if opts.max_nodes is not None:
        parts.append(f"the {opts.max_nodes} most connected")
    return title, "; ".join(parts)


# -- small RDF helpers ------------------------------------------------------------------------


def _local(term: Node) -> str:
    text = str(term)
    return re.split(r"[#/]", text)[-1] if text else text


def _humanize(name: str) -> str:
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name.replace("_", " "))
    return spaced.strip()


def _label(graph: Graph, node: Node) -> str:
    value = graph.value(node, RDFS.label)
    return str(value) if value is not None else _humanize(_local(node))


def _text(value: Node | None) -> str | None:
    return str(value) if value is not None else None


def _date(value: Node | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, Literal):
        py = value.toPython()
        if isinstance(py, date):
            return py if type(py) is date else py.date()  # a datetime counts by its day
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-‐‑]+", " ", text).strip().casefold()


# -- layout -----------------------------------------------------------------------------------

_EXACT_MAX_NODES = 150  # above this, repulsion is computed on a grid (particle-mesh)
_EDGE_LENGTH = 170.0  # target edge length in vis-network units (about pixels at zoom 1)
_NODE_SPACING = 55.0  # target median distance between a node and its nearest neighbour
_GRAVITY = 1.0  # pull to the centre, about the total repulsion at the rim of the layout


def _layout(nodes: list[ViewNode], edges: list[ViewEdge], seed: int = 7) -> None:
    """Set ``x``/``y`` on every node: a deterministic force-directed layout."""
    n = len(nodes)
    if n == 0:
        return
    if n == 1:
        nodes[0].x = nodes[0].y = 0.0
        return
    index = {node.id: i for i, node in enumerate(nodes)}
    pairs = {
        (min(index[e.source], index[e.target]), max(index[e.source], index[e.target]))
        for e in edges
        if e.source != e.target
    }
    links = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    pos = force_layout(n, links, seed=seed)
    # scale so that edges have room for their labels and nodes for theirs
    scale = _NODE_SPACING / max(_median_nearest(pos), 1e-9)
    if len(links):
        lengths = np.linalg.norm(pos[links[:, 0]] - pos[links[:, 1]], axis=1)
        scale = max(scale, _EDGE_LENGTH / max(float(np.median(lengths)), 1e-9))
    pos = (pos - np.median(pos, axis=0)) * scale
    for node, (x, y) in zip(nodes, pos, strict=True):
        node.x, node.y = round(float(x), 1), round(float(y), 1)


def _median_nearest(pos: np.ndarray, sample: int = 600) -> float:
    """The median distance from a point to its nearest neighbour (estimated on a fixed
    sample of points above ``sample`` points)."""
    n = len(pos)
    rows = np.arange(n) if n <= sample else np.linspace(0, n - 1, sample).astype(np.int64)
    dist2 = ((pos[rows, None, :] - pos[None, :, :]) ** 2).sum(axis=2)
    dist2[np.arange(len(rows)), rows] = np.inf
    return float(np.median(np.sqrt(dist2.min(axis=1))))


def force_layout(
    n: int, links: np.ndarray, iterations: int | None = None, seed: int = 7
) -> np.ndarray:
    """Fruchterman-Reingold positions (``n`` x 2) for ``n`` nodes and ``links`` (pairs).

    Exact pairwise repulsion up to 150 nodes; above that, repulsion is computed on a grid with
    FFT convolution (particle-mesh, plus exact repulsion between nodes that share a cell), so
    an iteration costs O(n + edges + grid) instead of O(n^2): 2,000 nodes and 5,000 edges take
    1-3 seconds. A pull to the centre keeps disconnected parts close. Deterministic for a
    given seed.
    """
    rng = np.random.default_rng(seed)
    k = 1.0 / math.sqrt(n)  # ideal distance in a unit square
    # start from a spiral ordered by degree (hubs in the middle) plus jitter: converges faster
    degree = np.bincount(links.ravel(), minlength=n) if len(links) else np.zeros(n, int)
    order = np.argsort(-degree, kind="stable")
    radius = np.sqrt(np.arange(n) + 0.5) / math.sqrt(n)
    angle = np.arange(n) * 2.399963  # golden angle
    pos = np.empty((n, 2))
    pos[order, 0] = radius * np.cos(angle)
    pos[order, 1] = radius * np.sin(angle)
    pos += rng.normal(scale=k * 0.1, size=pos.shape)
    exact = n <= _EXACT_MAX_NODES
    steps = iterations or (300 if exact else 200)
    temperature = 0.1
    cooling = temperature / (steps + 1)
    src, dst = (links[:, 0], links[:, 1]) if len(links) else (np.array([], int),) * 2
    mesh = _Mesh(n) if not exact else None
    for _ in range(steps):
        disp = _repulsion_exact(pos, k) if mesh is None else mesh.repulsion(pos, k)
        if len(links):
            delta = pos[src] - pos[dst]
            dist = np.sqrt((delta**2).sum(axis=1)) + 1e-9
            pull = delta * (dist / k)[:, None]
            np.add.at(disp, src, -pull)
            np.add.at(disp, dst, pull)
        centre = pos.mean(axis=0)
        disp -= (pos - centre) * _GRAVITY
        length = np.sqrt((disp**2).sum(axis=1)) + 1e-12
        pos += disp * (np.minimum(length, temperature) / length)[:, None]
        temperature -= cooling
    return pos


def _repulsion_exact(pos: np.ndarray, k: float) -> np.ndarray:
    delta = pos[:, None, :] - pos[None, :, :]
    dist2 = (delta**2).sum(axis=2)
    np.fill_diagonal(dist2, np.inf)
    np.maximum(dist2, 1e-9, out=dist2)
    return (delta * (k * k / dist2)[:, :, None]).sum(axis=1)


class _Mesh:
    """Particle-mesh repulsion: density on a grid, convolved with the FR force kernel.

    The grid spans the bulk of the nodes (1st to 99th percentile, plus a margin) so that far
    outliers do not make the cells coarse; nodes outside are counted at the grid's edge.
    """

    def __init__(self, n: int, size: int | None = None) -> None:
        size = size or 1 << max(6, math.ceil(math.log2(2.5 * math.sqrt(n))))  # >= 2.5 cells per k
        self.size = size
        pad = 2 * size
        offsets = np.fft.fftfreq(pad, d=1.0 / pad)  # 0, 1, ..., -1 in cells
        ox, oy = np.meshgrid(offsets, offsets, indexing="ij")
        r2 = ox**2 + oy**2
        r2[0, 0] = np.inf
        # force of a unit mass at the origin on a point at offset (ox, oy): d / |d|^2
        self.kx = np.fft.rfft2(ox / r2)
        self.ky = np.fft.rfft2(oy / r2)

    def repulsion(self, pos: np.ndarray, k: float) -> np.ndarray:
        size, pad = self.size, 2 * self.size
        lo = np.percentile(pos, 1, axis=0)
        hi = np.percentile(pos, 99, axis=0)
        margin = 0.1 * (hi - lo).max() + k
        lo, hi = lo - margin, hi + margin
        cell = float((hi - lo).max()) / (size - 1.001)
        g = np.clip((pos - lo) / cell, 0.0, size - 1.001)
        i = np.floor(g).astype(np.int64)
        f = g - i
        weights = [
            (0, 0, (1 - f[:, 0]) * (1 - f[:, 1])),
            (1, 0, f[:, 0] * (1 - f[:, 1])),
            (0, 1, (1 - f[:, 0]) * f[:, 1]),
            (1, 1, f[:, 0] * f[:, 1]),
        ]
        flats = [(i[:, 0] + dx) * pad + (i[:, 1] + dy) for dx, dy, _w in weights]
        density = np.zeros(pad * pad)
        for flat, (_dx, _dy, w) in zip(flats, weights, strict=True):
            density += np.bincount(flat, weights=w, minlength=pad * pad)
        spectrum = np.fft.rfft2(density.reshape(pad, pad))
        fx = np.fft.irfft2(spectrum * self.kx, s=(pad, pad)).ravel()
        fy = np.fft.irfft2(spectrum * self.ky, s=(pad, pad)).ravel()
        out = np.zeros_like(pos)
        for flat, (_dx, _dy, w) in zip(flats, weights, strict=True):
            out[:, 0] += fx[flat] * w
            out[:, 1] += fy[flat] * w
        out *= k * k / cell
        # the grid cannot see pairs inside one cell: add their repulsion exactly
        a, b = _same_cell_pairs(flats[0])
        if len(a):
            delta = pos[a] - pos[b]
            dist2 = np.maximum((delta**2).sum(axis=1), 1e-12 * k * k)
            push = delta * (k * k / dist2)[:, None]
            np.add.at(out, a, push)
            np.add.at(out, b, -push)
        return out


def _same_cell_pairs(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (a, b), a before b, of the nodes that share a cell."""
    order = np.argsort(cells, kind="stable")
    sorted_cells = cells[order]
    starts = np.flatnonzero(np.r_[True, sorted_cells[1:] != sorted_cells[:-1]])
    sizes = np.diff(np.r_[starts, len(cells)])
    firsts, seconds = [], []
    for m in np.unique(sizes[sizes > 1]):
        members = order[starts[sizes == m][:, None] + np.arange(m)]  # (groups, m)
        ia, ib = np.triu_indices(int(m), 1)
        firsts.append(members[:, ia].ravel())
        seconds.append(members[:, ib].ravel())
    if not firsts:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(firsts), np.concatenate(seconds)


# -- pyvis network and HTML -------------------------------------------------------------------


def _edge_width(weight: int) -> float:
    return round(min(9.0, 1.2 + 1.6 * math.log(max(weight, 1))), 2)


def _node_size(degree: int) -> float:
    return round(min(60.0, 11 + 5.5 * math.sqrt(degree)), 1)


def _curves(edges: list[ViewEdge]) -> dict[str, dict[str, Any] | bool]:
    """vis ``smooth`` per edge: parallel edges between one pair bend apart, one straight."""
    groups: dict[tuple[str, str], list[ViewEdge]] = defaultdict(list)
    for e in edges:
        groups[(min(e.source, e.target), max(e.source, e.target))].append(e)
    smooth: dict[str, dict[str, Any] | bool] = {}
    for (a, _b), group in groups.items():
        for rank, e in enumerate(group):
            if rank == 0:
                smooth[e.id] = False
                continue
            level = (rank + 1) // 2
            clockwise = rank % 2 == 1
            if e.source != a:  # drawn the other way round: mirror the bend
                clockwise = not clockwise
            smooth[e.id] = {
                "enabled": True,
                "type": "curvedCW" if clockwise else "curvedCCW",
                "roundness": round(min(0.2 * level, 0.8), 2),
            }
    return smooth


def _vis_options(view: ViewModel) -> dict[str, Any]:
    many_edges = len(view.edges) > _HIDE_ON_DRAG_EDGES
    return {
        "autoResize": True,
        "layout": {"improvedLayout": False, "randomSeed": view.options.seed},
        "nodes": {
            "borderWidth": 1.5,
            "borderWidthSelected": 3,
            "font": {
                "size": 15,
                "face": "system-ui, sans-serif",
                "color": "#1f2328",
                "strokeWidth": 4,
                "strokeColor": "#ffffff",
            },
            "scaling": {"label": {"enabled": False}},
        },
        "edges": {
            "font": {
                "size": 11,
                "face": "system-ui, sans-serif",
                "color": "#3d434a",
                "strokeWidth": 3,
                "strokeColor": "#ffffff",
                "align": "middle",
            },
            "selectionWidth": 1.5,
            "hoverWidth": 1.0,
            "arrowStrikethrough": False,
            "smooth": False,
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 80,
            "navigationButtons": False,
            "keyboard": {"enabled": True, "bindToWindow": False},
            "multiselect": False,
            "hideEdgesOnDrag": many_edges,
            "hideEdgesOnZoom": many_edges,
        },
        "physics": {
            "enabled": view.physics,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {
                "gravitationalConstant": -110,
                "centralGravity": 0.01,
                "springLength": _EDGE_LENGTH,
                "springConstant": 0.05,
                "damping": 0.5,
                "avoidOverlap": 0.8,
            },
            "maxVelocity": 40,
            "minVelocity": 0.75,
            "stabilization": {
                "enabled": view.physics,
                "iterations": 250,
                "updateInterval": 25,
                "fit": True,
            },
        },
    }


def to_pyvis(view: ViewModel):  # -> pyvis.network.Network (imported lazily: it pulls IPython)
    """The view as a :class:`pyvis.network.Network` (nodes, edges and vis-network options).

    Every node and edge also carries the data the page needs for tooltips, search and filters
    (``kind``, ``aliases``, ``roles``, ``evidence``, ...); vis-network ignores those fields.
    """
    from pyvis.network import Network

    net = Network(directed=True, cdn_resources="in_line", height="100%", width="100%")
    for node in view.nodes:
        _kind, type_label, shape, fill, border = _NODE_TYPES[node.type]
        net.add_node(
            node.id,
            label=node.label,
            shape=shape,
            color={
                "background": fill,
                "border": border,
                "highlight": {"background": fill, "border": "#111111"},
                "hover": {"background": fill, "border": "#111111"},
            },
            size=_node_size(node.degree),
            x=node.x,
            y=node.y,
            kind=node.kind,
            ntype=node.type,
            typeLabel=type_label,
            aliases=node.aliases,
            roles=[list(r) for r in node.roles],
            details=[list(d) for d in node.details],
            degree=node.degree,
            iri=node.iri,
        )
    smooth = _curves(view.edges)
    known = set(net.node_map)
    for edge in view.edges:
        if edge.source not in known or edge.target not in known:
            raise ViewError(f"edge {edge.id} joins a node that is not in the view")
        colour = QUAD_CLASSES[edge.quad_class][1]
        # pyvis.add_edge scans every node and edge per call (quadratic); the edge dict is the same
        net.edges.append(
            {
                "id": edge.id,
                "from": edge.source,
                "to": edge.target,
                "label": edge.label,
                "arrows": {"to": {"enabled": not edge.symmetric, "scaleFactor": 0.55}},
                "color": {"color": colour, "highlight": colour, "hover": colour, "opacity": 0.9},
                "width": _edge_width(edge.weight),
                "dashes": [6, 5] if edge.quad_class == "Structural" else False,
                "smooth": smooth[edge.id],
                "relation": edge.relation,
                "quad": edge.quad_class,
                "symmetric": edge.symmetric,
                "weight": edge.weight,
                "evidence": [_evidence_json(ev) for ev in edge.evidence],
            }
        )
    net.options = _vis_options(view)
    return net


def _evidence_json(ev: EvidenceItem) -> dict[str, str]:
    item = {"s": ev.sentence}
    for key, value in (
        ("d", ev.date.isoformat() if ev.date else None),
        ("t", ev.title),
        ("p", ev.publisher),
        ("u", ev.url),
        ("m", ev.modality),
    ):
        if value:
            item[key] = value
    return item


def _assets_dir() -> Path:
    """The folder with the page template, CSS and JavaScript (``viz/`` in a checkout)."""
    for candidate in (_PACKAGE / "viz_assets", _PACKAGE.parent / "viz"):
        if (candidate / "page.html").is_file():
            return candidate
    raise FileNotFoundError("geokg viz assets not found (expected kg/viz_assets or ./viz)")


def _vis_assets() -> tuple[str, str]:
    """vis-network's JavaScript and CSS as shipped inside the pyvis package."""
    import pyvis

    root = Path(pyvis.__file__).resolve().parent
    for folder in (root / "templates" / "lib" / "vis-9.1.2", root / "lib" / "vis-9.1.2"):
        js, css = folder / "vis-network.min.js", folder / "vis-network.css"
        if js.is_file() and css.is_file():
            return js.read_text(encoding="utf-8"), css.read_text(encoding="utf-8")
    raise FileNotFoundError(f"vis-network 9.1.2 not found inside the pyvis package ({root})")


def _script_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``<``, ``>``, ``&`` or U+2028/9."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, esc in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, esc)
    return text


def _inline_safe(code: str, tag: str) -> str:
    """Raw JS/CSS for an inline element; refuses text that would close the element early."""
    if re.search(rf"</{tag}", code, re.IGNORECASE):
        raise ValueError(f"inline {tag} contains '</{tag}'")
    return code


def _csp_hash(code: str) -> str:
    digest = hashlib.sha256(code.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def render_html(view: ViewModel) -> str:
    """One self-contained HTML page (no external resources) showing ``view``."""
    net = to_pyvis(view)
    assets = _assets_dir()
    vis_js, vis_css = _vis_assets()
    app_js = (assets / "app.js").read_text(encoding="utf-8")
    app_css = (assets / "style.css").read_text(encoding="utf-8")
    template = (assets / "page.html").read_text(encoding="utf-8")

    quad_counts = Counter(e.quad_class for e in view.edges)
    rel_counts = Counter(e.relation for e in view.edges)
    catalog = relation_catalog()
    type_counts = Counter(n.type for n in view.nodes)
    data = {
        "nodes": net.nodes,
        "edges": net.edges,
        "options": net.options,
        "meta": {
            "title": view.title,
            "subtitle": view.subtitle,
            "totalNodes": view.total_nodes,
            "totalEdges": view.total_edges,
            "sentences": sum(e.weight for e in view.edges),
            "physics": view.physics,
            "focus": view.focus,
            "quads": [
                {"key": k, "label": label, "color": colour, "count": quad_counts.get(k, 0)}
                for k, (label, colour) in QUAD_CLASSES.items()
            ],
            "relations": [
                {
                    "key": name,
                    "label": info.label,
                    "quad": info.quad_class,
                    "color": QUAD_CLASSES[info.quad_class][1],
                    "symmetric": info.symmetric,
                    "count": rel_counts[name],
                }
                for name, info in catalog.items()
                if rel_counts.get(name)
            ],
            "types": [
                {
                    "key": t,
                    "kind": spec[0],
                    "label": spec[1],
                    "shape": spec[2],
                    "color": spec[3],
                    "border": spec[4],
                    "count": type_counts[t],
                }
                for t, spec in _NODE_TYPES.items()
                if type_counts.get(t)
            ],
            "kinds": _KINDS,
        },
    }
    data_json = _script_json(data)
    scripts = [_inline_safe(vis_js, "script"), _inline_safe(app_js, "script")]
    csp = "; ".join(
        [
            "default-src 'none'",
            "script-src " + " ".join(_csp_hash(code) for code in scripts),
            "style-src 'unsafe-inline'",
            "img-src data:",
            "font-src data:",
            "connect-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    page = template
    # {{TITLE}} first and escaped; the code and data are inserted last so that nothing in them
    # is ever mistaken for a placeholder.
    replacements = {
        "{{TITLE}}": html.escape(view.title),
        "{{CSP}}": html.escape(csp, quote=False).replace('"', "&quot;"),
        "{{VIS_CSS}}": _inline_safe(vis_css, "style"),
        "{{APP_CSS}}": _inline_safe(app_css, "style"),
        "{{DATA}}": data_json,
        "{{VIS_JS}}": scripts[0],
        "{{APP_JS}}": scripts[1],
    }
    pattern = re.compile("|".join(re.escape(k) for k in replacements))
    return pattern.sub(lambda m: replacements[m.group(0)], page)


def write_html(view: ViewModel, path: str | Path) -> int:
    """Render ``view`` and write it to ``path`` atomically; returns the number of bytes."""
    from kg.graphio import write_bytes_atomic

    data = render_html(view).encode("utf-8")
    write_bytes_atomic(path, data)
    return len(data)
