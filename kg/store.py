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

from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef

from kg.paths import data_file
from kg.vocab import bind_prefixes

if TYPE_CHECKING:
    import pyoxigraph

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
        raise StoreError(f"{path}: not a geokg store (the directory holds other files)")
    try:
        store = ox.Store.read_only(str(p)) if read_only else ox.Store(str(p))
    except (OSError, RuntimeError) as exc:  # RocksDB reports a store being rewritten as corrupt
        raise StoreError(_open_error(path, exc)) from None
    if empty:
        load_ontology(store)
    elif not store.contains_named_graph(ox.NamedNode(str(ONTOLOGY_GRAPH))):
        raise StoreError(f"{path}: an Oxigraph store, but not a geokg one (no ontology graph)")
    return store


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


def store_graph(path: str | Path) -> Graph:
    """The store's graph (default graph plus article graphs) as an in-memory rdflib Graph.

    For commands that work on rdflib graphs (viz, stats, validate, eval). The copy goes through
    N-Triples, which rdflib parses at roughly 30k triples a second.
    """
    import pyoxigraph as ox

    store = open_store(path, read_only=True)
    data = ox.serialize(union_triples(store), format=ox.RdfFormat.N_TRIPLES)
    graph = bind_prefixes(Graph())
    graph.parse(data=data, format="nt")
    return graph
