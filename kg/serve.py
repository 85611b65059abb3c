"""Serve a geokg graph as a read-only SPARQL 1.1 Protocol endpoint (Oxigraph's own server).

``kg serve`` does not implement HTTP itself: it starts ``oxigraph serve-read-only`` (the server
binary of PyPI's ``oxigraph`` package) on a store directory, with the default graph as the union
of all graphs, so the data, the article graphs and the ontology are all visible to plain
queries. A graph file is first loaded, with the ontology, into a temporary store that is removed
when the server stops. The endpoint does content negotiation as the protocol says: SELECT/ASK
results as JSON, XML, CSV or TSV, CONSTRUCT/DESCRIBE as Turtle (or N-Triples, RDF/XML...).

Python::

    from kg.serve import start_server
    with start_server("out/graph.ttl", port=0) as server:   # port 0: any free port
        print(server.url)                                   # http://127.0.0.1:PORT/query
"""

from __future__ import annotations

import errno
import gc
import ipaddress
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from kg.paths import data_file
from kg.store import ONTOLOGY_GRAPH, StoreError, open_store, store_lock_holder

if TYPE_CHECKING:
    import pyoxigraph

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
READY_TIMEOUT = 30.0

# extension -> pyoxigraph format name (the attribute of pyoxigraph.RdfFormat)
_OX_FORMATS = {
    ".ttl": "TURTLE",
    ".turtle": "TURTLE",
    ".nt": "N_TRIPLES",
    ".ntriples": "N_TRIPLES",
    ".nq": "N_QUADS",
    ".trig": "TRIG",
    ".jsonld": "JSON_LD",
    ".json-ld": "JSON_LD",
    ".rdf": "RDF_XML",
    ".owl": "RDF_XML",
    ".xml": "RDF_XML",
}


class ServeError(Exception):
    """The server could not be started or stopped; the message is one line for the user."""


# -- inputs ----------------------------------------------------------------------------------


def read_triples(path: str | Path) -> list[pyoxigraph.Triple]:
    """The triples of a graph file, read with Oxigraph's parsers (named graphs are merged).

    Raises ServeError with a one-line message for a missing, unknown or malformed file.
    """
    import pyoxigraph as ox

    p = Path(path)
    if not p.exists():
        raise ServeError(f"{path}: no such file")
    if p.is_dir():
        raise ServeError(f"{path}: is a directory, not a graph file (for a store use --store)")
    name = _OX_FORMATS.get(p.suffix.lower())
    if name is None:
        raise ServeError(f"{path}: unknown graph format '{p.suffix or '(none)'}' (.ttl, .nt, ...)")
    fmt = getattr(ox.RdfFormat, name)
    try:
        seen: dict[pyoxigraph.Triple, None] = {}  # ordered set: merged graphs share triples
        for item in ox.parse(path=str(p), format=fmt):
            seen[item.triple if isinstance(item, ox.Quad) else item] = None
    except (SyntaxError, ValueError, OSError, UnicodeDecodeError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ServeError(f"{path}: not a readable {name.lower()} graph ({first[:200]})") from None
    return list(seen)


def check_store(path: str | Path) -> None:
    """Raise StoreError (one line) unless ``path`` is a geokg store no other process writes."""
    holder = store_lock_holder(path)
    if holder is not None:
        who = "this process" if holder == os.getpid() else f"process {holder}"
        raise StoreError(
            f"{path}: the store is locked by {who} (a running kg build or oxigraph serve?); "
            "stop it first"
        )
    store = open_store(path, read_only=True)  # raises StoreError for anything else
    del store


# -- the server ------------------------------------------------------------------------------


def oxigraph_binary() -> Path:
    """The ``oxigraph`` server binary: beside the running Python first, then on PATH."""
    exe = "oxigraph.exe" if os.name == "nt" else "oxigraph"
    beside = Path(sys.executable).parent / exe
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("oxigraph")
    if found:
        return Path(found)
    raise ServeError(
        "the oxigraph server binary is not installed (pip install 'oxigraph>=0.5,<0.6')"
    )


def is_loopback(host: str) -> bool:
    """Whether ``host`` names only this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port free on ``host`` right now (the kernel's pick)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host.strip("[]"), 0))
        return s.getsockname()[1]


def _check_port(host: str, port: int) -> None:
    """Fail early, with one line, when the port is taken or the host is not local."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        # Like the server (Rust's std sets SO_REUSEADDR): a port in TIME_WAIT is usable.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host.strip("[]"), port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ServeError(
                    f"{host}:{port}: the port is in use (choose another with --port)"
                ) from None
            if exc.errno == errno.EACCES:
                raise ServeError(f"{host}:{port}: permission denied (use a port >= 1024)") from None
            reason = exc.strerror or str(exc)
            raise ServeError(f"{host}:{port}: cannot listen there ({reason})") from None


def _netloc(host: str, port: int) -> str:
    return f"[{host.strip('[]')}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass
