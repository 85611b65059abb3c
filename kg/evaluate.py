"""Score a knowledge graph against the gold relations (the engine behind ``kg eval``).

The gold format and scoring rules are those of ``/work/shared/gold/README.md``:

- ``dev.tsv`` rows (``doc, kind, subject, predicate, object, evidence``) name the relations a
  careful reader takes from a seed article; ``kind`` is ``req`` (must be found), ``acc`` (true, not
  required) or ``forbid`` (ruled out by the text); ``a|b`` cells accept either value and
  ``visit:X`` names the event of X's visit.
- ``aliases.tsv`` maps surface forms to canonical names.

A *produced relation* of a document is a distinct triple ``(s, p, o)``, ``p`` one of the 22
relation properties, that is asserted in the graph and has at least one evidence node
(``rdf:subject s; rdf:predicate p; rdf:object o; geo:article art:<doc>``) from that document.
Precision is strict: every produced relation counts, also those whose ends are events or
entities the aliases do not know.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.term import Node

from kg.vocab import ART, GEO, RELATIONS, SCHEMA, SYMMETRIC

GOLD_KINDS = ("req", "acc", "forbid")
VISIT_PREFIX = "visit:"

_RELATION_IRIS: dict[URIRef, str] = {GEO[name]: name for name in RELATIONS}
_EVENT_CLASSES = frozenset({GEO.Event, GEO.Visit, GEO.Meeting})
# Event roles whose fillers are entities of the document too (for the node counts).
_EVENT_ROLES = (GEO.agent, GEO.destination, GEO.participant)
EVAL_PREDICATES = (RDF.type, RDFS.label, SKOS.altLabel, *_EVENT_ROLES,
                   *(GEO[name] for name in RELATIONS))  # fmt: skip
"""What :func:`evaluate` reads besides the gold documents' own graphs (``kg eval --store``)."""
# Typographic apostrophes and quotes appear in both the articles and the alias list.
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


# --- gold files ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GoldRow:
    """One row of ``dev.tsv``; each tuple holds the ``|``-separated alternatives of a cell."""

    doc: str
    kind: str  # req | acc | forbid
    subjects: tuple[str, ...]
    predicates: tuple[str, ...]
    objects: tuple[str, ...]
    evidence: str = ""

    def __str__(self) -> str:
        return f"{'|'.join(self.subjects)} {'|'.join(self.predicates)} {'|'.join(self.objects)}"

    def names(self) -> Iterator[str]:
        """Yield the canonical entity names the row mentions (``visit:X`` gives ``X``)."""
        for value in (*self.subjects, *self.objects):
            yield value.removeprefix(VISIT_PREFIX)


class AliasEntry(NamedTuple):
    """An entity of ``aliases.tsv``: its type and its normalized surface forms (incl. the name)."""

    type: str
    forms: frozenset[str]


Aliases = dict[str, AliasEntry]
"""Canonical name -> (type, normalized surface forms)."""


def normalize(text: str) -> str:
    """Return the form used to compare names: lower case, straight quotes, single spaces."""
    return " ".join(text.translate(_QUOTES).lower().split())


def _rows(path: str | Path) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, cells) of a TSV file, skipping blank and ``#`` comment lines."""
    # Plain splitting, not csv: evidence quotes may start with a quote character.
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip() or line.startswith("#"):
                continue
            yield number, [cell.strip() for cell in line.rstrip("\r\n").split("\t")]


def _alternatives(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split("|") if part.strip())


def load_gold(path: str | Path) -> list[GoldRow]:
    """Read a gold relations file (``dev.tsv``); the header row is optional."""
    rows: list[GoldRow] = []
    for number, cells in _rows(path):
        if cells[0] == "doc" and len(cells) > 1 and cells[1] == "kind":
            continue  # header
        if len(cells) < 5:
            raise ValueError(f"{path}:{number}: expected 5 or 6 tab-separated columns")
        doc, kind, subject, predicate, obj = cells[:5]
        if kind not in GOLD_KINDS:
            raise ValueError(f"{path}:{number}: kind must be one of {', '.join(GOLD_KINDS)}")
        unknown = [p for p in _alternatives(predicate) if p not in RELATIONS]
        if unknown:
            raise ValueError(f"{path}:{number}: unknown relation {', '.join(unknown)}")
        evidence = cells[5] if len(cells) > 5 else ""
        rows.append(
            GoldRow(
                doc,
                kind,
                _alternatives(subject),
                _alternatives(predicate),
                _alternatives(obj),
                evidence,
            )
        )
    return rows


