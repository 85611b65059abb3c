"""``kg viz``: the view model (counts, symmetric edges, filters), the HTML (escaping, nothing
loaded from the network) and the page in headless Chromium.

The browser tests drive Chromium over the DevTools protocol on a pipe
(``--remote-debugging-pipe``): no chromedriver, no extra Python package. Every request the
page makes except its own file is intercepted and failed, and recorded. They are skipped, with
the reason, when no Chromium is installed (set ``GEOKG_CHROMIUM`` to use another binary).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from rdflib import DCTERMS, RDF, RDFS, SKOS, Graph, Literal, URIRef

from kg.vocab import ART, ENT, EVID, GEO, RELATIONS, SYMMETRIC

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

XSS_LABEL = '<img src=x onerror="window.__xss=1">Evil <b>State</b>'
XSS_ALIAS = "<script>window.__xss=2</script>"
XSS_SENTENCE = (
    "Evil State </script><script>window.__xss=3</script> criticized NATO "
    '<img src=y onerror="window.__xss=4">.'
)
XSS_TITLE = "<iframe src=javascript:window.__xss=5></iframe> & headline"


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph() -> Graph:
    from kg.build import build

    return build([str(SEEDS)]).graph


@pytest.fixture(scope="module")
def view(graph):
    from kg.viz import build_view

    return build_view(graph)


def copy_graph(graph: Graph) -> Graph:
    new = Graph()
    for prefix, ns in graph.namespaces():
        new.bind(prefix, ns, override=True, replace=True)
    for t in graph:
        new.add(t)
    return new


def add_relation(
    g: Graph, s, rel: str, o, sentence: str, day: date | None = None, title: str = "A headline"
) -> None:
    """Add ``s rel o`` with one evidence node and its own article."""
    n = len(g)
    art = ART[f"test_{n}"]
    g.add((art, RDF.type, GEO.Article))
    g.add((art, DCTERMS.title, Literal(title)))
    g.add((art, DCTERMS.publisher, Literal("Test Wire")))
    ev = EVID[f"test_{n}"]
    g.add((s, GEO[rel], o))
    for p, v in (
        (RDF.type, GEO.Evidence),
        (RDF.subject, s),
        (RDF.predicate, GEO[rel]),
        (RDF.object, o),
        (GEO.article, art),
        (GEO.sentence, Literal(sentence)),
        (GEO.modality, Literal("asserted")),
    ):
        g.add((ev, p, v))
    if day:
        g.add((ev, DCTERMS.date, Literal(day)))  # a date: typed xsd:date
        g.add((art, DCTERMS.date, Literal(day)))


@pytest.fixture(scope="module")
def evil_graph(graph) -> Graph:
    """The seed graph plus an entity, sentence and headline made of markup."""
    g = copy_graph(graph)
    evil = ENT["Evil_State"]
    g.add((evil, RDF.type, GEO.Country))
    g.add((evil, RDFS.label, Literal(XSS_LABEL)))
    g.add((evil, SKOS.altLabel, Literal(XSS_ALIAS)))
    add_relation(g, evil, "criticizes", ENT["NATO"], XSS_SENTENCE, date(2023, 2, 1), XSS_TITLE)
    return g


def relation_triples(graph: Graph) -> set[tuple]:
    """Distinct relation edges as the page should draw them, computed independently."""
    found = set()
    for name in RELATIONS:
        for s, o in graph.subject_objects(GEO[name]):
            if name in SYMMETRIC:
                s, o = sorted((s, o), key=str)
            found.add((s, name, o))
    return found


def sentences(graph: Graph, s, name: str, o) -> set[tuple]:
    """Distinct (article, sentence) pairs stating ``s name o`` (either way if symmetric)."""
    out = set()
    for ev in graph.subjects(RDF.predicate, GEO[name]):
        if (ev, RDF.type, GEO.Evidence) not in graph:
            continue  # a background fact of the actor dictionary: no sentence
        pair = (graph.value(ev, RDF.subject), graph.value(ev, RDF.object))
        if pair == (s, o) or (name in SYMMETRIC and pair == (o, s)):
            out.add((graph.value(ev, GEO.article), str(graph.value(ev, GEO.sentence))))
    return out


# -- the view model ---------------------------------------------------------------------------


def test_view_has_one_node_per_entity_and_one_edge_per_relation(graph, view):
    triples = relation_triples(graph)
    entities = {s for s, _, _ in triples} | {o for _, _, o in triples}
    assert len(view.edges) == len(triples) > 20
    assert len(view.nodes) == len(entities) > 10
    assert (view.total_nodes, view.total_edges) == (len(entities), len(triples))
    assert {n.iri for n in view.nodes} == {str(e) for e in entities}
    by_id = {n.id: n for n in view.nodes}
    drawn = {(by_id[e.source].iri, e.relation, by_id[e.target].iri) for e in view.edges}
    assert drawn == {(str(s), r, str(o)) for s, r, o in triples}
    for e in view.edges:  # every sentence that supports an edge, once
        s, o = URIRef(by_id[e.source].iri), URIRef(by_id[e.target].iri)
        assert e.weight == len(sentences(graph, s, e.relation, o)) >= 1
    degree = Counter()
    for e in view.edges:
        degree[e.source] += 1
        degree[e.target] += 1
    assert all(n.degree == degree[n.id] for n in view.nodes)


def test_node_types_aliases_roles_and_events(view):
    korea, kishida = view.node("South Korea"), view.node("Fumio Kishida")
    assert (korea.type, korea.kind) == ("Country", "country")
    assert "Seoul" in korea.aliases
    assert (kishida.type, kishida.kind) == ("Person", "person")
    assert ("leader of", "Japan") in kishida.roles
    assert ("led by", "Fumio Kishida") in view.node("Japan").roles
    assert view.node("NATO").kind == "organization"
    visit = next(n for n in view.nodes if n.type == "Visit")
    assert visit.kind == "event" and ("by", "Jens Stoltenberg") in visit.details


def test_symmetric_relations_are_drawn_once_directed_ones_per_direction(graph, view):
    from kg.viz import build_view

    g = copy_graph(graph)
    sym = next(e for e in view.edges if e.symmetric)
    a, b = (URIRef(view.node(x).iri) for x in (sym.source, sym.target))
    add_relation(g, b, sym.relation, a, "The reverse direction, stated in a new sentence.")
    directed = next(e for e in view.edges if not e.symmetric and e.relation == "sanctions")
    c, d = (URIRef(view.node(x).iri) for x in (directed.source, directed.target))
    add_relation(g, d, "sanctions", c, "The sanctioned sanctions back.")
    new = build_view(g)
    assert len(new.edges) == len(view.edges) + 1  # only the directed reverse is a new edge
    merged = [
        e
        for e in new.edges
        if e.relation == sym.relation and {e.source, e.target} == {sym.source, sym.target}
    ]
    assert len(merged) == 1 and merged[0].weight == sym.weight + 1
    assert all(e.symmetric == (e.relation in SYMMETRIC) for e in new.edges)
    pairs = Counter((e.relation, frozenset((e.source, e.target))) for e in new.edges)
    assert all(n == 1 for (rel, _), n in pairs.items() if rel in SYMMETRIC)


def test_relation_filter_accepts_names_and_labels(graph):
    from kg.viz import ViewError, ViewOptions, build_view

    triples = relation_triples(graph)
    only = build_view(graph, ViewOptions(relations=("sanctions",)))
    assert {e.relation for e in only.edges} == {"sanctions"}
    assert len(only.edges) == sum(1 for t in triples if t[1] == "sanctions")
    both = build_view(graph, ViewOptions(relations=("Partner of", "visits,sanctions")))
    assert {e.relation for e in both.edges} == {"partnerOf", "visits", "sanctions"}
    with pytest.raises(ViewError, match=r"unknown relation 'sanction'.*sanctions"):
        build_view(graph, ViewOptions(relations=("sanction",)))


def test_entity_and_hops_keep_a_neighbourhood(graph, view):
    from kg.viz import ViewError, ViewOptions, build_view

    nato = view.node("NATO")
    neighbours = {e.target for e in view.edges if e.source == nato.id}
    neighbours |= {e.source for e in view.edges if e.target == nato.id}
    one = build_view(graph, ViewOptions(entity="nato", hops=1))
    assert {n.label for n in one.nodes} == {view.node(i).label for i in neighbours | {nato.id}}
    assert one.node(one.focus).label == "NATO" and one.title == "Around NATO"
    # induced subgraph: every edge of the full view between kept nodes is kept
    kept = {n.label for n in one.nodes}
    expected = [
        e
        for e in view.edges
        if view.node(e.source).label in kept and view.node(e.target).label in kept
    ]
    assert len(one.edges) == len(expected)
    two = build_view(graph, ViewOptions(entity="NATO", hops=2))
    assert kept < {n.label for n in two.nodes}
    zero = build_view(graph, ViewOptions(entity="NATO", hops=0))
    assert [n.label for n in zero.nodes] == ["NATO"] and zero.edges == []
    # aliases and surnames find the entity
    assert build_view(graph, ViewOptions(entity="Seoul", hops=0)).nodes[0].label == "South Korea"
    assert build_view(graph, ViewOptions(entity="Stoltenberg", hops=0)).nodes[0].label == (
        "Jens Stoltenberg"
    )
    with pytest.raises(ViewError, match="no entity named 'Atlantis'"):
        build_view(graph, ViewOptions(entity="Atlantis"))
    with pytest.raises(ViewError, match="several entities"):
        build_view(graph, ViewOptions(entity="Kor"))  # South Korea and North Korea


def test_since_and_until_filter_evidence_by_date(graph, view):
    from kg.viz import ViewError, ViewOptions, build_view

    dates = sorted({ev.date for e in view.edges for ev in e.evidence if ev.date})
    assert len(dates) >= 2
    cut = dates[-1]
    late = build_view(graph, ViewOptions(since=cut))
    assert late.edges and len(late.edges) < len(view.edges)
    assert all(ev.date and ev.date >= cut for e in late.edges for ev in e.evidence)
    expected = sum(1 for e in view.edges if any(ev.date and ev.date >= cut for ev in e.evidence))
    assert len(late.edges) == expected
    early = build_view(graph, ViewOptions(until=dates[0]))
    assert all(ev.date and ev.date <= dates[0] for e in early.edges for ev in e.evidence)
    window = build_view(graph, ViewOptions(since=dates[0], until=dates[-1]))
    undated = sum(1 for e in view.edges if all(ev.date is None for ev in e.evidence))
    assert len(window.edges) == len(view.edges) - undated
    assert build_view(graph, ViewOptions(since=date(2030, 1, 1))).nodes == []
    with pytest.raises(ViewError, match="after"):
        build_view(graph, ViewOptions(since=dates[-1], until=dates[0]))


def test_min_evidence_and_max_nodes(graph, view):
    from kg.viz import ViewOptions, build_view

    strong = build_view(graph, ViewOptions(min_evidence=3))
    assert strong.edges and all(e.weight >= 3 for e in strong.edges)
    assert len(strong.edges) == sum(1 for e in view.edges if e.weight >= 3)
    top = build_view(graph, ViewOptions(max_nodes=5))
    assert len(top.nodes) == 5
    ranked = sorted(view.nodes, key=lambda n: -n.degree)
    sure = {n.label for n in ranked[:5] if n.degree > ranked[5].degree}  # not tied with the 6th
    assert {n.label for n in top.nodes} >= sure
    assert all({e.source, e.target} <= {n.id for n in top.nodes} for e in top.edges)
    lonely = build_view(graph, ViewOptions(max_nodes=1, entity="Poland", hops=3))
    assert [n.label for n in lonely.nodes] == ["Poland"]


def test_state_level_view_rolls_people_up_to_their_states(graph, view):
    from rdflib import RDF

    from kg.viz import ViewOptions, build_view
    from kg.vocab import GEO

    states = build_view(graph, ViewOptions(states=True))
    assert states.subtitle.startswith("state level")
    people = {n.label for n in view.nodes if n.kind == "person"}
    assert people  # the person-level view has people ...
    assert not any(n.kind == "person" for n in states.nodes)  # ... the state-level one none
    assert not any(e.relation in ("leaderOf", "officialOf") for e in states.edges)
    assert all(e.source != e.target for e in states.edges)
    # every edge is what some sentence says between the states its ends stand for
    stated = set()
    for ev in graph.subjects(RDF.type, GEO.Evidence):
        s = graph.value(ev, GEO.subjectState) or graph.value(ev, RDF.subject)
        o = graph.value(ev, GEO.objectState) or graph.value(ev, RDF.object)
        stated.add((str(s), str(graph.value(ev, RDF.predicate)).rsplit("#", 1)[-1], str(o)))
    iri = {n.id: n.iri for n in states.nodes}
    for e in states.edges:
        forward = (iri[e.source], e.relation, iri[e.target])
        backward = (iri[e.target], e.relation, iri[e.source])
        assert forward in stated or backward in stated
    # a person's relation shows between the states: Stoltenberg's urging is NATO's
    labels = {(n.id): n.label for n in states.nodes}
    edges = {(labels[e.source], e.relation, labels[e.target]) for e in states.edges}
    assert ("NATO", "urges", "South Korea") in edges


def test_layout_is_deterministic_and_spread_out(graph, view):
    from kg.viz import build_view

    again = build_view(graph)
    assert [(n.x, n.y) for n in again.nodes] == [(n.x, n.y) for n in view.nodes]
    points = {(round(n.x), round(n.y)) for n in view.nodes}
    assert len(points) == len(view.nodes)  # no two nodes on the same spot


def test_particle_mesh_layout_on_a_larger_graph():
    import numpy as np

    from kg.viz import force_layout

    rng = np.random.default_rng(3)
    n = 800  # above the exact-repulsion limit
    links = np.unique(np.sort(rng.integers(0, n, size=(1600, 2)), axis=1), axis=0)
    links = links[links[:, 0] != links[:, 1]]
    pos = force_layout(n, links, iterations=60)
    assert pos.shape == (n, 2) and np.isfinite(pos).all()
    spread = pos.max(axis=0) - pos.min(axis=0)
    nearest = np.sort(np.linalg.norm(pos[:, None] - pos[None], axis=2), axis=1)[:, 1]
    assert np.median(nearest) > spread.max() / (4 * np.sqrt(n))  # nodes do not collapse


# -- the HTML ---------------------------------------------------------------------------------


class _Scan(HTMLParser):
    """Collects elements and attributes of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.urls: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        for name, value in attrs:
            if name in ("src", "href", "action", "srcset", "poster", "data") and value:
                self.urls.append(value)
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def page_data(page: str) -> dict:
    scan = _Scan()
    scan.feed(page)
    return json.loads(scan.scripts[0])


