"""The guard in front of ``kg serve``'s Oxigraph server: every query is checked before it runs.

Oxigraph's server has no switch to refuse SERVICE (it would send the query to any URL it names,
an SSRF for anyone who can reach the endpoint) and no limit on a query's shape (5,000 nested
brackets or a few thousand property-path alternatives overflow its stack and kill it). So
``kg serve`` runs Oxigraph on a private loopback port and answers the public one with this thin
proxy on waitress (a production WSGI server: bounded request size, connection count and idle
time). It:

- reads the SPARQL 1.1 Protocol query (GET ``?query=``, POST form or ``application/sparql-query``)
  and checks it with :func:`kg.query.prepare`, the guard of ``kg query``: size, nesting and
  operator limits, SERVICE, LOAD and updates, FROM / FROM NAMED / ``default-graph-uri`` of a
  graph that is not in the store. A refusal is a 400 with a one-line text body;
- sends the very text it checked to Oxigraph (as ``application/sparql-query``), so the two
  parsers never disagree on what the query is, and streams the answer back with its content
  type (content negotiation stays Oxigraph's);
- passes every other path (the Graph Store Protocol's ``/store``, ``/update``, the query page)
  through unchanged: the server is read-only, so writes get Oxigraph's 403;
- answers 503 when Oxigraph does not answer within the time limit or stops while answering;
  :class:`kg.serve.Supervisor` then restarts it (and stops it when it grows past its memory
  bound), so one bad query never ends the service.
"""

from __future__ import annotations

import functools
import http.client
import urllib.parse
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from rdflib import URIRef

from kg.query import QueryError, prepare

MAX_BODY = 1_000_000  # bytes of a request body (a query at its 100,000-character limit fits)
GRACE = 5.0  # seconds past the query time limit before Oxigraph is judged stuck
_CHUNK = 65536
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
     "transfer-encoding", "upgrade"}
)  # fmt: skip
_GRAPH_PARAMS = ("default-graph-uri", "named-graph-uri")


