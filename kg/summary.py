"""Relation summaries: the evidence of each relation triple, counted, kept beside it.

For every relation triple (``ent:Japan geo:sanctions ent:Russia``) the graph holds one
``geo:RelationSummary`` node, ``summary:<hash of the triple>``, in the default graph next to
the facts::

    summary:1a2b... a geo:RelationSummary ;
        geo:summarySubject ent:Japan ; geo:summaryPredicate geo:sanctions ;
        geo:summaryObject ent:Russia ;
        geo:sentenceCount 7 ; geo:assertedCount 5 ; geo:plannedCount 1 ;
        geo:reportedCount 1 ; geo:hypotheticalCount 0 ; geo:articleCount 4 ;
        geo:firstDate "2024-01-03"^^xsd:date ; geo:latestDate "2024-11-30"^^xsd:date .

The saved queries that count sentences or dates per relation read these instead of visiting
every evidence node (on a store each visit is an index lookup: the summaries make those queries
independent of how many sentences repeat a relation).

Summaries are derived data and always exact:

- ``kg build -o FILE`` writes them with the evidence (:func:`add_summaries`);
- a store updates them in the transaction that adds or removes the evidence they count
  (:mod:`kg.store`): incremental batches add their counts to the stored ones, replacements and
  renames recount the affected relations from the evidence (:func:`recount_update`);
- a graph read without them (an older file, a hand-made graph) gets them computed on loading
  for queries (:func:`ensure_summaries`), and ``kg validate`` checks stored ones against a
  recount.

The node IRI is ``summary:`` + the first 16 hex digits of SHA-1 over ``"S|P|O"`` (the three
IRIs), the same in Python (:func:`summary_iri`) and SPARQL (:data:`IRI_EXPRESSION`).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from rdflib import DCTERMS, RDF, XSD, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from kg.vocab import GEO, MODALITIES, SUMMARY

Triple = tuple[Node, Node, Node]
Key = tuple[Node, Node, Node]  # (subject, relation property, object)

MODALITY_COUNTS: dict[str, URIRef] = {
    "asserted": GEO.assertedCount,
    "planned": GEO.plannedCount,
    "reported": GEO.reportedCount,
    "hypothetical": GEO.hypotheticalCount,
}
"""The count property of each modality (in :data:`kg.vocab.MODALITIES` order)."""

SUMMARY_PROPERTIES: frozenset[URIRef] = frozenset(
    {
        RDF.type,
        GEO.summarySubject,
        GEO.summaryPredicate,
        GEO.summaryObject,
        GEO.sentenceCount,
        *MODALITY_COUNTS.values(),
        GEO.articleCount,
        GEO.firstDate,
        GEO.latestDate,
        GEO.hasEvidence,
    }
)

IRI_EXPRESSION = (
    f'IRI(CONCAT("{SUMMARY}", SUBSTR(SHA1(CONCAT(STR(?s), "|", STR(?p), "|", STR(?o))), 1, 16)))'
)
"""SPARQL expression of :func:`summary_iri` over the variables ``?s ?p ?o``."""


def summary_iri(s: Node, p: Node, o: Node) -> URIRef:
    """The IRI of the summary of the relation triple ``s p o``."""
    digest = hashlib.sha1(f"{s}|{p}|{o}".encode()).hexdigest()[:16]
    return SUMMARY[digest]


@dataclass
class Summary:
    """The counts of one relation triple's evidence."""

    sentences: int = 0
    modalities: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MODALITIES, 0))
    articles: set[Node] = field(default_factory=set)
    article_count: int = 0  # articles counted before (stored), not in ``articles``
    evidence: set[Node] = field(default_factory=set)  # evidence nodes to link (new ones)
    first: str | None = None
    latest: str | None = None

    def add(self, ev: Node, modality: str, article: Node | None, date: str | None) -> None:
        """Count one evidence node."""
        self.sentences += 1
        self.evidence.add(ev)
        if modality in self.modalities:
            self.modalities[modality] += 1
        if article is not None:
            self.articles.add(article)
        self._date(date)

    def merge(self, other: Summary) -> None:
        """Add ``other``'s counts: evidence from other articles than this one's."""
        self.sentences += other.sentences
        for m, n in other.modalities.items():
            self.modalities[m] = self.modalities.get(m, 0) + n
        self.article_count += other.article_count
        self.articles |= other.articles
        self.evidence |= other.evidence
        self._date(other.first)
        self._date(other.latest)

    def _date(self, date: str | None) -> None:
        if date is None:
            return
        if self.first is None or date < self.first:
            self.first = date
        if self.latest is None or date > self.latest:
            self.latest = date

    @property
    def n_articles(self) -> int:
        return self.article_count + len(self.articles)

    def triples(self, key: Key) -> list[Triple]:
        """The summary node of ``key`` and its counts."""
        s, p, o = key
        node = summary_iri(s, p, o)
        out: list[Triple] = [
            (node, RDF.type, GEO.RelationSummary),
            (node, GEO.summarySubject, s),
            (node, GEO.summaryPredicate, p),
            (node, GEO.summaryObject, o),
            (node, GEO.sentenceCount, _integer(self.sentences)),
        ]
        out += [  # a modality no sentence has is left out (most relations have only one)
            (node, MODALITY_COUNTS[m], _integer(self.modalities[m]))
            for m in MODALITIES
            if self.modalities.get(m)
        ]
        out.append((node, GEO.articleCount, _integer(self.n_articles)))
        if self.first is not None:
            out.append((node, GEO.firstDate, Literal(self.first, datatype=XSD.date)))
            out.append((node, GEO.latestDate, Literal(self.latest, datatype=XSD.date)))
        out += [(node, GEO.hasEvidence, ev) for ev in sorted(self.evidence, key=str)]
        return out