def test_html_is_self_contained(view):
    from kg.viz import render_html

    page = render_html(view)
    scan = _Scan()
    scan.feed(page)
    assert scan.tags["script"] == 3  # the data, vis-network, the app: all inline
    assert scan.urls == []
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"""url\(\s*["']?\s*(?:https?:)?//|@import""", page, re.I)
    assert "bootstrap" not in page.lower()
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    data = page_data(page)
    assert len(data["nodes"]) == len(view.nodes) and len(data["edges"]) == len(view.edges)
    assert render_html(view) == page  # deterministic


def test_markup_in_the_graph_is_data_not_html(evil_graph):
    from kg.viz import build_view, render_html

    page = render_html(build_view(evil_graph))
    for raw in (XSS_LABEL, XSS_ALIAS, XSS_SENTENCE, XSS_TITLE, "<img", "<iframe"):
        assert raw not in page
    scan = _Scan()
    scan.feed(page)
    assert scan.tags["script"] == 3 and scan.tags["img"] == 0 and scan.tags["iframe"] == 0
    data = page_data(page)  # ... and the JSON gives the exact strings back
    evil = next(n for n in data["nodes"] if n["label"] == XSS_LABEL)
    assert evil["aliases"] == [XSS_ALIAS]
    edge = next(e for e in data["edges"] if e["from"] == evil["id"])
    assert edge["evidence"][0]["s"] == XSS_SENTENCE and edge["evidence"][0]["t"] == XSS_TITLE


