"""A persistent geokg graph in an on-disk Oxigraph store (pyoxigraph), for work past a few files.

Layout of a store directory (an Oxigraph/RocksDB database):

- the **default graph** holds the knowledge: relation triples (``ent:NATO geo:partnerOf
  ent:Japan``) and the descriptions of entities and events (type, labels, ISO codes);
- **one named graph per article**, named by the article IRI, holds its provenance: the article
  node (title, date, input path, ``geo:contentHash``, ``schema:mentions``) and the evidence
  nodes of the relations it states;
- the named graph :data:`ONTOLOGY_GRAPH` holds the ontology, so saved queries that read
  relation annotations (quad class, Goldstein score) work on the store alone.

The union of the default graph and the article graphs is exactly the graph ``kg build -o FILE``
writes for the same inputs, so every command reads a store as it reads a graph file. Queries on
a store run with the default graph as the union of all graphs.

An article's quads are written in one transaction with its content hash: an interrupted build
leaves no half-ingested article, and the next build skips what is already there.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import RDF, RDFS, SKOS, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.paths import data_file
from kg.records import EntityRef
from kg.vocab import ART, ENT, GEO, RELATIONS, SUMMARY, bind_prefixes

if TYPE_CHECKING:
    import pyoxigraph

    from kg import summary as summary_mod

ONTOLOGY_GRAPH = URIRef("https://w3id.org/geokg/graph/ontology")


class StoreError(Exception):
    """A store that cannot be opened or used; the message is one line for the user."""


def is_store_dir(path: str | Path) -> bool:
    """Whether ``path`` looks like an Oxigraph (RocksDB) database directory."""
    p = Path(path)
    return p.is_dir() and (p / "CURRENT").is_file()


def open_store(
    path: str | Path, *, create: bool = False, read_only: bool = False
) -> pyoxigraph.Store:
    """Open the store in directory ``path``.

    ``create`` makes a new store when ``path`` does not exist or is an empty directory (and
    loads the ontology into it). ``read_only`` opens without taking the write lock, so several
    readers (``kg query``, ``kg serve``) can share a store. Raises StoreError with a one-line
    message for a path that is not a geokg store, a store another process has locked, or one
    that cannot be read.
    """
    import pyoxigraph as ox

    p = Path(path)
    if p.exists() and not p.is_dir():
        raise StoreError(f"{path}: not a store directory (it is a file)")
    empty = not p.exists() or not any(p.iterdir())
    if empty and not (create and not read_only):
        raise StoreError(f"{path}: no store here (create one with: kg build INPUT --store {path})")
    if not empty and not is_store_dir(p):
        _refuse_if_being_written(path)  # a build creating it right now has not written CURRENT
        raise StoreError(f"{path}: not a geokg store (the directory holds other files)")
    try:
        store = ox.Store.read_only(str(p)) if read_only else ox.Store(str(p))
    except (OSError, RuntimeError) as exc:  # RocksDB reports a store being rewritten as corrupt
        raise StoreError(_open_error(path, exc)) from None
    with store_errors(path, "loading the ontology"):
        if empty or (create and not read_only and _holds_nothing(store)):
            # (a store whose creation was cut short, by a full disk say, holds no quad)
            load_ontology(store)
        elif not store.contains_named_graph(ox.NamedNode(str(ONTOLOGY_GRAPH))):
            _refuse_if_being_written(path)  # created a moment ago, ontology not yet loaded
            raise StoreError(
                f"{path}: an Oxigraph store, but not a geokg one (no ontology graph)"
            )
        elif not read_only and lacks_summaries(store):
            add_all_summaries(store)  # a store built before summaries existed: upgrade it
    return store


def lacks_summaries(store: pyoxigraph.Store) -> bool:
    """Whether the store has evidence but no relation summaries (built by an older geokg)."""
    ask = "ASK { GRAPH ?g { ?ev a geo:Evidence } }"
    if not store.query(ask, prefixes=_prefixes()):
        return False
    return not store.query("ASK { ?x a geo:RelationSummary }", prefixes=_prefixes())


def add_all_summaries(store: pyoxigraph.Store) -> None:
    """Recount every relation summary from the evidence, in one transaction."""
    from kg.summary import recount_update

    store.update(recount_update(None), prefixes=_prefixes())


def check_summaries(store: pyoxigraph.Store, path: str | Path) -> None:
    """Raise StoreError for a store whose saved queries would miss the relation summaries."""
    if lacks_summaries(store):
        raise StoreError(
            f"{path}: built by an older geokg, without relation summaries (add them by running "
            f"kg build on any input with --store {path})"
        )


def _holds_nothing(store: pyoxigraph.Store) -> bool:
    return next(iter(store.quads_for_pattern(None, None, None, None)), None) is None


def _refuse_if_being_written(path: str | Path) -> None:
    holder = store_lock_holder(path)
    if holder is not None and holder != os.getpid():
        raise StoreError(
            f"{path}: the store is in use by process {holder} (a kg build creating it?); "
            "try again when it is done"
        )


def store_lock_holder(path: str | Path) -> int | None:
    """The id of a process holding the store's write lock, or None (also when unknown).

    A writer (``kg build --store``, ``oxigraph serve``) holds a POSIX lock on ``DIR/LOCK``.
    Testing it with ``fcntl`` would be unsafe: closing any descriptor of the file drops the
    locks this process holds on it. So the lock table in ``/proc/locks`` is read (Linux only).
    """
    lock = Path(path) / "LOCK"
    try:
        st = lock.stat()
        table = Path("/proc/locks").read_text()
    except OSError:
        return None
    want = (os.major(st.st_dev), os.minor(st.st_dev), st.st_ino)
    for line in table.splitlines():
        parts = line.split()
        # "1: POSIX  ADVISORY  WRITE 17844 fe:00:2147234 0 EOF" ("->" marks a waiting lock)
        if len(parts) < 6 or parts[1] == "->":
            continue
        try:
            major, minor, inode = parts[5].split(":")
            if (int(major, 16), int(minor, 16), int(inode)) == want:
                return int(parts[4])
        except ValueError:
            continue
    return None


@contextmanager
def store_errors(path: str | Path, doing: str) -> Iterator[None]:
    """Turn the store's own failures (disk full, a damaged file) into a one-line StoreError."""
    try:
        yield
    except (OSError, RuntimeError) as exc:
        raise StoreError(store_failure(path, exc, doing)) from None