def _integer(n: int) -> Literal:
    return Literal(str(n), datatype=XSD.integer)


_EVIDENCE_PROPS = {
    RDF.subject: 0,
    RDF.predicate: 1,
    RDF.object: 2,
    GEO.modality: 3,
    GEO.article: 4,
    DCTERMS.date: 5,
}


def summarize(triples: Iterable[Triple]) -> dict[Key, Summary]:
    """Summaries of the evidence nodes among ``triples`` (any iterable of triples).

    An evidence node is a subject with ``rdf:type geo:Evidence`` and ``rdf:subject``,
    ``rdf:predicate`` and ``rdf:object``; its modality, article and date are counted.
    """
    evidence: set[Node] = set()
    fields: dict[Node, list] = defaultdict(lambda: [None] * 6)
    for s, p, o in triples:
        if p == RDF.type:
            if o == GEO.Evidence:
                evidence.add(s)
            continue
        i = _EVIDENCE_PROPS.get(p)  # type: ignore[call-overload]
        if i is not None:
            fields[s][i] = o
    out: dict[Key, Summary] = {}
    for ev in sorted(evidence, key=str):
        s, p, o, modality, article, date = fields.get(ev) or [None] * 6
        if s is None or p is None or o is None:
            continue
        summary = out.get((s, p, o))
        if summary is None:
            summary = out[(s, p, o)] = Summary()
        summary.add(ev, str(modality) if modality is not None else "", article, _text(date))
    return out


def _text(node: Node | None) -> str | None:
    return None if node is None else str(node)


def summary_triples(summaries: Mapping[Key, Summary]) -> Iterator[Triple]:
    """Every triple of ``summaries``, in key order."""
    for key in sorted(summaries, key=lambda k: (str(k[0]), str(k[1]), str(k[2]))):
        yield from summaries[key].triples(key)


def add_summaries(triples: dict[Triple, URIRef | None]) -> None:
    """Add the summaries of the evidence in ``triples`` (a builder's triple -> graph map).

    Summaries are facts about the relations, so they go in the default graph (None).
    """
    for triple in summary_triples(summarize(triples)):
        triples.setdefault(triple, None)


def has_summaries(graph: Graph) -> bool:
    """Whether ``graph`` holds any relation summary."""
    return (None, RDF.type, GEO.RelationSummary) in graph


def missing_summaries(graph: Graph) -> Graph | None:
    """The summaries of a graph that has evidence but none (an older file, a hand-made graph).

    None when ``graph`` has summaries or no evidence. A graph with summaries is taken as it
    is: ``kg validate`` reports summaries that disagree with the evidence.
    """
    if has_summaries(graph) or (None, RDF.type, GEO.Evidence) not in graph:
        return None
    out = Graph()
    out.addN((s, p, o, out) for s, p, o in summary_triples(summarize(graph)))
    return out


def ensure_summaries(graph: Graph) -> bool:
    """Add the :func:`missing_summaries` to ``graph``; True when it added some."""
    extra = missing_summaries(graph)
    if extra is None:
        return False
    if isinstance(graph, Dataset):  # into its default graph
        for triple in extra:
            graph.add(triple)
    else:
        graph.addN((s, p, o, graph) for s, p, o in extra)
    return True


