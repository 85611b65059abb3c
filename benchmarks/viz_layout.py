"""How fast ``kg viz`` is on a large graph: generation in Python, then time to interactive in
headless Chromium.

What is measured
----------------
A synthetic geokg graph is generated in memory with the shape ``kg build`` writes: ``--nodes``
entities (countries, organizations, people, typed and labelled, with aliases), ``--edges``
relation triples between them drawn with a preferential-attachment bias (a few hubs, many
leaves, as in news), every relation type of the ontology, and 1-4 evidence nodes per triple
(sentence, article, date, modality) on ``--articles`` articles. Then:

``build_view``
    ``kg.viz.build_view(graph)``: reading triples and evidence, filtering, the layout.
``layout``
    the force-directed layout alone (part of ``build_view``).
``render_html``
    ``kg.viz.render_html(view)``: the pyvis network and the self-contained page.
``page: ready``
    Chromium (headless, every request but the page's own file blocked) opens the page;
    time from navigation start to ``window.geokg.ready``: the network is drawn and, for views
    small enough to use physics, stabilised. Read from the page's own ``performance.now()``
    marks (``geokg.timing``), so Chromium's start-up is not counted.
``page: redraw``
    the median time of 5 full redraws (``network.redraw()``) once ready: what every pan or
    zoom costs.
``pyvis defaults`` (only with ``--baseline``)
    the same nodes and edges written with pyvis's default options (``cdn_resources="in_line"``)
    for comparison: time to ``stabilizationIterationsDone``. It is slow (minutes); the run gives
    up after ``--baseline-timeout`` seconds.

Usage::

    .venv/bin/python benchmarks/viz_layout.py                      # 2,000 nodes, 5,000 edges
    .venv/bin/python benchmarks/viz_layout.py --nodes 500 --edges 1200 --repeat 3
    .venv/bin/python benchmarks/viz_layout.py --baseline --baseline-timeout 300
    .venv/bin/python benchmarks/viz_layout.py --keep out/big.html  # keep the generated page

The target (from the issue): a 2,000-node view interactive within seconds.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from rdflib import DCTERMS, RDF, RDFS, SKOS, XSD, Graph, Literal

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kg.vocab import ART, ENT, EVID, GEO, RELATIONS, bind_prefixes  # noqa: E402

_TYPES = ["Country"] * 5 + ["Person"] * 3 + ["Organization", "IntergovernmentalOrganization"]


def synthetic_graph(
    nodes: int = 2000, edges: int = 5000, articles: int = 400, seed: int = 1
) -> Graph:
    """A geokg-shaped graph with ``nodes`` entities and ``edges`` distinct relation triples."""
    rng = np.random.default_rng(seed)
    g = bind_prefixes(Graph())
    ents = [ENT[f"Entity_{i:05d}"] for i in range(nodes)]
    for i, iri in enumerate(ents):
        kind = _TYPES[i % len(_TYPES)]
        g.add((iri, RDF.type, GEO[kind]))
        g.add((iri, RDFS.label, Literal(f"{kind[:3]} {i:05d}")))
        if i % 3 == 0:
            g.add((iri, SKOS.altLabel, Literal(f"Alias {i:05d}")))
    start = date(2023, 1, 1)
    arts = [ART[f"art_{a:04d}"] for a in range(articles)]
    for a, iri in enumerate(arts):
        g.add((iri, RDF.type, GEO.Article))
        g.add((iri, DCTERMS.title, Literal(f"Headline number {a}")))
        g.add((iri, DCTERMS.publisher, Literal(["Reuters", "AP", "AFP", "BBC"][a % 4])))
        g.add((iri, DCTERMS.date, Literal(start + timedelta(days=a % 365), datatype=XSD.date)))
    # every entity takes part: entity i > 0 first links to an earlier one, then the rest of
    # the edges join random pairs; both favour low numbers (weight 1 / (i + 10)), as news
    # favours a few actors
    weights = 1.0 / (np.arange(nodes) + 10.0)
    relations = list(RELATIONS)
    seen: set[tuple[int, str, int]] = set()

    def add(s: int, o: int) -> None:
        rel = relations[int(rng.integers(len(relations)))]
        if s != o and (s, rel, o) not in seen and (o, rel, s) not in seen:
            seen.add((s, rel, o))

    for i in range(1, min(nodes, edges + 1)):
        j = int(rng.choice(i, p=weights[:i] / weights[:i].sum()))
        add(i, j) if rng.random() < 0.5 else add(j, i)
    p = weights / weights.sum()
    while len(seen) < edges:
        s, o = rng.choice(nodes, size=2, p=p)
        add(int(s), int(o))
    for n, (s, rel, o) in enumerate(sorted(seen)):
        g.add((ents[s], GEO[rel], ents[o]))
        for k in range(int(rng.integers(1, 5))):
            ev = EVID[f"ev_{n:06d}_{k}"]
            art = arts[int(rng.integers(articles))]
            g.add((ev, RDF.type, GEO.Evidence))
            g.add((ev, RDF.subject, ents[s]))
            g.add((ev, RDF.predicate, GEO[rel]))
            g.add((ev, RDF.object, ents[o]))
            g.add((ev, GEO.article, art))
            g.add(
                (
                    ev,
                    GEO.sentence,
                    Literal(
                        f"Sentence {k} of article {art.rsplit('_', 1)[-1]}: "
                        f"entity {s} {rel} entity {o}, "
                        "officials said on Monday, citing the talks held earlier this week."
                    ),
                )
            )
            g.add((ev, GEO.modality, Literal("asserted")))
            g.add((ev, DCTERMS.date, g.value(art, DCTERMS.date)))
    return g


def _page_timing(html: Path, timeout: float) -> dict:
    """Open ``html`` in headless Chromium; the page's timings and redraw cost."""
    from tests.test_viz import Browser, chromium_binary

    binary = chromium_binary()
    if binary is None:
        return {"skipped": "chromium not found"}
    with Browser(binary) as browser:
        page = browser.open(html, wait_for="window.geokg && window.geokg.ready", timeout=timeout)
        timing = page.evaluate("geokg.timing")
        redraw = page.evaluate(
            """(() => { const t = []; for (let i = 0; i < 5; i++) { const a = performance.now();
                 geokg.network.redraw(); t.push(performance.now() - a); }
                 t.sort((x, y) => x - y); return t[2]; })()"""
        )
        counts = page.evaluate(
            "[geokg.network.body.nodeIndices.length, geokg.network.body.edgeIndices.length]"
        )
        return {
            "ready_s": round((timing["ready"]) / 1000, 2),
            "script_to_ready_s": round((timing["ready"] - timing["start"]) / 1000, 2),
            "first_draw_s": round(timing["firstDraw"] / 1000, 2),
            "redraw_ms": round(redraw, 1),
            "drawn": counts,
            "page_errors": page.errors(),
            "blocked_requests": page.blocked,
        }