def test_title_is_escaped(graph):
    from kg.viz import ViewOptions, build_view, render_html

    page = render_html(build_view(graph, ViewOptions(title="<script>alert(1)</script> & co")))
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</title>" in page


def test_write_html_is_atomic_and_reports_bad_paths(view, tmp_path):
    from kg.graphio import GraphFileError
    from kg.viz import write_html

    out = tmp_path / "view.html"
    size = write_html(view, out)
    assert out.stat().st_size == size > 100_000
    assert [p.name for p in tmp_path.iterdir()] == ["view.html"]  # no temp file left
    with pytest.raises(GraphFileError, match="does not exist"):
        write_html(view, tmp_path / "missing" / "view.html")


def test_cli_writes_the_page(kg, tmp_path, graph):
    from kg.graphio import write_graph

    ttl = tmp_path / "graph.ttl"
    write_graph(graph, ttl)
    out = tmp_path / "graph.html"
    done = kg("viz", ttl, "-o", out, "--entity", "NATO", "--hops", "1", "--since", "2023-01-01")
    assert done.returncode == 0, done.stderr
    assert out.is_file() and "within 1 hop of NATO" in done.stderr
    assert re.match(r"\d+ actors, \d+ relations, \d+ sentences", done.stderr)
    done = kg("viz", ttl, "-o", out, "--states")
    assert done.returncode == 0 and "state level" in done.stderr, done.stderr