def store_failure(path: str | Path, exc: BaseException, doing: str) -> str:
    """The one-line message for a store operation that failed with ``exc``."""
    text = " ".join(str(exc).split())
    lower = text.lower()
    if getattr(exc, "errno", None) == errno.ENOSPC or "no space left" in lower:
        return (
            f"{path}: the disk is full while {doing} (No space left on device); free space "
            "and run the same command again"
        )
    if "corruption" in lower or "checksum" in lower:
        return (
            f"{path}: the store is damaged ({text[:160]}); restore a copy, or rebuild it into "
            "a new directory (kg build INPUT --store NEWDIR)"
        )
    if "lock" in lower:
        return f"{path}: the store is in use by another process (a running kg build or kg serve?)"
    return f"{path}: the store failed while {doing} ({text[:200] or type(exc).__name__})"


def _open_error(path: str | Path, exc: Exception) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    if "lock" in text.lower():
        return f"{path}: the store is in use by another process (a running kg build or kg serve?)"
    if "permission" in text.lower():
        return f"{path}: permission denied"
    if "corruption" in text.lower():
        return f"{path}: store unreadable, maybe being written by another process ({first[:160]})"
    return f"{path}: not a readable store ({first[:200]})"


def load_ontology(store: pyoxigraph.Store) -> None:
    """(Re)load the ontology into its named graph, in one transaction."""
    import pyoxigraph as ox

    graph = ox.NamedNode(str(ONTOLOGY_GRAPH))
    quads = [
        ox.Quad(t.subject, t.predicate, t.object, graph)
        for t in ox.parse(path=str(data_file("geokg.ttl")), format=ox.RdfFormat.TURTLE)
    ]
    store.update(f"DROP SILENT GRAPH <{ONTOLOGY_GRAPH}>")
    store.extend(quads)