def stored_summaries(graph: Graph) -> dict[Key, dict[URIRef, str]]:
    """The summaries ``graph`` holds, as {(s, p, o): {property: lexical value}} (for checks)."""
    out: dict[Key, dict[URIRef, str]] = {}
    for node in graph.subjects(RDF.type, GEO.RelationSummary):
        values = _values(graph.predicate_objects(node))
        key = tuple(values.get(p) for p in (GEO.summarySubject, GEO.summaryPredicate,
                                             GEO.summaryObject))  # fmt: skip
        out[key] = values  # type: ignore[index]
    return out


def expected_summaries(graph: Graph) -> dict[Key, dict[URIRef, str]]:
    """What :func:`stored_summaries` should give: a recount from the evidence."""
    out: dict[Key, dict[URIRef, str]] = {}
    for key, summary in summarize(graph).items():
        values = _values((p, o) for _s, p, o in summary.triples(key))
        out[tuple(str(k) for k in key)] = values  # type: ignore[index]
    return out


def _values(pairs: Iterable[tuple[Node, Node]]) -> dict[URIRef, str]:
    """Property -> value; the evidence links as one sorted, space-separated value."""
    out: dict[URIRef, str] = {}
    links = []
    for p, o in pairs:
        if p == GEO.hasEvidence:
            links.append(str(o))
        elif p != RDF.type:
            out[p] = str(o)  # type: ignore[index]
    out[GEO.hasEvidence] = " ".join(sorted(links))
    return out


# -- SPARQL for stores ------------------------------------------------------------------------


def recount_update(values: str | None) -> str:
    """A SPARQL update that recounts the summaries of some relations from their evidence.

    ``values`` is the body of a ``VALUES (?s ?p ?o) { ... }`` block naming the relations (in
    N-Triples syntax), or None for every relation. Their summaries are deleted, then written
    anew from the evidence in the article graphs; a relation without evidence is left without
    a summary. Run it in the same update request as the changes to the evidence, so both are
    one transaction.
    """
    keys = f"VALUES (?s ?p ?o) {{ {values} }}" if values is not None else ""
    counts = "\n".join(f'         (SUM(IF(?m = "{m}", 1, 0)) AS ?c_{m})' for m in MODALITIES)
    # a zero count is left unbound, so not written (1/0 is an error: BIND leaves it unbound)
    binds = "\n  ".join(f"BIND(IF(?c_{m} > 0, ?c_{m}, 1/0) AS ?n_{m})" for m in MODALITIES)
    inserts = " ".join(f"geo:{MODALITY_COUNTS[m].split('#')[1]} ?n_{m} ;" for m in MODALITIES)
    return f"""
DELETE {{ ?sum ?sp ?sv }} WHERE {{
  {keys}
  ?sum geo:summarySubject ?s ; geo:summaryPredicate ?p ; geo:summaryObject ?o ; ?sp ?sv .
}} ;
INSERT {{
  ?sum a geo:RelationSummary ; geo:summarySubject ?s ; geo:summaryPredicate ?p ;
       geo:summaryObject ?o ; geo:sentenceCount ?n ; {inserts}
       geo:articleCount ?articles ; geo:firstDate ?first ; geo:latestDate ?latest .
}} WHERE {{
  {{ SELECT ?s ?p ?o (COUNT(?ev) AS ?n) (COUNT(DISTINCT ?a) AS ?articles)
{counts}
    WHERE {{
      {keys}
      GRAPH ?g {{ ?ev rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; a geo:Evidence .
                 OPTIONAL {{ ?ev geo:modality ?m0 }} OPTIONAL {{ ?ev geo:article ?a }} }}
      BIND(COALESCE(?m0, "") AS ?m)
    }}
    GROUP BY ?s ?p ?o }}
  OPTIONAL {{
    SELECT ?s ?p ?o (MIN(?d) AS ?first) (MAX(?d) AS ?latest)
    WHERE {{
      {keys}
      GRAPH ?g {{ ?ev rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; a geo:Evidence ;
                 dcterms:date ?d }}
    }}
    GROUP BY ?s ?p ?o }}
  {binds}
  BIND({IRI_EXPRESSION} AS ?sum)
}} ;
INSERT {{ ?sum geo:hasEvidence ?ev }} WHERE {{
  {keys}
  GRAPH ?g {{ ?ev rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; a geo:Evidence }}
  BIND({IRI_EXPRESSION} AS ?sum)
}}"""
