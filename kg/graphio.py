"""Reading and writing graph files: formats chosen by extension, writes are atomic."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import BinaryIO

from rdflib import Dataset, Graph
from rdflib.term import Node

from kg.vocab import bind_prefixes

Triple = tuple[Node, Node, Node]

# extension -> rdflib format name
FORMATS: dict[str, str] = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "nt",
    ".ntriples": "nt",
    ".jsonld": "json-ld",
    ".json-ld": "json-ld",
    ".trig": "trig",
    ".nq": "nquads",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
}


class GraphFileError(Exception):
    """A graph file could not be read or written; the message is one sentence for the user."""


def format_for(path: str | Path, explicit: str | None = None) -> str:
    """The rdflib format for a path (by extension) or an explicit format name."""
    if explicit:
        return FORMATS.get("." + explicit.lower().lstrip("."), explicit.lower())
    ext = Path(str(path)).suffix.lower()
    if ext not in FORMATS:
        known = ", ".join(sorted({e for e in FORMATS if e in (".ttl", ".nt", ".jsonld", ".trig")}))
        raise GraphFileError(f"{path}: unknown graph format '{ext or '(none)'}' (use {known})")
    return FORMATS[ext]


def serialize(graph: Graph, fmt: str) -> bytes:
    """Serialise deterministically: N-Triples/N-Quads lines are sorted."""
    data = graph.serialize(format="nt" if fmt == "nquads" else fmt, encoding="utf-8")
    if fmt in ("nt", "nquads"):
        lines = sorted(line for line in data.decode("utf-8").splitlines() if line.strip())
        if fmt == "nquads":
            # A plain Graph has no context: put every triple in the graph TriG output names.
            from kg.export import GRAPH_IRI

            lines = [f"{line[:-1].rstrip()} <{GRAPH_IRI}> ." for line in lines]
        data = ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    return data


def check_writable(path: str | Path) -> None:
    """Fail early, before a long build, if the output cannot be written."""
    if str(path) == "-":
        return
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise GraphFileError(f"{path}: is a directory")
    if parent.exists() and not parent.is_dir():
        raise GraphFileError(f"{path}: {parent} is not a directory")
    if not parent.is_dir():
        raise GraphFileError(f"{path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise GraphFileError(f"{path}: permission denied")


def write_atomic(path: str | Path, write: Callable[[BinaryIO], object]) -> None:
    """Call ``write(fh)`` on a temp file beside ``path``, then rename it onto ``path``.

    Readers never see a partial file, and a failed write leaves the old file as it was.
    """
    target = Path(path)
    check_writable(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to a temp file beside ``path``, then rename: see :func:`write_atomic`."""
    write_atomic(path, lambda fh: fh.write(data))


def write_graph(graph: Graph | Collection[Triple], path: str | Path, fmt: str | None = None) -> str:
    """Write ``graph`` to ``path`` (format from the extension unless given); returns the format.

    ``graph`` is an rdflib Graph or its triples, each once (what :class:`kg.rdf.GraphBuilder`
    makes): Turtle, TriG, JSON-LD and N-Triples are then written without building a Graph.
    """
    rdf_format = format_for(path, fmt) if str(path) != "-" or fmt else "turtle"
    if not isinstance(graph, Graph) and rdf_format not in ("turtle", "trig", "json-ld", "nt"):
        graph = _to_graph(graph)
    if rdf_format in ("turtle", "trig", "json-ld") or not isinstance(graph, Graph):
        # kg.export's writers are deterministic (rdflib's TriG names the graph at random and
        # its JSON-LD follows hash order) and several times faster on large graphs.
        from kg.export import export_graph, export_triples

        export = export_graph if isinstance(graph, Graph) else export_triples
        data = export(graph, rdf_format)
    else:
        data = serialize(bind_prefixes(graph), rdf_format)
    if str(path) == "-":
        try:
            _write_stdout(data)
        except BrokenPipeError:
            raise GraphFileError("-: output closed before the graph was written") from None
        return rdf_format
    try:
        write_bytes_atomic(path, data)
    except OSError as exc:
        raise GraphFileError(f"{path}: {exc.strerror or exc}") from None
    return rdf_format


def _to_graph(triples: Iterable[Triple]) -> Graph:
    graph = bind_prefixes(Graph())
    graph.addN((s, p, o, graph) for s, p, o in triples)
    return graph


def _write_stdout(data: bytes) -> None:
    """Write all of ``data`` to standard output (``os.write`` may write only part of it)."""
    view = memoryview(data)
    while view:
        view = view[os.write(1, view) :]


def read_graph(path: str | Path) -> Graph:
    """Parse a graph file; a missing, empty or malformed file raises GraphFileError."""
    p = Path(path)
    if not p.exists():
        raise GraphFileError(f"{path}: no such file")
    if p.is_dir():
        raise GraphFileError(f"{path}: is a directory, not a graph file")
    fmt = FORMATS.get(p.suffix.lower(), "turtle")
    graph = bind_prefixes(Graph())
    try:
        if fmt in ("trig", "nquads"):
            # Quads: read into a Dataset and merge its named graphs into one graph.
            dataset = Dataset()
            dataset.parse(p, format=fmt)
            for s, p_, o, _ in dataset.quads((None, None, None, None)):
                graph.add((s, p_, o))
        else:
            graph.parse(p, format=fmt)
    except Exception as exc:  # rdflib raises many parser-specific types
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise GraphFileError(f"{path}: not a readable {fmt} graph ({first[:200]})") from None
    return graph