def load_aliases(path: str | Path) -> Aliases:
    """Read ``aliases.tsv``: canonical name, type, ``|``-separated surface forms."""
    aliases: Aliases = {}
    for number, cells in _rows(path):
        if len(cells) < 2:
            raise ValueError(f"{path}:{number}: expected name, type and surface forms")
        name, kind = cells[0], cells[1]
        forms = {normalize(name)}
        if len(cells) > 2:
            forms.update(normalize(form) for form in _alternatives(cells[2]))
        aliases[name] = AliasEntry(kind, frozenset(forms))
    return aliases


# --- report --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProducedRelation:
    """A relation the graph states for one document, with the evidence sentences for it."""

    subject: Node
    predicate: str  # local name, e.g. "urges"
    object: Node
    subject_name: str  # canonical name, or a readable stand-in for unmapped nodes
    object_name: str
    sentences: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.subject_name} {self.predicate} {self.object_name}"


@dataclass
class DocReport:
    """Scores and findings for one document."""

    doc: str
    produced: list[ProducedRelation] = field(default_factory=list)
    correct: int = 0  # produced relations that match a req or acc row
    req_total: int = 0
    req_matched: int = 0
    missed: list[GoldRow] = field(default_factory=list)  # req rows nothing matched
    unexpected: list[ProducedRelation] = field(default_factory=list)  # match no req/acc row
    forbidden: list[tuple[ProducedRelation, GoldRow]] = field(default_factory=list)
    nodes_per_entity: dict[str, int] = field(default_factory=dict)  # canonical -> node count

    @property
    def precision(self) -> float:
        return _ratio(self.correct, len(self.produced))

    @property
    def recall(self) -> float:
        return _ratio(self.req_matched, self.req_total)

    @property
    def f1(self) -> float:
        return _f1(self.precision, self.recall)


@dataclass
class EvalReport:
    """Per-document reports and their micro-averaged totals."""

    docs: list[DocReport]

    @property
    def produced(self) -> int:
        return sum(len(d.produced) for d in self.docs)

    @property
    def correct(self) -> int:
        return sum(d.correct for d in self.docs)

    @property
    def req_total(self) -> int:
        return sum(d.req_total for d in self.docs)

    @property
    def req_matched(self) -> int:
        return sum(d.req_matched for d in self.docs)

    @property
    def precision(self) -> float:
        return _ratio(self.correct, self.produced)

    @property
    def recall(self) -> float:
        return _ratio(self.req_matched, self.req_total)

    @property
    def f1(self) -> float:
        return _f1(self.precision, self.recall)

    @property
    def forbidden(self) -> list[tuple[ProducedRelation, GoldRow]]:
        return [hit for d in self.docs for hit in d.forbidden]


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0  # undefined scores count as 0, as in sklearn


def _f1(precision: float, recall: float) -> float:
    total = precision + recall
    return 2 * precision * recall / total if total else 0.0


# --- mapping graph nodes to gold names -------------------------------------------------------


