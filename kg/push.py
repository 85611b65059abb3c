"""Send a geokg graph to a SPARQL 1.1 Graph Store HTTP Protocol endpoint.

Any GSP endpoint works (Oxigraph's ``/store``, Fuseki's ``/DATASET/data``, GraphDB's
``/repositories/REPO/rdf-graphs/service``). Every graph is sent with ``PUT`` (replace), as
N-Triples, so pushing again replaces what an earlier push sent instead of adding to it.

Layouts (``mode``):

- ``article``: one named graph per article, named by the article IRI and self-contained: the
  article node, its evidence nodes, the relation triples they state, and the descriptions
  (type, labels, ISO codes, an event's agent and destinations) of every entity and event they
  involve. One article can be replaced or dropped remotely on its own. Facts and entities that
  several articles share are in each of their graphs.
- ``store``: the layout of a ``kg`` store: the relation triples and entity descriptions once,
  in the default graph (or ``graph``), and each article's provenance (article and evidence
  nodes) in its own named graph. No triple is in two graphs.
- ``one``: everything in one graph: the default graph, or ``graph``.

Triples no article graph covers (in ``article`` mode) go to the default graph (or ``graph``).
The ontology goes to its own named graph, :data:`kg.store.ONTOLOGY_GRAPH`, unless
``ontology=False``.
"""

from __future__ import annotations

import base64
import http.client
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kg.paths import data_file
from kg.store import ONTOLOGY_GRAPH, open_store, union_triples
from kg.vocab import GEO, RELATIONS

if TYPE_CHECKING:
    import pyoxigraph

MODES = ("article", "store", "one")
PASSWORD_ENV = "KG_PUSH_PASSWORD"
DEFAULT_TIMEOUT = 60.0

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


class PushError(Exception):
    """A push that could not be done or finished; the message is one line for the user."""


@dataclass
class GraphPayload:
    """One graph to send: its name (None for the default graph) and its triples."""

    name: str | None
    triples: list[pyoxigraph.Triple]
    kind: str = "data"  # "ontology", "article" or "data" (the shared or single graph)

    @property
    def label(self) -> str:
        """How the graph is named in messages."""
        return f"<{self.name}>" if self.name else "the default graph"


@dataclass
class PushReport:
    """What a push sent."""

    endpoint: str
    mode: str
    graphs: list[GraphPayload] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def triples(self) -> int:
        """Triples sent, counted per graph (a triple in two graphs counts twice)."""
        return sum(len(g.triples) for g in self.graphs)

    @property
    def articles(self) -> int:
        """Article graphs sent."""
        return sum(1 for g in self.graphs if g.kind == "article")


# -- what to send ----------------------------------------------------------------------------


def source_triples(
    graph: str | Path | None = None, *, store: str | Path | None = None
) -> list[pyoxigraph.Triple]:
    """The triples of a graph file or of a store (default graph and article graphs).

    Raises ServeError/StoreError (one-line messages) for unreadable inputs and locked stores.
    """
    from kg.serve import check_store, read_triples

    if (graph is None) == (store is None):
        raise PushError("give a GRAPH file or --store DIR (exactly one)")
    if graph is not None:
        return read_triples(graph)
    check_store(store)
    return list(union_triples(open_store(store, read_only=True)))


def plan_graphs(
    triples: Sequence[pyoxigraph.Triple],
    mode: str = "store",
    *,
    graph: str | None = None,
    ontology: bool = True,
) -> list[GraphPayload]:
    """Split the triples into the graphs to send, in the order they are sent.

    The ontology comes first (small: a failure of the connection or the credentials shows
    before anything large is sent), then the shared or single graph, then articles by IRI.
    """
    import pyoxigraph as ox

    if mode not in MODES:
        raise PushError(f"--graphs {mode}: use one of {', '.join(MODES)}")
    if graph is not None:
        _check_iri(graph, "--graph")
    payloads: list[GraphPayload] = []
    if ontology:
        onto = list(ox.parse(path=str(data_file("geokg.ttl")), format=ox.RdfFormat.TURTLE))
        payloads.append(GraphPayload(str(ONTOLOGY_GRAPH), onto, "ontology"))
    if mode == "one":
        payloads.append(GraphPayload(graph, list(triples)))
        return payloads
    articles = _article_graphs(triples, self_contained=mode == "article")
    covered: set[pyoxigraph.Triple] = set()
    for part in articles.values():
        covered.update(part)
    rest = [t for t in triples if t not in covered]
    # The shared graph is sent even when empty in store mode (it replaces an older one);
    # in article mode only when something is left over, so a default graph holding data
    # of others is not emptied.
    if rest or mode == "store":
        payloads.append(GraphPayload(graph, rest))
    payloads.extend(GraphPayload(iri, part, "article") for iri, part in sorted(articles.items()))
    return payloads