class ServerHandle:
    """A running read-only SPARQL endpoint; stop it with :meth:`stop` or a ``with`` block."""

    host: str
    port: int
    process: subprocess.Popen
    log: IO[bytes]
    tmpdir: Path | None = None
    _stopped: bool = field(default=False, repr=False)

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT``."""
        return f"http://{_netloc(self.host, self.port)}"

    @property
    def url(self) -> str:
        """The SPARQL 1.1 query endpoint, ``http://HOST:PORT/query``."""
        return self.base_url + "/query"

    @property
    def running(self) -> bool:
        """Whether the server process is still alive."""
        return self.process.poll() is None

    def wait(self, timeout: float | None = None) -> int | None:
        """Block until the server exits (or ``timeout`` passes); its exit code or None."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def error_output(self) -> str:
        """The last meaningful line the server wrote to stderr (for error messages)."""
        try:
            self.log.seek(0)
            text = self.log.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        lines = [line for line in lines if not line.startswith("Listening for requests")]
        return lines[-1][:300] if lines else ""

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate the server, wait for it, and remove the temporary store (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        try:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout)
        finally:
            self.log.close()
            if self.tmpdir is not None:
                shutil.rmtree(self.tmpdir, ignore_errors=True)

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def load_temp_store(graph: str | Path, *, ontology: bool = True) -> Path:
    """Load a graph file (and the ontology, in its named graph) into a new temporary store.

    Returns the temporary directory; the store is ``DIR/store``. The caller removes DIR.
    """
    import pyoxigraph as ox

    triples = read_triples(graph)
    tmpdir = Path(tempfile.mkdtemp(prefix="geokg-serve-"))
    try:
        store = ox.Store(str(tmpdir / "store"))
        store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
        if ontology:
            onto = ox.NamedNode(str(ONTOLOGY_GRAPH))
            ttl = ox.parse(path=str(data_file("geokg.ttl")), format=ox.RdfFormat.TURTLE)
            store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, onto) for t in ttl)
        store.flush()
        # Close the database before the server opens it: pyoxigraph closes on release.
        del store
        gc.collect()
    except BaseException:
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise
    return tmpdir


def start_server(
    graph: str | Path | None = None,
    *,
    store: str | Path | None = None,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    ready_timeout: float = READY_TIMEOUT,
    query_timeout: float | None = None,
) -> ServerHandle:
    """Start a read-only SPARQL endpoint on a graph file or a store directory.

    Exactly one of ``graph`` and ``store`` is given. ``port=0`` picks a free port. Returns once
    the endpoint answers queries; raises ServeError or StoreError (one-line messages) when the
    binary is missing, the input is unreadable, the store is locked, the port is taken, or the
    server does not come up within ``ready_timeout`` seconds.
    """
    if (graph is None) == (store is None):
        raise ServeError("give a GRAPH file or --store DIR (exactly one)")
    binary = oxigraph_binary()
    if port == 0:
        port = free_port(host)
    elif not 0 < port < 65536:
        raise ServeError(f"--port {port}: not a TCP port (1-65535)")
    _check_port(host, port)
    if store is not None:
        check_store(store)
        tmpdir, location = None, Path(store)
    else:
        tmpdir = load_temp_store(graph)
        location = tmpdir / "store"
    argv = [
        str(binary),
        "serve-read-only",
        "--location",
        str(location),
        "--bind",
        _netloc(host, port),
        "--union-default-graph",
    ]
    if query_timeout:
        argv += ["--timeout-s", str(max(1, round(query_timeout)))]
    log = tempfile.TemporaryFile(prefix="geokg-serve-log-")  # noqa: SIM115 (the handle closes it)
    try:
        # A session of its own: Ctrl-C in a terminal reaches kg, which then stops the server
        # and removes the temporary store in order.
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
        )
    except OSError as exc:
        log.close()
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)
        raise ServeError(f"{binary}: cannot start the server ({exc.strerror or exc})") from None
    handle = ServerHandle(host=host, port=port, process=process, log=log, tmpdir=tmpdir)
    try:
        _wait_ready(handle, ready_timeout)
    except BaseException:
        handle.stop()
        raise
    return handle


def _wait_ready(handle: ServerHandle, timeout: float) -> None:
    """Poll the endpoint with ``ASK {}`` until it answers; fail if the server exits first."""
    probe = handle.url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    request = urllib.request.Request(probe, headers={"Accept": "application/sparql-results+json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        code = handle.process.poll()
        if code is not None:
            detail = handle.error_output() or f"exit code {code}"
            raise ServeError(f"the oxigraph server stopped at start-up: {detail}")
        try:
            with opener.open(request, timeout=2) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            raise ServeError(f"{handle.url}: the server answers HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError):
            pass  # not listening yet
        if time.monotonic() > deadline:
            raise ServeError(f"{handle.url}: the server did not answer within {timeout:g} s")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)


def example_curl(url: str) -> str:
    """A curl command line that queries the endpoint (for the start-up message)."""
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 5"
    return f"curl -H 'Accept: text/csv' --data-urlencode 'query={query}' {url}"