def union_triples(store: pyoxigraph.Store):
    """Every triple of the default graph and the article graphs (not the ontology), once each.

    The graphs share no triples (facts live only in the default graph, provenance only in its
    article's graph), so no de-duplication is needed.
    """
    import pyoxigraph as ox

    ontology = ox.NamedNode(str(ONTOLOGY_GRAPH))
    for quad in store.quads_for_pattern(None, None, None, None):
        if quad.graph_name != ontology:
            yield quad.triple


def store_graph(store: str | Path | pyoxigraph.Store) -> Graph:
    """The store's graph (default graph plus article graphs) as an in-memory rdflib Graph.

    ``store`` is a store directory (opened read-only) or an open store. For commands that work
    on rdflib graphs (viz, stats, validate, eval). The copy goes through N-Triples, which
    rdflib parses at roughly 30k triples a second.
    """
    import pyoxigraph as ox

    where = store if not isinstance(store, ox.Store) else "the store"
    if not isinstance(store, ox.Store):
        store = open_store(store, read_only=True)
    with store_errors(where, "reading it"):
        data = ox.serialize(union_triples(store), format=ox.RdfFormat.N_TRIPLES)
    graph = bind_prefixes(Graph())
    graph.parse(data=data, format="nt")
    return graph


def subgraph(
    store: str | Path | pyoxigraph.Store,
    predicates: Iterable[URIRef] = (),
    graphs: Iterable[URIRef] = (),
) -> Graph:
    """Part of the store's graph as an in-memory rdflib Graph: what one command needs.

    The triples whose predicate is one of ``predicates`` (from every graph but the ontology),
    plus every triple of the named ``graphs`` (article graphs). Read with one index scan per
    predicate or graph and converted term by term (each distinct term once), which is several
    times faster than :func:`store_graph`'s round trip through N-Triples, on a fraction of it.
    """
    import pyoxigraph as ox

    if not isinstance(store, ox.Store):
        store = open_store(store, read_only=True)
    ontology = ox.NamedNode(str(ONTOLOGY_GRAPH))
    convert = _ToRdflib()
    graph = bind_prefixes(Graph())
    for pred in predicates:
        node = ox.NamedNode(str(pred))
        graph.addN(
            (convert(q.subject), pred, convert(q.object), graph)
            for q in store.quads_for_pattern(None, node, None, None)
            if q.graph_name != ontology
        )
    for name in graphs:
        quads = store.quads_for_pattern(None, None, None, ox.NamedNode(str(name)))
        graph.addN(
            (convert(q.subject), convert(q.predicate), convert(q.object), graph) for q in quads
        )
    return graph


class _ToRdflib:
    """pyoxigraph terms as rdflib terms, each distinct term converted once."""

    def __init__(self) -> None:
        self.cache: dict = {}

    def __call__(self, term):
        out = self.cache.get(term)
        if out is None:
            out = self.cache[term] = _rdflib(term)
        return out


# -- incremental builds ----------------------------------------------------------------------


@dataclass
class StoreIndex:
    """What a build needs to know about a store before adding to it."""

    hashes: set[str] = field(default_factory=set)  # content hashes of ingested articles
    by_path: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (id, hash)
    ids: set[str] = field(default_factory=set)  # article identifiers in use
    entities: dict[str, EntityRef] = field(default_factory=dict)  # key -> stored description


_ARTICLES = """
SELECT ?id ?path ?hash WHERE {
  GRAPH ?a { ?a a geo:Article ; dcterms:identifier ?id ; geo:inputPath ?path .
             OPTIONAL { ?a geo:contentHash ?hash } }
}"""