class _Resolver:
    """Maps graph nodes to canonical gold names and recognizes visit events."""

    def __init__(self, graph: Graph, aliases: Aliases, extra_names: Iterable[str] = ()) -> None:
        self.graph = graph
        self.forms: dict[str, set[str]] = defaultdict(set)  # normalized form -> canonicals
        for name, entry in aliases.items():
            for form in entry.forms:
                self.forms[form].add(name)
        for name in extra_names:  # gold names missing from the aliases still match themselves
            if name not in aliases:
                self.forms[normalize(name)].add(name)
        self._cache: dict[Node, str | None] = {}

    def canonical(self, node: Node) -> str | None:
        """Return the canonical name ``node`` maps to, or None.

        Each canonical scores the number of the node's labels and altLabels among its surface
        forms; the highest wins, and on a tie the one matching ``rdfs:label`` (the builder's own
        choice of name).
        """
        if node in self._cache:
            return self._cache[node]
        labels = {normalize(str(v)) for v in self.graph.objects(node, RDFS.label)}
        alt = {normalize(str(v)) for v in self.graph.objects(node, SKOS.altLabel)}
        score: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for form in labels | alt:
            for name in self.forms.get(form, ()):
                score[name][0] += 1
                if form in labels:
                    score[name][1] = 1
        # Sort by name last so that a remaining tie resolves the same way every run.
        best = min(score, key=lambda n: (-score[n][0], -score[n][1], n), default=None)
        self._cache[node] = best
        return best

    def is_event(self, node: Node) -> bool:
        return any(t in _EVENT_CLASSES for t in self.graph.objects(node, RDF.type))

    def is_visit(self, node: Node) -> bool:
        """A geo:Visit, or any event whose label says it is a visit."""
        types = set(self.graph.objects(node, RDF.type))
        if GEO.Visit in types:
            return True
        return bool(types & _EVENT_CLASSES) and any(
            "visit" in str(label).lower() for label in self.graph.objects(node, RDFS.label)
        )

    def matches(self, node: Node, value: str) -> bool:
        """Whether ``node`` is the gold entity ``value`` (a canonical name or ``visit:X``)."""
        if value.startswith(VISIT_PREFIX):
            agent = value.removeprefix(VISIT_PREFIX)
            return self.is_visit(node) and any(
                self.canonical(a) == agent for a in self.graph.objects(node, GEO.agent)
            )
        return self.canonical(node) == value

    def display(self, node: Node) -> str:
        """A readable name: the canonical name, else the node's label or IRI tail, marked."""
        name = self.canonical(node)
        if name is not None:
            return name
        label = self.graph.value(node, RDFS.label)
        text = str(label) if label is not None else _tail(node)
        return f"event '{text}'" if self.is_event(node) else f"'{text}' (unmapped)"


def _tail(node: Node) -> str:
    text = str(node)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1] or text


# --- scoring -------------------------------------------------------------------------------


def produced_relations(graph: Graph, doc: str, resolver: _Resolver) -> list[ProducedRelation]:
    """Return the distinct relations the graph states with evidence from ``doc``."""
    sentences: dict[tuple[Node, URIRef, Node], list[str]] = {}
    for evidence in graph.subjects(GEO.article, ART[doc]):
        s = graph.value(evidence, RDF.subject)
        p = graph.value(evidence, RDF.predicate)
        o = graph.value(evidence, RDF.object)
        if s is None or o is None or p not in _RELATION_IRIS:
            continue
        # A reified statement alone does not assert the relation: the triple must be there too.
        if (s, p, o) not in graph:
            continue
        found = sentences.setdefault((s, p, o), [])
        for sentence in graph.objects(evidence, GEO.sentence):
            if str(sentence) not in found:
                found.append(str(sentence))
    relations = [
        ProducedRelation(
            s,
            _RELATION_IRIS[p],
            o,
            resolver.display(s),
            resolver.display(o),
            tuple(sorted(found)),
        )
        for (s, p, o), found in sentences.items()
    ]
    relations.sort(key=lambda r: (r.subject_name, r.predicate, r.object_name))
    return relations


def relation_matches(relation: ProducedRelation, row: GoldRow, resolver: _Resolver) -> bool:
    """Whether a produced relation is the reading a gold row describes.

    Symmetric relations match in either direction, checked per predicate: in a row
    ``A suppliesWeaponsTo|cooperatesWith B``, ``B cooperatesWith A`` matches, ``B
    suppliesWeaponsTo A`` does not.
    """
    if relation.predicate not in row.predicates:
        return False

    def ends_match(subject: Node, obj: Node) -> bool:
        return any(resolver.matches(subject, v) for v in row.subjects) and any(
            resolver.matches(obj, v) for v in row.objects
        )

    if ends_match(relation.subject, relation.object):
        return True
    return relation.predicate in SYMMETRIC and ends_match(relation.object, relation.subject)


def _doc_nodes(graph: Graph, doc: str, relations: list[ProducedRelation]) -> set[Node]:
    """The nodes a document involves: its mentions, relation ends, their event roles, speakers."""
    nodes: set[Node] = set(graph.objects(ART[doc], SCHEMA.mentions))
    for relation in relations:
        nodes.update((relation.subject, relation.object))
    for node in list(nodes):
        for role in _EVENT_ROLES:
            nodes.update(graph.objects(node, role))
    for evidence in graph.subjects(GEO.article, ART[doc]):
        nodes.update(graph.objects(evidence, GEO.speaker))
    return {n for n in nodes if not isinstance(n, Literal)}