def test_cli_reports_errors_in_one_line(tmp_path, graph):
    from typer.testing import CliRunner

    from kg.cli import app
    from kg.graphio import write_graph

    ttl = tmp_path / "graph.ttl"
    write_graph(graph, ttl)
    for args, message in (
        ([tmp_path / "nope.ttl"], "no such file"),
        ([ttl, "--relation", "hugs"], "unknown relation 'hugs'"),
        ([ttl, "--entity", "Atlantis"], "no entity named 'Atlantis'"),
        ([ttl, "--since", "last week"], "--since: 'last week' is not a date"),
        ([ttl, "--physics", "maybe"], "--physics"),
        ([ttl, "-o", tmp_path / "no" / "x.html"], "does not exist"),
    ):
        result = CliRunner().invoke(app, ["viz", *map(str, args)])
        assert result.exit_code == 1, result.output
        assert message in result.output, result.output
        assert result.output.startswith("error:") and result.output.count("\n") == 1


# -- headless Chromium over the DevTools protocol --------------------------------------------


def chromium_binary() -> str | None:
    """The Chromium to test with: $GEOKG_CHROMIUM, /usr/bin/chromium, or one on PATH."""
    for candidate in (
        os.environ.get("GEOKG_CHROMIUM"),
        "/usr/bin/chromium",
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ):
        if candidate and (path := shutil.which(candidate)):
            return path
    return None