_ENTITIES = """
SELECT ?e ?type ?label ?iso2 ?iso3 WHERE {
  ?e a ?type ; rdfs:label ?label .
  FILTER(STRSTARTS(STR(?e), STR(ent:)))
  OPTIONAL { ?e geo:isoCode ?iso2 } OPTIONAL { ?e geo:iso3Code ?iso3 }
}"""


def _prefixes() -> dict[str, str]:
    return {p: str(ns) for p, ns in bind_prefixes(Graph()).namespaces()}


def read_index(store: pyoxigraph.Store) -> StoreIndex:
    """Articles (ids, paths, content hashes) and entities already in ``store``."""
    index = StoreIndex()
    prefixes = _prefixes()
    for row in store.query(_ARTICLES, prefixes=prefixes):
        art_id, path = row["id"].value, row["path"].value
        digest = row["hash"].value if row["hash"] is not None else ""
        index.ids.add(art_id)
        index.by_path[path] = (art_id, digest)
        if digest:
            index.hashes.add(digest)
    ent = str(ENT)
    for row in store.query(_ENTITIES, prefixes=prefixes):
        key = row["e"].value[len(ent) :]
        if key in index.entities:
            continue
        index.entities[key] = EntityRef(
            key=key,
            label=row["label"].value,
            type=row["type"].value.rsplit("#", 1)[-1],
            iso2=row["iso2"].value if row["iso2"] is not None else None,
            iso3=row["iso3"].value if row["iso3"] is not None else None,
        )
    return index


class _Terms:
    """rdflib terms to pyoxigraph terms, each distinct IRI converted once."""

    def __init__(self) -> None:
        import pyoxigraph as ox

        self.ox = ox
        self.iris: dict[str, pyoxigraph.NamedNode] = {}
        self.default = ox.DefaultGraph()

    def __call__(self, term: Node):
        ox = self.ox
        if isinstance(term, URIRef):
            node = self.iris.get(term)
            if node is None:
                node = self.iris[term] = ox.NamedNode(str(term))
            return node
        if isinstance(term, Literal):
            if term.language:
                return ox.Literal(str(term), language=term.language)
            if term.datatype is not None:
                return ox.Literal(str(term), datatype=self(term.datatype))
            return ox.Literal(str(term))
        if isinstance(term, BNode):
            return ox.BlankNode(str(term))
        raise TypeError(f"cannot store {term!r}")

    def quad(self, triple: tuple[Node, Node, Node], graph: URIRef | None):
        s, p, o = triple
        g = self.default if graph is None else self(graph)
        return self.ox.Quad(self(s), self(p), self(o), g)


def write_articles(
    store: pyoxigraph.Store,
    triples: Mapping[tuple[Node, Node, Node], URIRef | None],
    *,
    replace: Iterable[str] = (),
    renames: Mapping[str, str] | None = None,
) -> None:
    """Add one batch of articles (triples with their graph, see GraphBuilder.triples).

    ``replace`` lists article ids whose earlier version is dropped first (their input changed);
    ``renames`` maps stored entity keys to the keys that absorb them. The batch is one
    transaction (one SPARQL update): the dropped versions, the renames, the new quads and the
    relation summaries they change are written together or not at all, so a crash leaves every
    article of the batch either fully stored or absent and the summaries exact.

    Summaries (:mod:`kg.summary`) of relations the batch only adds to get its counts added to
    the stored ones; those of relations a replaced article or a renamed entity touched are
    recounted from the evidence, and such a relation left with no evidence is removed.
    """
    from kg import summary as ks

    replace = list(replace)
    renames = dict(renames or {})
    batch = {t: g for t, g in triples.items() if not _is_summary(t)}
    counts = ks.summarize(batch)
    terms = _Terms()
    recount: set[tuple[Node, Node, Node]] = set()
    if replace or renames:  # rare: recount everything they may touch
        recount = _stated_in(store, replace) | _touching(store, renames)
        recount = {_renamed(k, renames) for k in recount} | set(counts)
    ops = [f"DROP SILENT GRAPH <{ART[art_id]}>" for art_id in replace]
    if renames:
        ops += _rename_operations(store, renames)
    stale, fresh = _merged_summaries(store, counts, skip=recount, terms=terms)
    if stale:
        ops.append("DELETE DATA { " + " ".join(_quad_text(q) for q in stale) + " }")
    quads = [terms.quad(t, g) for t, g in batch.items()] + fresh
    if quads:
        ops.append("INSERT DATA { " + " ".join(_quad_text(q) for q in quads) + " }")
    if recount:
        values = " ".join(
            "(" + " ".join(str(terms(x)) for x in key) + ")" for key in sorted(recount, key=str)
        )
        ops.append(ks.recount_update(values))
        ops.append(_DROP_UNSTATED.replace("{values}", values))
    if ops:
        store.update(" ;\n".join(ops), prefixes=_prefixes())


