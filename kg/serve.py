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
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from kg.paths import data_file
from kg.query import DEFAULT_TIMEOUT, default_max_memory, resident_memory
from kg.store import ONTOLOGY_GRAPH, StoreError, open_store, store_lock_holder

if TYPE_CHECKING:
    import pyoxigraph

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
READY_TIMEOUT = 30.0
WATCH_EVERY = 0.2  # seconds between checks that the Oxigraph server lives, and its memory
RESTART_MEMORY = 10.0  # seconds clients still hear why the server was last restarted

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


class Supervisor:
    """Runs the Oxigraph server on a private loopback port and keeps it running.

    A thread checks it every :data:`WATCH_EVERY` seconds: one that died (a query that crashed
    it) or that :meth:`kill` stopped (a query past its time limit, a process past its memory
    bound) is started again. If it cannot be started again, :attr:`done` is set.
    """

    def __init__(
        self, argv: list[str], port: int, log: IO[bytes], *, max_memory: int | None
    ) -> None:
        self.argv = argv
        self.port = port
        self.log = log
        self.max_memory = max_memory
        self.process: subprocess.Popen | None = None
        self.reason: str | None = None  # why the last server was stopped, for the clients
        self.restarts = 0
        self.failure: str | None = None  # why it could not be started again
        self.done = threading.Event()
        self.ready = threading.Event()  # set while a started server answers
        self._lock = threading.Lock()
        self._stopping = False
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"

    def start(self, ready_timeout: float) -> None:
        """Start the server and wait until it answers; then watch it."""
        self._launch(ready_timeout)
        self._thread = threading.Thread(target=self._watch, name="geokg-oxigraph", daemon=True)
        self._thread.start()

    def _launch(self, ready_timeout: float) -> None:
        argv = [*self.argv, "--bind", f"127.0.0.1:{self.port}"]
        try:
            # A session of its own: Ctrl-C in a terminal reaches kg, which stops it in order.
            self.process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                start_new_session=True,
            )  # fmt: skip
        except OSError as exc:
            raise ServeError(
                f"{argv[0]}: cannot start the server ({exc.strerror or exc})"
            ) from None
        _wait_ready(self.process, self.url, self.error_output, ready_timeout)
        self.ready.set()

    def wait_ready(self) -> bool:
        """Wait (up to the start-up time) for a server that answers; False if none will."""
        if self.done.is_set():
            return False
        with self._lock:  # a server that died but is not restarted yet does not count
            if self.process is not None and self.process.poll() is not None:
                self.ready.clear()
        return self.ready.wait(READY_TIMEOUT) and not self.done.is_set()

    def kill(self, reason: str) -> None:
        """Stop the running server now (it is started again); ``reason`` is told to clients."""
        with self._lock:
            self.reason = reason
            self.ready.clear()
            if self.process is not None and self.process.poll() is None:
                self.process.kill()

    def on_failure(self, what: str, timeout: float) -> str:
        """Called by the proxy when the server did not answer: the message for its client."""
        if what == "timeout":
            self.kill(f"a query ran longer than {timeout:g} s")
            return (
                f"the query ran longer than {timeout:g} s and was stopped (SPARQL engine restarted)"
            )
        if self.reason:
            return f"the query was stopped: {self.reason} (SPARQL engine restarted)"
        return (
            "the SPARQL engine stopped while answering (the query may be too complex); "
            "it is being restarted"
        )

    def _watch(self) -> None:
        while not self._stopping:
            time.sleep(WATCH_EVERY)
            process = self.process
            if process is None or self._stopping:
                continue
            if process.poll() is None:
                used = resident_memory(process.pid) if self.max_memory else None
                if used is not None and self.max_memory and used > self.max_memory:
                    self.kill(f"the server grew past {self.max_memory / 1024**3:.1f} GB of memory")
                continue
            with self._lock:
                if self._stopping:
                    return
                self.ready.clear()
                self.restarts += 1
                try:
                    self._launch(READY_TIMEOUT)
                except ServeError as exc:
                    self.failure = str(exc)
                    self.done.set()
                    return
                forget = threading.Timer(RESTART_MEMORY, self._forget, args=(self.restarts,))
                forget.daemon = True
                forget.start()

    def _forget(self, restarts: int) -> None:
        if self.restarts == restarts:
            self.reason = None

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

    def stop(self, timeout: float = 5.0) -> int | None:
        """Stop watching and terminate the server; its exit code."""
        with self._lock:
            self._stopping = True
            process = self.process
        self.done.set()
        if process is None:
            return None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        return process.returncode