def _baseline(view, out: Path, timeout: float) -> dict:
    """pyvis with its default options (physics, dynamic smooth edges, improvedLayout)."""
    from pyvis.network import Network

    from tests.test_viz import Browser, chromium_binary

    net = Network(cdn_resources="in_line", directed=True)
    for n in view.nodes:
        net.nodes.append({"id": n.id, "label": n.label, "shape": "dot"})
    for e in view.edges:
        net.edges.append({"from": e.source, "to": e.target, "label": e.label})
    page_html = net.generate_html().replace(
        "drawGraph();\n",
        "drawGraph(); network.once('stabilizationIterationsDone', function () {"
        " window.__stable = performance.now(); });\n",
    )
    out.write_text(page_html, encoding="utf-8")
    binary = chromium_binary()
    if binary is None:
        return {"skipped": "chromium not found"}
    with Browser(binary) as browser:
        try:
            page = browser.open(out, wait_for="window.__stable", timeout=timeout)
        except TimeoutError:
            return {"stabilized_s": f"> {timeout:.0f} (gave up)"}
        return {"stabilized_s": round(page.evaluate("window.__stable") / 1000, 1)}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a JSON report."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=2000)
    ap.add_argument("--edges", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=1, help="repeat and keep the best times")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the page")
    ap.add_argument("--baseline", action="store_true", help="also time pyvis defaults (slow)")
    ap.add_argument("--baseline-timeout", type=float, default=600.0)
    ap.add_argument("--keep", type=Path, help="write the generated page here")
    args = ap.parse_args(argv)

    from kg import viz

    t = time.perf_counter()
    graph = synthetic_graph(args.nodes, args.edges)
    generate_s = time.perf_counter() - t

    runs: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="geokg-viz-bench-") as tmp:
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            view = viz.build_view(graph)
            t1 = time.perf_counter()
            html = viz.render_html(view)
            t2 = time.perf_counter()
            n = len(view.nodes)
            index = {node.id: i for i, node in enumerate(view.nodes)}
            links = np.array(sorted({(index[e.source], index[e.target]) for e in view.edges}))
            t3 = time.perf_counter()
            viz.force_layout(n, links)
            layout_s = time.perf_counter() - t3
            page = args.keep or Path(tmp) / "view.html"
            page.write_text(html, encoding="utf-8")
            run = {
                "build_view_s": round(t1 - t0, 2),
                "layout_s": round(layout_s, 2),
                "render_html_s": round(t2 - t1, 2),
                "html_mb": round(len(html.encode()) / 1e6, 2),
                "nodes": n,
                "edges": len(view.edges),
                "physics": view.physics,
            }
            run.update(_page_timing(page, args.timeout))
            runs.append(run)
        best = min(runs, key=lambda r: r["build_view_s"] + r.get("ready_s", 0))
        report = {
            "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
            "python": platform.python_version(),
            "graph": {
                "nodes": args.nodes,
                "edges": args.edges,
                "triples": len(graph),
                "generate_s": round(generate_s, 2),
            },
            "best": best,
            "runs": runs,
        }
        if args.baseline:
            view = viz.build_view(graph)
            report["pyvis_defaults"] = _baseline(
                view, Path(tmp) / "baseline.html", args.baseline_timeout
            )
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