class BrowserError(RuntimeError):
    """Chromium answered a command with an error, or went away."""


class Browser:
    """Headless Chromium driven over ``--remote-debugging-pipe`` (CDP messages, NUL-separated).

    ``with Browser(binary) as b: page = b.open(path, wait_for="window.x")``.
    """

    def __init__(self, binary: str, width: int = 1400, height: int = 900) -> None:
        self.binary, self.width, self.height = binary, width, height
        self._ids = iter(range(1, 1 << 62))
        self._pending: dict[int, queue.Queue] = {}
        self._listeners: dict[str, Callable[[dict], None]] = {}
        self._write_lock = threading.Lock()
        self._closed = False

    def __enter__(self) -> Browser:
        self.profile = tempfile.mkdtemp(prefix="geokg-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def child_fds() -> None:  # runs in the child: the pipe ends become fds 3 and 4
            a, b = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        args = [
            self.binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-default-apps",
            "--disable-extensions",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--mute-audio",
            "--remote-debugging-pipe",
            f"--user-data-dir={self.profile}",
            f"--window-size={self.width},{self.height}",
            "about:blank",
        ]
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=child_fds,  # the pipe ends must be fds 3 and 4
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._closed:
            self._closed = True
            with contextlib.suppress(BrowserError):
                self.send("Browser.close", timeout=5)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            os.close(self._to_browser)
            shutil.rmtree(self.profile, ignore_errors=True)

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    waiter = self._pending.pop(message["id"], None)
                    if waiter is not None:
                        waiter.put(message)
                elif (listener := self._listeners.get(message.get("sessionId", ""))) is not None:
                    listener(message)
        os.close(self._from_browser)
        for waiter in list(self._pending.values()):
            waiter.put({"error": {"message": "Chromium closed the connection"}})

    def _write(
        self, message_id: int, method: str, params: dict | None, session: str | None
    ) -> None:
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = memoryview(json.dumps(message).encode() + b"\0")
        with self._write_lock:
            while data:
                data = data[os.write(self._to_browser, data) :]

    def post(self, method: str, params: dict | None = None, session: str | None = None) -> None:
        """Send a command without waiting for the answer (safe on the reader thread)."""
        self._write(next(self._ids), method, params, session)

    def send(
        self,
        method: str,
        params: dict | None = None,
        session: str | None = None,
        timeout: float = 30.0,
    ) -> dict:
        """Send a command and return its result."""
        waiter: queue.Queue = queue.Queue()
        message_id = next(self._ids)
        self._pending[message_id] = waiter
        self._write(message_id, method, params, session)
        try:
            answer = waiter.get(timeout=timeout)
        except queue.Empty:
            self._pending.pop(message_id, None)
            raise BrowserError(f"{method}: no answer from Chromium in {timeout:.0f}s") from None
        if "error" in answer:
            raise BrowserError(f"{method}: {answer['error'].get('message', answer['error'])}")
        return answer.get("result", {})

    def open(
        self,
        path: Path,
        wait_for: str = "document.readyState === 'complete'",
        timeout: float = 30.0,
    ) -> Page:
        """Open a local file in a new tab, every other request blocked; wait for ``wait_for``."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        page = Page(self, target, session, Path(path).resolve().as_uri())
        self._listeners[session] = page._on_event
        for method, params in (
            ("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}),
            ("Network.enable", {}),
            ("Runtime.enable", {}),
            ("Log.enable", {}),
            ("Page.enable", {}),
            (
                "Emulation.setDeviceMetricsOverride",
                {
                    "width": self.width,
                    "height": self.height,
                    "deviceScaleFactor": 1,
                    "mobile": False,
                },
            ),
        ):
            self.send(method, params, session=session)
        page.started = time.monotonic()
        self.send("Page.navigate", {"url": page.url}, session=session)
        page.wait_for(wait_for, timeout)
        return page


class Page:
    """One tab: evaluate JavaScript, move the mouse, take screenshots, read what went wrong."""

    def __init__(self, browser: Browser, target: str, session: str, url: str) -> None:
        self.browser, self.target, self.session, self.url = browser, target, session, url
        self.blocked: list[str] = []  # requests that were stopped
        self.requests: list[str] = []  # every request the page made (data: URLs excluded)
        self.exceptions: list[str] = []
        self.console_errors: list[str] = []
        self.log_errors: list[str] = []
        self.started = 0.0

    def _on_event(self, message: dict) -> None:  # called on the reader thread: never block
        method, params = message.get("method"), message.get("params", {})
        if method == "Fetch.requestPaused":
            url = params["request"]["url"]
            if url.split("#", 1)[0] == self.url:
                self.browser.post(
                    "Fetch.continueRequest", {"requestId": params["requestId"]}, self.session
                )
            else:
                self.blocked.append(url)
                self.browser.post(
                    "Fetch.failRequest",
                    {"requestId": params["requestId"], "errorReason": "BlockedByClient"},
                    self.session,
                )
        elif method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if not url.startswith("data:"):
                self.requests.append(url)
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            self.exceptions.append(str(text))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.console_errors.append(
                " ".join(str(a.get("value", a.get("description"))) for a in params.get("args", []))
            )
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            self.log_errors.append(params["entry"].get("text", ""))

    def errors(self) -> list[str]:
        """Uncaught exceptions, console errors and browser error log entries, in that order."""
        return self.exceptions + self.console_errors + self.log_errors

    def evaluate(self, expression: str, timeout: float = 30.0) -> Any:
        """The value of a JavaScript expression (promises are awaited)."""
        result = self.browser.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=self.session,
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise BrowserError(details.get("exception", {}).get("description", details["text"]))
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30.0) -> Any:
        """Poll until ``expression`` is truthy; TimeoutError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.evaluate(
                    f"(() => {{ try {{ return {expression}; }} "
                    "catch (e) { return undefined; } })()"
                )
            except BrowserError:
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{expression!r} still false after {timeout:.0f}s; errors: {self.errors()}"
                )
            time.sleep(0.05)

    def mouse(self, kind: str, x: float, y: float, **extra: Any) -> None:
        """Dispatch a real mouse event (``mouseMoved``, ``mousePressed``, ``mouseReleased``)."""
        self.browser.send(
            "Input.dispatchMouseEvent",
            {"type": kind, "x": x, "y": y, **extra},
            session=self.session,
        )

    def click(self, x: float, y: float) -> None:
        """Press and release the left button at (x, y)."""
        self.mouse("mouseMoved", x, y)
        for kind in ("mousePressed", "mouseReleased"):
            self.mouse(kind, x, y, button="left", clickCount=1)

    def screenshot(self, path: Path) -> None:
        """Save a PNG of the viewport."""
        data = self.browser.send("Page.captureScreenshot", {"format": "png"}, session=self.session)[
            "data"
        ]
        Path(path).write_bytes(base64.b64decode(data))

    def close(self) -> None:
        """Close the tab."""
        self.browser.send("Target.closeTarget", {"targetId": self.target})