@dataclass
class ServerHandle:
    """A running read-only SPARQL endpoint; stop it with :meth:`stop` or a ``with`` block."""

    host: str
    port: int
    supervisor: Supervisor
    server: Any  # the waitress server of the guard
    thread: threading.Thread
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
    def process(self) -> subprocess.Popen | None:
        """The Oxigraph server process running now (a new one after each restart)."""
        return self.supervisor.process

    @property
    def running(self) -> bool:
        """Whether the endpoint is serving."""
        return self.thread.is_alive() and not self.supervisor.done.is_set()

    def wait(self, timeout: float | None = None) -> int | None:
        """Block until the endpoint stops serving (or ``timeout`` passes); the Oxigraph
        server's last exit code, or None."""
        if not self.supervisor.done.wait(timeout):
            return None
        process = self.supervisor.process
        return process.poll() if process is not None else None

    def error_output(self) -> str:
        """Why the endpoint stopped: the restart failure, or the server's last stderr line."""
        return self.supervisor.failure or self.supervisor.error_output()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the guard and the server, and remove the temporary store (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        try:
            _close_server(self.server, self.thread, timeout)
            self.supervisor.stop(timeout)
        finally:
            self.log.close()
            if self.tmpdir is not None:
                shutil.rmtree(self.tmpdir, ignore_errors=True)

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _close_server(server: Any, thread: threading.Thread, timeout: float) -> None:
    """Stop a waitress server: its loop (from inside it, so no socket closes under a running
    select), then the listener, every open connection and the worker threads."""
    channels = list(server._map.values())
    server.trigger.pull_trigger(server._map.clear)  # the loop ends when its map is empty
    thread.join(timeout)
    for channel in channels:
        channel.close()
    server.task_dispatcher.shutdown(timeout=2)


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
    query_timeout: float | None = DEFAULT_TIMEOUT,
    max_memory: int | None = None,
) -> ServerHandle:
    """Start a read-only SPARQL endpoint on a graph file or a store directory.

    Exactly one of ``graph`` and ``store`` is given. ``port=0`` picks a free port. Queries are
    checked by the guard (:mod:`kg.proxy`) and stopped after ``query_timeout`` seconds;
    the Oxigraph server is restarted when it grows past ``max_memory`` bytes (default: half
    the RAM) or dies. Returns once the endpoint answers queries; raises ServeError or
    StoreError (one-line messages) when the binary is missing, the input is unreadable, the
    store is locked, the port is taken, or the server does not come up within
    ``ready_timeout`` seconds.
    """
    from kg.proxy import GRACE, Backend, GuardApp, make_server

    if (graph is None) == (store is None):
        raise ServeError("give a GRAPH file or --store DIR (exactly one)")
    binary = oxigraph_binary()
    if not 0 <= port < 65536:
        raise ServeError(f"--port {port}: not a TCP port (1-65535)")
    if port:
        _check_port(host, port)
    if store is not None:
        check_store(store)
        tmpdir, location = None, Path(store)
    else:
        tmpdir = load_temp_store(graph)
        location = tmpdir / "store"
    timeout = query_timeout or None
    argv = [str(binary), "serve-read-only", "--location", str(location), "--union-default-graph"]
    if timeout:
        argv += ["--timeout-s", str(max(1, round(timeout)))]
    log = tempfile.TemporaryFile(prefix="geokg-serve-log-")  # noqa: SIM115 (the handle closes it)
    memory = max_memory if max_memory is not None else default_max_memory()
    supervisor = Supervisor(argv, free_port(DEFAULT_HOST), log, max_memory=memory)
    try:
        graphs = _named_graphs(location)
        supervisor.start(ready_timeout)
        limit = (timeout or 86_400.0) + GRACE
        backend = Backend(
            "127.0.0.1",
            supervisor.port,
            limit,
            on_failure=lambda what: supervisor.on_failure(what, timeout or limit),
            wait_ready=supervisor.wait_ready,
        )
        try:
            server = make_server(GuardApp(backend, graphs), host, port)
        except OSError as exc:
            raise _listen_error(host, port, exc) from None
        thread = threading.Thread(target=server.run, name="geokg-serve", daemon=True)
        thread.start()
    except BaseException:
        supervisor.stop()
        log.close()
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)
        raise
    bound = server.effective_port
    return ServerHandle(host, bound, supervisor, server, thread, log, tmpdir)


def _named_graphs(location: Path) -> frozenset:
    """The named graphs of the store (what FROM, FROM NAMED and default-graph-uri may name)."""
    from rdflib import URIRef

    store = open_store(location, read_only=True)
    try:
        return frozenset(URIRef(g.value) for g in store.named_graphs() if hasattr(g, "value"))
    finally:
        del store


def _listen_error(host: str, port: int, exc: OSError) -> ServeError:
    if exc.errno == errno.EADDRINUSE:
        return ServeError(f"{host}:{port}: the port is in use (choose another with --port)")
    if exc.errno == errno.EACCES:
        return ServeError(f"{host}:{port}: permission denied (use a port >= 1024)")
    return ServeError(f"{host}:{port}: cannot listen there ({exc.strerror or exc})")


def _wait_ready(
    process: subprocess.Popen, url: str, detail: Callable[[], str], timeout: float
) -> None:
    """Poll the endpoint with ``ASK {}`` until it answers; fail if the server exits first."""
    probe = url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    request = urllib.request.Request(probe, headers={"Accept": "application/sparql-results+json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        code = process.poll()
        if code is not None:
            raise ServeError(f"the oxigraph server stopped at start-up: {detail() or code}")
        try:
            with opener.open(request, timeout=2) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            raise ServeError(f"{url}: the server answers HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError):
            pass  # not listening yet
        if time.monotonic() > deadline:
            process.kill()
            raise ServeError(f"{url}: the server did not answer within {timeout:g} s")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)


def example_curl(url: str) -> str:
    """A curl command line that queries the endpoint (for the start-up message)."""
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 5"
    return f"curl -H 'Accept: text/csv' --data-urlencode 'query={query}' {url}"