def _is_summary(triple: tuple[Node, Node, Node]) -> bool:
    return str(triple[0]).startswith(str(SUMMARY))


# A relation triple no evidence states any more (its articles were replaced) goes.
_DROP_UNSTATED = """DELETE { ?s ?p ?o } WHERE {
  VALUES (?s ?p ?o) { {values} }
  ?s ?p ?o .
  FILTER NOT EXISTS { GRAPH ?g { ?ev rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o } }
}"""


def _stated_in(store: pyoxigraph.Store, art_ids: Iterable[str]) -> set[tuple[Node, Node, Node]]:
    """The relations (s, p, o) the evidence in these articles' graphs states."""
    import pyoxigraph as ox

    out = set()
    for art_id in art_ids:
        graph = ox.NamedNode(str(ART[art_id]))
        for q in store.quads_for_pattern(None, ox.NamedNode(str(RDF.subject)), None, graph):
            ev = q.subject
            p = next(store.quads_for_pattern(ev, ox.NamedNode(str(RDF.predicate)), None, graph))
            o = next(store.quads_for_pattern(ev, ox.NamedNode(str(RDF.object)), None, graph))
            out.add((_rdflib(q.object), _rdflib(p.object), _rdflib(o.object)))
    return out


def _touching(store: pyoxigraph.Store, renames: Mapping[str, str]) -> set[tuple[Node, Node, Node]]:
    """The relations with a summary whose subject or object is one of the renamed entities."""
    import pyoxigraph as ox

    out = set()
    default = ox.DefaultGraph()
    props = [ox.NamedNode(str(p)) for p in (GEO.summarySubject, GEO.summaryPredicate,
                                            GEO.summaryObject)]  # fmt: skip
    for old in renames:
        node = ox.NamedNode(str(ENT[old]))
        for role in (props[0], props[2]):
            for q in store.quads_for_pattern(None, role, node, default):
                key = []
                for prop in props:
                    found = next(store.quads_for_pattern(q.subject, prop, None, default), None)
                    key.append(None if found is None else _rdflib(found.object))
                if None not in key:
                    out.add(tuple(key))
    return out  # type: ignore[return-value]


def _renamed(key: tuple[Node, Node, Node], renames: Mapping[str, str]) -> tuple[Node, Node, Node]:
    ent = str(ENT)

    def new(term: Node) -> Node:
        text = str(term)
        if text.startswith(ent) and text[len(ent) :] in renames:
            return ENT[renames[text[len(ent) :]]]
        return term

    s, p, o = key
    return (new(s), p, new(o))


def _merged_summaries(store: pyoxigraph.Store, counts, *, skip, terms: _Terms):
    """(stored summary quads to delete, merged summary quads to insert) for ``counts``."""
    import pyoxigraph as ox

    from kg import summary as ks

    default = ox.DefaultGraph()
    link = ox.NamedNode(str(GEO.hasEvidence))
    stale, fresh = [], []
    for key, batch in counts.items():
        if key in skip:
            continue
        node = terms(ks.summary_iri(*key))
        old = [  # the links to stored evidence stay as they are
            q for q in store.quads_for_pattern(node, None, None, default) if q.predicate != link
        ]
        merged = _parse_summary(old)
        merged.merge(batch)  # links only the batch's evidence
        stale += old
        fresh += [terms.quad(t, None) for t in merged.triples(key)]
    return stale, fresh