@pytest.fixture(scope="module")
def browser():
    binary = chromium_binary()
    if binary is None:
        pytest.skip(
            "Chromium not found (apt-get install chromium, or set GEOKG_CHROMIUM); "
            "browser tests skipped"
        )
    with Browser(binary) as b:
        yield b


READY = "window.geokg && window.geokg.ready"

# Screen position of a node, or of the middle of an edge, in the page.
NODE_XY = """(() => { const g = geokg, id = %s, p = g.network.getPositions([id])[id];
  const d = g.network.canvasToDOM(p);
  const r = document.getElementById('network').getBoundingClientRect();
  return [r.left + d.x, r.top + d.y]; })()"""
EDGE_XY = """(() => { const g = geokg, e = g.edges.get(%s);
  const a = g.network.getPositions([e.from, e.to]);
  const d = g.network.canvasToDOM({x: (a[e.from].x + a[e.to].x) / 2,
                                   y: (a[e.from].y + a[e.to].y) / 2});
  const r = document.getElementById('network').getBoundingClientRect();
  return [r.left + d.x, r.top + d.y]; })()"""


def hover(page: Page, expression: str) -> str:
    """Move the mouse onto a node or edge; the tooltip's text ('' if none showed)."""
    x, y = page.evaluate(expression)
    page.mouse("mouseMoved", x - 4, y)
    page.mouse("mouseMoved", x, y)
    return page.wait_for(
        "!document.getElementById('tip').hidden && document.getElementById('tip').textContent",
        timeout=5,
    )


