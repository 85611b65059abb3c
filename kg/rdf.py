"""From extracted relations to an RDF graph: entities, articles, triples and evidence nodes.

Each relation is asserted as a plain triple (``ent:Jens_Stoltenberg geo:urges ent:South_Korea``)
so simple SPARQL works, and described by one evidence node per sentence that states it
(``geo:Evidence``, also an ``rdf:Statement``) carrying the sentence, article, offsets, date,
modality, speaker, confidence and the rule that fired. Entities are one node each across all
articles, with one ``rdfs:label`` and a ``skos:altLabel`` per surface form seen.

Output is deterministic: every IRI is derived from content, and triples are added in input
order (the writers in :mod:`kg.export` and :mod:`kg.graphio` sort what they write).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from rdflib import DCTERMS, PROV, RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.term import Node

from kg.records import Article, EntityRef, EventRef, Relation
from kg.rollup import BackgroundFact
from kg.summary import add_summaries
from kg.vocab import ACTOR_DICTIONARY, ART, BG, ENT, EVID, GEO, SCHEMA, bind_prefixes

_NAME_PARTS = re.compile(r"[\s\-‐‑]+")


@dataclass
class ArticleResult:
    """What extraction produced for one article."""

    article: Article
    relations: list[Relation] = field(default_factory=list)
    mentions: list[tuple[EntityRef, str]] = field(default_factory=list)  # (entity, surface form)
    sentences: int = 0
    words: int = 0
    background: list[BackgroundFact] = field(default_factory=list)  # actor-dictionary offices


def entity_iri(ref: EntityRef | EventRef) -> URIRef:
    """The IRI of an entity or event node."""
    return ENT[ref.key]


def article_iri(article_id: str) -> URIRef:
    """The IRI of an article."""
    return ART[article_id]


def _evidence_iri(rel: Relation, s: str, o: str) -> URIRef:
    digest = hashlib.sha1(
        f"{rel.article_id}|{rel.start}|{s}|{rel.predicate}|{o}".encode()
    ).hexdigest()[:16]
    return EVID[digest]


Triple = tuple[Node, Node, Node]


class GraphBuilder:
    """Collects article results, then writes one consistent graph.

    Entities are merged across articles before anything is written, so a surname seen alone in
    one article ("Putin") joins the full name used in another ("Vladimir Putin") when that
    full name is the only one it can belong to.

    ``known`` holds entities already in a store (by key) when building incrementally: they keep
    their stored label, take part in surname merging, and a stored lone surname that a new full
    name claims is listed in :attr:`renames` (old key -> new key) for the store to rewrite.
    """

    def __init__(self, known: Mapping[str, EntityRef] | None = None) -> None:
        self.results: list[ArticleResult] = []
        self.known: dict[str, EntityRef] = dict(known or {})
        self.renames: dict[str, str] = {}

    def add(self, result: ArticleResult) -> None:
        """Add one article's extraction result."""
        self.results.append(result)

    def build(self) -> Graph:
        """Return the graph of everything added so far."""
        graph = bind_prefixes(Graph())
        graph.addN((s, p, o, graph) for s, p, o in self.triples())
        return graph

    def triples(self) -> dict[Triple, URIRef | None]:
        """Every triple, once, in a deterministic order, with the graph it belongs in.

        The graph is the article's IRI for provenance (the article node, its mentions and the
        evidence nodes of the relations it states) and None for facts: relation triples,
        descriptions of entities and events, and the relation summaries (see :mod:`kg.store`,
        :mod:`kg.summary`).
        """
        entities, surfaces = self._entities()
        remap = self._person_merges(entities, surfaces)
        # A dict keeps one copy of each triple in a deterministic (insertion) order.
        triples: dict[Triple, URIRef | None] = {}
        graph: URIRef | None = None

        def add(triple: Triple) -> None:
            triples.setdefault(triple, graph)

        def ent(ref: EntityRef) -> EntityRef:
            return entities[remap.get(ref.key, ref.key)]

        events: dict[str, EventRef] = {}
        for res in self.results:
            art = res.article
            a_iri = graph = article_iri(art.id)
            add((a_iri, RDF.type, GEO.Article))
            add((a_iri, DCTERMS.identifier, Literal(art.id)))
            add((a_iri, GEO.inputPath, Literal(art.path)))
            if art.content_hash:
                add((a_iri, GEO.contentHash, Literal(art.content_hash)))
            if art.title:
                add((a_iri, DCTERMS.title, Literal(art.title)))
            if art.date:
                add((a_iri, DCTERMS.date, Literal(art.date, datatype=XSD.date)))
            if art.source:
                add((a_iri, DCTERMS.publisher, Literal(art.source)))
            if art.url:
                add((a_iri, SCHEMA.url, Literal(art.url, datatype=XSD.anyURI)))
            for ref, _surface in res.mentions:
                add((a_iri, SCHEMA.mentions, entity_iri(ent(ref))))
            for rel in res.relations:
                s = ent(rel.subject)
                if isinstance(rel.object, EventRef):
                    event = self._remap_event(rel.object, ent)
                    events[event.key] = event
                    o_iri = entity_iri(event)
                else:
                    o_iri = entity_iri(ent(rel.object))
                s_iri = entity_iri(s)
                p_iri = GEO[rel.predicate]
                graph = None
                add((s_iri, p_iri, o_iri))
                graph = a_iri
                ev = _evidence_iri(rel, str(s_iri), str(o_iri))
                add((ev, RDF.type, GEO.Evidence))
                add((ev, RDF.type, RDF.Statement))
                add((ev, RDF.subject, s_iri))
                add((ev, RDF.predicate, p_iri))
                add((ev, RDF.object, o_iri))
                add((ev, GEO.article, a_iri))
                add((ev, PROV.wasDerivedFrom, a_iri))  # for PROV-O users without inference
                add((ev, GEO.sentence, Literal(rel.sentence)))
                add((ev, GEO.charStart, Literal(rel.start, datatype=XSD.integer)))
                add((ev, GEO.charEnd, Literal(rel.end, datatype=XSD.integer)))
                add((ev, GEO.modality, Literal(rel.modality)))
                add((ev, GEO.confidence, Literal(_decimal(rel.confidence), datatype=XSD.decimal)))
                add((ev, GEO.rule, Literal(rel.rule)))
                if art.date:
                    add((ev, DCTERMS.date, Literal(art.date, datatype=XSD.date)))
                if rel.speaker is not None:
                    add((ev, GEO.speaker, entity_iri(ent(rel.speaker))))
                if rel.event is not None:
                    event = self._remap_event(rel.event, ent)
                    events[event.key] = event
                    add((ev, GEO.about, entity_iri(event)))
                if rel.subject_state is not None:
                    add((ev, GEO.subjectState, entity_iri(ent(rel.subject_state))))
                if rel.object_state is not None:
                    add((ev, GEO.objectState, entity_iri(ent(rel.object_state))))
                if rel.surface.get("subject"):
                    add((ev, GEO.subjectText, Literal(rel.surface["subject"])))
                if rel.surface.get("object"):
                    add((ev, GEO.objectText, Literal(rel.surface["object"])))
            graph = None  # background facts are facts, shared by every article that needs them
            for fact in res.background:
                self._background(fact, ent, add)
        graph = None
        used = {t[0] for t in triples} | {t[2] for t in triples}
        for key, ref in entities.items():
            if key in remap:
                continue
            iri = entity_iri(ref)
            if iri not in used:
                continue
            add((iri, RDF.type, GEO[ref.type]))
            add((iri, RDFS.label, Literal(ref.label)))
            for alt in sorted(surfaces[key] - {ref.label}):
                add((iri, SKOS.altLabel, Literal(alt)))
            if ref.iso2:
                add((iri, GEO.isoCode, Literal(ref.iso2)))
            if ref.iso3:
                add((iri, GEO.iso3Code, Literal(ref.iso3)))
        for event in events.values():
            iri = entity_iri(event)
            add((iri, RDF.type, GEO[event.type]))
            add((iri, RDFS.label, Literal(event.label)))
            if event.agent is not None:
                add((iri, GEO.agent, entity_iri(event.agent)))
            role = GEO.destination if event.type == "Visit" else GEO.participant
            for p in event.participants:
                add((iri, role, entity_iri(p)))
        add_summaries(triples)  # each relation's evidence counted (kg.summary)
        return triples

    @staticmethod
    def _background(fact: BackgroundFact, ent, add) -> None:
        """An office of the actor dictionary: the role triple, and a node that says where it
        comes from (not an evidence sentence) and when it held."""
        s_iri, p_iri, o_iri = (
            entity_iri(ent(fact.person)),
            GEO[fact.role],
            entity_iri(ent(fact.entity)),
        )
        add((s_iri, p_iri, o_iri))
        digest = hashlib.sha1(f"{s_iri}|{p_iri}|{o_iri}|{fact.start}".encode()).hexdigest()[:16]
        node = BG[digest]
        add((node, RDF.type, GEO.BackgroundFact))
        add((node, RDF.type, RDF.Statement))
        add((node, RDF.subject, s_iri))
        add((node, RDF.predicate, p_iri))
        add((node, RDF.object, o_iri))
        add((node, PROV.wasDerivedFrom, ACTOR_DICTIONARY))
        add((node, GEO.title, Literal(fact.title)))
        add((node, GEO.validFrom, Literal(fact.start.isoformat(), datatype=XSD.date)))
        if fact.end is not None:
            add((node, GEO.validUntil, Literal(fact.end.isoformat(), datatype=XSD.date)))

    # -- entity merging -------------------------------------------------------------------

    def _entities(self) -> tuple[dict[str, EntityRef], dict[str, set[str]]]:
        """Canonical EntityRef per key, and every surface form seen for it."""
        refs: dict[str, list[EntityRef]] = defaultdict(list)
        surfaces: dict[str, set[str]] = defaultdict(set)
        for res in self.results:
            for ref, surface in res.mentions:
                refs[ref.key].append(ref)
                surfaces[ref.key].add(surface)
            for rel in res.relations:
                for role, ref in (("subject", rel.subject), ("object", rel.object)):
                    if isinstance(ref, EntityRef):
                        refs[ref.key].append(ref)
                        if rel.surface.get(role) and _is_name(rel.surface[role]):
                            surfaces[ref.key].add(rel.surface[role])
                others = [rel.speaker, rel.subject_state, rel.object_state]
                for event in (rel.object, rel.event):
                    if isinstance(event, EventRef):
                        others += [event.agent, *event.participants]
                for ref in others:
                    if ref is not None:
                        refs[ref.key].append(ref)
            for fact in res.background:
                refs[fact.person.key].append(fact.person)
                refs[fact.entity.key].append(fact.entity)
        entities = {
            key: self.known[key] if key in self.known else _canonical(key, found)
            for key, found in refs.items()
        }
        return entities, surfaces

    def _person_merges(
        self, entities: dict[str, EntityRef], surfaces: dict[str, set[str]]
    ) -> dict[str, str]:
        """Map single-name people to the one full name that contains that name, if unique.

        Full names already in the store count as candidates; a stored single name that a new
        full name claims is recorded in ``self.renames``.
        """
        people = {**self.known, **entities}
        by_part: dict[str, set[str]] = defaultdict(set)
        for key, ref in people.items():
            parts = [p for p in _NAME_PARTS.split(ref.label) if p]
            if ref.type == "Person" and len(parts) >= 2:
                by_part[parts[0].lower()].add(key)
                by_part[parts[-1].lower()].add(key)
        remap = {}
        for key, ref in people.items():
            parts = [p for p in _NAME_PARTS.split(ref.label) if p]
            if ref.type != "Person" or len(parts) != 1:
                continue
            targets = by_part.get(parts[0].lower(), set())
            if len(targets) != 1:
                continue
            target = next(iter(targets))
            if key in self.known:
                if target in self.known:
                    continue  # both were stored: an earlier build already decided
                self.renames[key] = target
            if key in entities:
                remap[key] = target
                entities.setdefault(target, people[target])
                surfaces[target] |= surfaces.get(key, set()) | {ref.label}
        return remap

    @staticmethod
    def _remap_event(event: EventRef, ent) -> EventRef:
        agent = ent(event.agent) if event.agent is not None else None
        parts = tuple(ent(p) for p in event.participants)
        key = "_".join([event.type, *((agent.key,) if agent else ()), *(p.key for p in parts)])
        return replace(event, key=key, agent=agent, participants=parts)


def _canonical(key: str, found: list[EntityRef]) -> EntityRef:
    """One EntityRef per key; for people the most frequent, then longest, spelling wins."""
    if found[0].type != "Person":
        return found[0]
    counts = Counter(r.label for r in found)
    label = sorted(counts, key=lambda lbl: (-counts[lbl], -len(lbl), lbl))[0]
    return replace(found[0], label=label)


def _decimal(value: float) -> str:
    """Two decimal places in canonical xsd:decimal form ("0.7", "1"), as triple stores keep it.

    Oxigraph (and other stores) canonicalise typed literals on load; writing the canonical form
    keeps a graph file and a store holding the same triples.
    """
    return f"{value:.2f}".rstrip("0").rstrip(".") or "0"


def _is_name(text: str) -> bool:
    """A surface form worth keeping as an altLabel (not "it", "he", "the alliance")."""
    return any(c.isupper() for c in text[:1]) and text.lower() not in ("it", "its", "he", "his")


def build_graph(results: Iterable[ArticleResult]) -> Graph:
    """Build the graph for a sequence of article results."""
    builder = GraphBuilder()
    for res in results:
        builder.add(res)
    return builder.build()