def _evaluate_doc(
    graph: Graph, rows: list[GoldRow], doc: str, aliases: Aliases, resolver: _Resolver
) -> DocReport:
    report = DocReport(doc)
    report.produced = produced_relations(graph, doc, resolver)
    matched_rows: set[int] = set()
    for relation in report.produced:
        hits = [i for i, row in enumerate(rows) if relation_matches(relation, row, resolver)]
        if any(rows[i].kind in ("req", "acc") for i in hits):
            report.correct += 1
        else:
            report.unexpected.append(relation)
        matched_rows.update(hits)
        report.forbidden.extend((relation, rows[i]) for i in hits if rows[i].kind == "forbid")
    for i, row in enumerate(rows):
        if row.kind != "req":
            continue
        report.req_total += 1
        if i in matched_rows:
            report.req_matched += 1
        else:
            report.missed.append(row)

    nodes = _doc_nodes(graph, doc, report.produced)
    names = sorted({name for row in rows for name in row.names() if name in aliases})
    report.nodes_per_entity = {
        name: sum(1 for n in nodes if resolver.canonical(n) == name) for name in names
    }
    return report


def evaluate(
    graph: Graph, gold: list[GoldRow], aliases: Aliases, doc: str | None = None
) -> EvalReport:
    """Score ``graph`` against the gold rows of one document, or of every gold document.

    With ``doc=None`` each document present in ``gold`` is scored on its own and the counts are
    summed (micro average); relations from documents without gold rows are not scored.
    """
    docs = list(dict.fromkeys(row.doc for row in gold))  # gold order, no duplicates
    if doc is not None:
        if doc not in docs:
            raise ValueError(f"No gold rows for document {doc!r}; gold covers: {', '.join(docs)}")
        docs = [doc]
    resolver = _Resolver(graph, aliases, (name for row in gold for name in row.names()))
    return EvalReport(
        [_evaluate_doc(graph, [r for r in gold if r.doc == d], d, aliases, resolver) for d in docs]
    )


# --- text report ---------------------------------------------------------------------------


def _scores(p: float, correct: int, produced: int, r: float, matched: int, total: int) -> str:
    return (
        f"precision {p:.3f} ({correct}/{produced})  recall {r:.3f} ({matched}/{total})  "
        f"F1 {_f1(p, r):.3f}"
    )


def _evidence(sentences: tuple[str, ...]) -> str:
    if not sentences:
        return "(no sentence)"
    more = f" (+{len(sentences) - 1} more)" if len(sentences) > 1 else ""
    return f'"{sentences[0]}"{more}'


def _format_doc(d: DocReport) -> list[str]:
    lines = [
        f"{d.doc}: "
        + _scores(d.precision, d.correct, len(d.produced), d.recall, d.req_matched, d.req_total)
        + f"  forbidden {len(d.forbidden)}"
    ]
    off = {name: n for name, n in d.nodes_per_entity.items() if n != 1}
    if off:
        shown = ", ".join(f"{name} {n}" for name, n in off.items())
        lines.append(f"  nodes per gold entity (ideal 1): {shown}")
    else:
        lines.append(f"  nodes per gold entity: 1 each ({len(d.nodes_per_entity)} entities)")
    lines += [f"  FORBIDDEN  {rel}  — {_evidence(rel.sentences)}" for rel, _ in d.forbidden]
    lines += [f'  missed     {row}  — gold: "{row.evidence}"' for row in d.missed]
    shown_forbidden = {id(rel) for rel, _ in d.forbidden}  # listed once, as FORBIDDEN
    lines += [
        f"  unexpected {rel}  — {_evidence(rel.sentences)}"
        for rel in d.unexpected
        if id(rel) not in shown_forbidden
    ]
    return lines


def format_report(report: EvalReport) -> str:
    """Render a report as plain text: one block per document, then the overall scores."""
    lines: list[str] = []
    for d in report.docs:
        lines += [*_format_doc(d), ""]
    lines.append(
        f"overall ({len(report.docs)} doc{'s' if len(report.docs) != 1 else ''}): "
        + _scores(
            report.precision,
            report.correct,
            report.produced,
            report.recall,
            report.req_matched,
            report.req_total,
        )
        + f"  forbidden {len(report.forbidden)}"
    )
    return "\n".join(lines)