def _article_graphs(
    triples: Sequence[pyoxigraph.Triple], *, self_contained: bool
) -> dict[str, list[pyoxigraph.Triple]]:
    """Article IRI -> the triples of its graph (see the module docstring for what is in it)."""
    import pyoxigraph as ox

    rdf_type = ox.NamedNode(_RDF + "type")
    article_class = ox.NamedNode(str(GEO.Article))
    evidence_class = ox.NamedNode(str(GEO.Evidence))
    of_article = ox.NamedNode(str(GEO.article))
    reified = [ox.NamedNode(_RDF + n) for n in ("subject", "predicate", "object")]
    relations = {ox.NamedNode(str(GEO[name])) for name in RELATIONS}

    by_subject: dict[object, list[ox.Triple]] = defaultdict(list)
    articles: list[ox.NamedNode] = []
    provenance: set[object] = set()  # article and evidence nodes: never followed as entities
    evidence_of: dict[object, list[object]] = defaultdict(list)
    facts: set[ox.Triple] = set()
    for t in triples:
        by_subject[t.subject].append(t)
        if t.predicate == rdf_type and t.object == article_class:
            articles.append(t.subject)
            provenance.add(t.subject)
        elif t.predicate == rdf_type and t.object == evidence_class:
            provenance.add(t.subject)
        elif t.predicate == of_article:
            evidence_of[t.object].append(t.subject)
        elif t.predicate in relations:
            facts.add(t)

    result: dict[str, list[ox.Triple]] = {}
    for article in articles:
        part: dict[ox.Triple, None] = dict.fromkeys(by_subject[article])
        nodes = [article, *evidence_of.get(article, ())]
        for ev in nodes[1:]:
            part.update(dict.fromkeys(by_subject[ev]))
        if self_contained:
            todo: list[object] = []
            for node in nodes:
                values = {}
                for t in by_subject[node]:
                    if t.predicate != rdf_type and isinstance(t.object, ox.NamedNode):
                        todo.append(t.object)
                    if t.predicate in reified:
                        values[t.predicate] = t.object
                if len(values) == 3:
                    fact = ox.Triple(*(values[p] for p in reified))
                    if fact in facts:
                        part[fact] = None
            # Descriptions of the entities and events involved, and of what they point to
            # (an event's agent and destinations); relation triples only through evidence.
            seen = set(provenance)
            while todo:
                node = todo.pop()
                if node in seen:
                    continue
                seen.add(node)
                for t in by_subject.get(node, ()):
                    if t.predicate in relations:
                        continue
                    part[t] = None
                    if t.predicate != rdf_type and isinstance(t.object, ox.NamedNode):
                        todo.append(t.object)
        result[article.value] = list(part)
    return result


def _check_iri(iri: str, option: str) -> None:
    parsed = urllib.parse.urlsplit(iri)
    if not parsed.scheme or any(c in iri for c in ' <>"{}|\\^`'):
        raise PushError(f"{option} {iri}: not an absolute IRI")


# -- sending ---------------------------------------------------------------------------------


@dataclass
class Credentials:
    """HTTP basic auth: the user name and the password read from an environment variable."""

    user: str
    password: str

    def header(self) -> str:
        """The ``Authorization`` header value."""
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")
        return f"Basic {token}"


def credentials_from_env(
    user: str | None, password_env: str = PASSWORD_ENV, environ: dict | None = None
) -> Credentials | None:
    """Basic-auth credentials: ``user`` with the password in ``$password_env`` (None: no auth).

    The password is never taken from the command line, where other users can read it.
    """
    import os

    if user is None:
        return None
    env = os.environ if environ is None else environ
    password = env.get(password_env)
    if not password:
        raise PushError(
            f"--user {user}: set the password in the environment variable {password_env} "
            "(it is never read from the command line)"
        )
    return Credentials(user, password)