def test_page_in_chromium_draws_the_network_offline_and_safely(browser, evil_graph, tmp_path):
    from kg.viz import ViewOptions, build_view, write_html

    view = build_view(evil_graph, ViewOptions(physics="off"))  # still positions: stable hover
    html = tmp_path / "seed.html"
    write_html(view, html)
    page = browser.open(html, wait_for=READY, timeout=30)
    try:
        drawn = page.evaluate("""({nodes: geokg.nodes.length, edges: geokg.edges.length,
            viewNodes: geokg.nodeView.length, viewEdges: geokg.edgeView.length,
            drawnNodes: geokg.network.body.nodeIndices.length,
            drawnEdges: geokg.network.body.edgeIndices.length,
            canvas: document.querySelector('#network canvas').width})""")
        assert (
            drawn
            == {
                "nodes": len(view.nodes),
                "edges": len(view.edges),
                "viewNodes": len(view.nodes),
                "viewEdges": len(view.edges),
                "drawnNodes": len(view.nodes),
                "drawnEdges": len(view.edges),
                "canvas": drawn["canvas"],
            }
            and drawn["canvas"] > 300
        )

        # the markup shows as text in the tooltip and in the details, and never runs
        evil = view.node(XSS_LABEL)
        text = hover(page, NODE_XY % json.dumps(evil.id))
        assert XSS_LABEL in text and XSS_ALIAS in text
        edge = next(e for e in view.edges if e.source == evil.id)
        x, y = page.evaluate(EDGE_XY % json.dumps(edge.id))
        page.click(x, y)
        details = page.wait_for(
            "!document.getElementById('details-panel').hidden && "
            "document.getElementById('details').textContent",
            timeout=5,
        )
        assert XSS_SENTENCE in details and XSS_TITLE in details
        page.evaluate("""(() => { const box = document.createElement('div');
            geokg.nodes.getIds().forEach(id => box.appendChild(geokg.nodeCard(id)));
            geokg.edges.getIds().forEach(id => box.appendChild(geokg.edgeCard(id)));
            document.body.appendChild(box); return box.childElementCount; })()""")
        heavy = max(view.edges, key=lambda e: e.weight)  # the details list every sentence
        assert (
            page.evaluate(f"geokg.edgeCard({json.dumps(heavy.id)}).querySelectorAll('li').length")
            == heavy.weight
            > 5
        )
        time.sleep(0.2)
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert page.evaluate("document.querySelectorAll('body img, body iframe').length") == 0
        assert page.evaluate("document.scripts.length") == 3

        # search, then the filters of the page
        page.evaluate("""(() => { const s = document.getElementById('search'); s.value = 'seoul';
            s.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'})); })()""")
        assert page.evaluate("geokg.network.getSelectedNodes()") == [view.node("South Korea").id]
        page.evaluate("""document.querySelectorAll('#quad-filters input').forEach((box, i) => {
            if (i > 0) box.click(); })""")  # keep the first class only
        first = page.evaluate("document.querySelector('#quad-filters label .name').textContent")
        from kg.viz import QUAD_CLASSES

        quad = next(k for k, (label, _c) in QUAD_CLASSES.items() if label == first)
        kept = [e for e in view.edges if e.quad_class == quad]
        ends = {e.source for e in kept} | {e.target for e in kept}
        assert page.evaluate("[geokg.edgeView.length, geokg.nodeView.length]") == [
            len(kept),
            len(ends),
        ]
        assert page.evaluate("geokg.network.body.edgeIndices.length") == len(kept)

        assert page.errors() == []
        assert page.evaluate("geokg.errors.concat(geokg.cspViolations)") == []
        assert page.blocked == []
        assert all(url == page.url for url in page.requests), page.requests
    finally:
        page.close()


def test_seed_page_with_physics_stabilizes(browser, view, tmp_path):
    from kg.viz import write_html

    html = tmp_path / "physics.html"
    write_html(view, html)
    assert view.physics
    page = browser.open(html, wait_for=READY, timeout=30)
    try:
        timing = page.evaluate("geokg.timing")
        assert "stabilized" in timing and timing["ready"] - timing["start"] < 15_000
        assert page.evaluate("geokg.network.body.nodeIndices.length") == len(view.nodes)
        assert page.errors() == [] and page.blocked == []
        if os.environ.get("GEOKG_SCREENSHOT"):
            page.screenshot(Path(os.environ["GEOKG_SCREENSHOT"]))
    finally:
        page.close()