class Refused(Exception):
    """A request the guard answers itself: ``status`` and a one-line message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Backend:
    """Where Oxigraph listens, and what to do when it fails to answer."""

    host: str
    port: int
    timeout: float  # seconds Oxigraph may take to start answering
    on_failure: Callable[[str], str]  # (what happened) -> the message for the client
    wait_ready: Callable[[], bool]  # wait for a restarted server; False if there is none


def protocol_query(
    method: str, query_string: str, content_type: str, body: bytes
) -> tuple[str, list[tuple[str, str]]]:
    """The query text and the dataset parameters of a SPARQL 1.1 Protocol query request.

    Exactly one ``query`` parameter is accepted (two could be read differently by two parsers).
    Raises Refused (400 or 415).
    """
    params = urllib.parse.parse_qsl(query_string, keep_blank_values=True)
    kind = content_type.split(";", 1)[0].strip().lower()
    try:
        if method in ("GET", "HEAD"):
            pass
        elif method == "POST" and kind == "application/x-www-form-urlencoded":
            params += urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        elif method == "POST" and kind == "application/sparql-query":
            params.append(("query", body.decode("utf-8")))
        elif method == "POST":
            raise Refused(415, f"unsupported content type {kind or '(none)'} for a query")
        else:
            raise Refused(405, f"{method} is not a query method (GET or POST)")
    except UnicodeDecodeError:
        raise Refused(400, "the request body is not UTF-8") from None
    queries = [value for key, value in params if key == "query"]
    if len(queries) != 1:
        raise Refused(400, "give exactly one query parameter")
    return queries[0], [(k, v) for k, v in params if k in _GRAPH_PARAMS]


@functools.lru_cache(maxsize=256)
def _verdict(text: str, graphs: Container[URIRef]) -> str | None:
    """Why ``text`` is refused, or None (cached: rdflib's parser takes ~0.1 s a query)."""
    try:
        prepare(text, local_graphs=graphs)  # type: ignore[arg-type]
    except QueryError as exc:
        return str(exc)
    return None


def check(text: str, dataset: Iterable[tuple[str, str]], graphs: Container[URIRef]) -> None:
    """Refused (400) unless ``text`` passes ``kg query``'s guard and names only local graphs."""
    for key, iri in dataset:
        if URIRef(iri) not in graphs:
            raise Refused(
                400,
                f"{key} <{iri}> is refused: the endpoint reads only its own graphs and never "
                "loads graphs from the network or from files",
            )
    reason = _verdict(text, graphs)
    if reason is not None:
        raise Refused(400, reason)


class GuardApp:
    """The WSGI application: check ``/query`` requests, pass the rest through."""

    def __init__(self, backend: Backend, graphs: Container[URIRef]) -> None:
        self.backend = backend
        self.graphs = graphs

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO") or "/"
        query_string = environ.get("QUERY_STRING", "")
        body = _body(environ)
        headers = _request_headers(environ)
        try:
            if path == "/query" and (query_string or method == "POST"):
                text, dataset = protocol_query(
                    method, query_string, environ.get("CONTENT_TYPE", ""), body
                )
                check(text, dataset, self.graphs)
                target = "/query" + ("?" + urllib.parse.urlencode(dataset) if dataset else "")
                headers["Content-Type"] = "application/sparql-query; charset=utf-8"
                return self._forward("POST", target, headers, text.encode("utf-8"), start_response)
            target = path + ("?" + query_string if query_string else "")
            return self._forward(method, target, headers, body, start_response)
        except Refused as exc:
            return _plain(start_response, exc.status, str(exc))

    def _forward(
        self, method: str, target: str, headers: dict[str, str], body: bytes, start_response
    ) -> Iterable[bytes]:
        b = self.backend
        if not b.wait_ready():  # being restarted (after a runaway query): wait for it
            raise Refused(503, "the SPARQL engine is not running")
        for attempt in (1, 2):
            conn = http.client.HTTPConnection(b.host, b.port, timeout=b.timeout)
            try:
                conn.request(method, target, body=body or None, headers=headers)
                response = conn.getresponse()
                break
            except ConnectionRefusedError:  # being restarted: nothing was sent, so wait, retry
                conn.close()
                if attempt == 2 or not b.wait_ready():
                    raise Refused(503, b.on_failure("stopped")) from None
            except TimeoutError:
                conn.close()
                raise Refused(503, b.on_failure("timeout")) from None
            except OSError:
                conn.close()
                raise Refused(503, b.on_failure("stopped")) from None
        out = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP]
        start_response(f"{response.status} {response.reason}", out)
        return _stream(conn, response)


def _stream(conn: http.client.HTTPConnection, response: http.client.HTTPResponse) -> Iterator:
    try:
        while chunk := response.read(_CHUNK):
            yield chunk
    except OSError:
        return  # Oxigraph stopped mid-answer: the client sees a cut answer
    finally:
        conn.close()


def _body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


def _request_headers(environ: dict[str, Any]) -> dict[str, str]:
    """The client's headers worth passing on (content negotiation, authorisation, type)."""
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").title()
            if name.lower() not in _HOP_BY_HOP and name.lower() != "host":
                headers[name] = value
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    return headers


def _plain(start_response: Callable, status: int, message: str) -> list[bytes]:
    body = (message + "\n").encode("utf-8")
    reason = http.client.responses.get(status, "Error")
    start_response(
        f"{status} {reason}",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]


def make_server(app: GuardApp, host: str, port: int, threads: int = 4) -> Any:
    """A waitress server for ``app`` on ``host:port`` (not yet running: call ``run()``)."""
    from waitress import create_server

    return create_server(
        app,
        host=host.strip("[]"),
        port=port,
        threads=threads,
        max_request_body_size=MAX_BODY,
        connection_limit=100,
        channel_timeout=120,
        ident="geokg",
        clear_untrusted_proxy_headers=True,
    )