def check_endpoint(endpoint: str) -> str:
    """The endpoint URL if it is an http(s) URL; PushError otherwise."""
    parsed = urllib.parse.urlsplit(endpoint)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise PushError(
            f"--endpoint {endpoint}: not an http(s) URL (e.g. http://127.0.0.1:7878/store)"
        )
    if parsed.username or parsed.password:
        raise PushError("--endpoint: put no credentials in the URL; use --user and --password-env")
    return endpoint


def graph_url(endpoint: str, name: str | None) -> str:
    """The GSP URL of a graph: ``?graph=IRI`` for a named graph, ``?default`` for the default."""
    query = "default" if name is None else "graph=" + urllib.parse.quote(name, safe="")
    return endpoint + ("&" if "?" in endpoint else "?") + query


def put_graph(
    endpoint: str,
    payload: GraphPayload,
    *,
    credentials: Credentials | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> None:
    """Replace one remote graph with ``payload`` (HTTP PUT, N-Triples); PushError on failure."""
    import pyoxigraph as ox

    body = ox.serialize(payload.triples, format=ox.RdfFormat.N_TRIPLES) or b""
    headers = {"Content-Type": "application/n-triples"}
    if credentials is not None:
        headers["Authorization"] = credentials.header()
    request = urllib.request.Request(
        graph_url(endpoint, payload.name), data=body, method="PUT", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise PushError(_http_error(endpoint, exc)) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise PushError(f"{endpoint}: no answer within {timeout:g} s") from None
        text = getattr(reason, "strerror", None) or str(reason)
        raise PushError(f"{endpoint}: cannot connect ({text})") from None
    except TimeoutError:
        raise PushError(f"{endpoint}: no answer within {timeout:g} s") from None
    except (http.client.HTTPException, ConnectionError) as exc:
        text = str(exc) or type(exc).__name__
        raise PushError(f"{endpoint}: connection failed ({text})") from None


def _http_error(endpoint: str, exc: urllib.error.HTTPError) -> str:
    detail = ""
    try:
        body = exc.read(2000).decode("utf-8", "replace").strip()
        detail = " ".join(body.split())[:200]
    except (OSError, ValueError):
        pass
    if exc.code == 401:
        return f"{endpoint}: authentication failed (HTTP 401)"
    if exc.code == 403:  # wrong rights, or a read-only server (Oxigraph says so in the body)
        return f"{endpoint}: authentication failed (HTTP 403)" + (f": {detail}" if detail else "")
    reason = exc.reason or ""
    return f"{endpoint}: HTTP {exc.code} {reason}".rstrip() + (f": {detail}" if detail else "")


def push_graphs(
    endpoint: str,
    payloads: Iterable[GraphPayload],
    *,
    mode: str = "store",
    credentials: Credentials | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    on_graph: Callable[[GraphPayload], None] | None = None,
) -> PushReport:
    """PUT every graph in order. A failure raises PushError saying how many graphs were sent
    before it (pushing again is safe: PUT replaces)."""
    check_endpoint(endpoint)
    payloads = list(payloads)
    report = PushReport(endpoint=endpoint, mode=mode)
    start = time.perf_counter()
    for payload in payloads:
        try:
            put_graph(endpoint, payload, credentials=credentials, timeout=timeout)
        except PushError as exc:
            if report.graphs:
                raise PushError(
                    f"{exc} (while sending {payload.label}; {len(report.graphs)} of "
                    f"{len(payloads)} graphs were sent before; pushing again is safe)"
                ) from None
            raise
        report.graphs.append(payload)
        if on_graph is not None:
            on_graph(payload)
    report.seconds = time.perf_counter() - start
    return report


def push(
    endpoint: str,
    graph: str | Path | None = None,
    *,
    store: str | Path | None = None,
    mode: str = "store",
    graph_name: str | None = None,
    ontology: bool = True,
    credentials: Credentials | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> PushReport:
    """Push a graph file or a store to a Graph Store Protocol endpoint (see the module doc).

    Raises PushError, ServeError or StoreError, each with a one-line message.
    """
    check_endpoint(endpoint)
    payloads = plan_graphs(
        source_triples(graph, store=store), mode, graph=graph_name, ontology=ontology
    )
    return push_graphs(endpoint, payloads, mode=mode, credentials=credentials, timeout=timeout)