def _parse_summary(quads) -> summary_mod.Summary:
    """A stored summary node's counts (its articles counted, not listed)."""
    from kg import summary as ks

    out = ks.Summary()
    modality = {str(p): m for m, p in ks.MODALITY_COUNTS.items()}
    for q in quads:
        p, value = q.predicate.value, q.object.value
        if p == str(GEO.sentenceCount):
            out.sentences = int(value)
        elif p in modality:
            out.modalities[modality[p]] = int(value)
        elif p == str(GEO.articleCount):
            out.article_count = int(value)
        elif p == str(GEO.firstDate):
            out.first = value
        elif p == str(GEO.latestDate):
            out.latest = value
    return out


def _rdflib(term) -> Node:
    """A pyoxigraph IRI or literal as an rdflib term."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == str(XSD.string):
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


_DROPPED = {str(RDF.type), str(GEO.isoCode), str(GEO.iso3Code)}  # the new node has its own


def rename_entities(store: pyoxigraph.Store, renames: Mapping[str, str]) -> None:
    """Rewrite stored entities as others (``{"Stoltenberg": "Jens_Stoltenberg"}``), atomically.

    Every quad that names the old node names the new one instead; the old node's label becomes
    an alternative label of the new one, and its type and other descriptions are dropped (the
    new node has its own). Summaries are not recounted here (:func:`write_articles` does).
    """
    ops = _rename_operations(store, renames)
    if ops:
        store.update(" ;\n".join(ops))


def _rename_operations(store: pyoxigraph.Store, renames: Mapping[str, str]) -> list[str]:
    """The DELETE DATA / INSERT DATA operations of :func:`rename_entities`."""
    import pyoxigraph as ox

    deletes, inserts = [], []
    label = ox.NamedNode(str(RDFS.label))
    alt = ox.NamedNode(str(SKOS.altLabel))
    for old_key, new_key in renames.items():
        old, new = ox.NamedNode(str(ENT[old_key])), ox.NamedNode(str(ENT[new_key]))
        for q in store.quads_for_pattern(old, None, None, None):
            deletes.append(q)
            if q.predicate == label or q.predicate == alt:
                inserts.append(ox.Quad(new, alt, q.object, q.graph_name))
            elif q.predicate.value not in _DROPPED:
                inserts.append(ox.Quad(new, q.predicate, q.object, q.graph_name))
        for q in store.quads_for_pattern(None, None, old, None):
            deletes.append(q)
            inserts.append(ox.Quad(q.subject, q.predicate, new, q.graph_name))
    if not deletes:
        return []
    return [
        "DELETE DATA { " + " ".join(_quad_text(q) for q in deletes) + " }",
        "INSERT DATA { " + " ".join(_quad_text(q) for q in inserts) + " }",
    ]


def _quad_text(q) -> str:
    import pyoxigraph as ox

    triple = f"{q.subject} {q.predicate} {q.object} ."
    if isinstance(q.graph_name, ox.DefaultGraph):
        return triple
    return f"GRAPH {q.graph_name} {{ {triple} }}"


def drop_orphan_relations(store: pyoxigraph.Store) -> None:
    """Remove relation triples no evidence states any more (after articles were replaced)."""
    values = " ".join(f"geo:{name}" for name in RELATIONS)
    store.update(
        f"""DELETE {{ ?s ?p ?o }} WHERE {{
          VALUES ?p {{ {values} }}
          ?s ?p ?o .
          FILTER NOT EXISTS {{
            GRAPH ?g {{ ?e rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o }}
          }}
        }}""",
        prefixes=_prefixes(),
    )
