"""Latency of ``kg query``: every saved query on the seed graph and on a synthetic ~1M-triple graph.

What is measured
----------------
Two graphs:

``seed``
    the graph ``kg.build.build(["seeds/"])`` writes for the five seed articles (~1.3k triples).
``synthetic``
    a graph shaped like ours, written as Turtle by :func:`write_synthetic` from a seeded RNG:
    ``--entities`` entities (countries with ISO codes, intergovernmental organizations,
    organizations, armed groups, persons; labels and alternative labels) whose popularity
    follows a Zipf law, so a few hubs ("United States", "Russia", ...) take part in many
    relations as in real news; ``--articles`` articles (title, date, publisher, file, URL,
    ``schema:mentions``), each with about eight evidence nodes (the reified relation, sentence,
    offsets, modality, speaker for reported ones, confidence, rule, date) and the plain relation
    triples they state, including leaderOf/officialOf of persons and Visit events. The default
    sizes give about one million triples.

For each graph and each engine -- ``rdflib`` (rdflib's memory store and SPARQL engine) and
``oxigraph`` (oxrdflib, ``Graph(store="Oxigraph")``) -- the file is loaded with
``kg.query.load_graph`` (which adds the ontology), then every saved query is run through
``kg.query.run_query`` on the loaded graph: parameterised queries get ``--entity`` (default
"United States", the biggest hub: the worst case) and ``--other``. Each query is run
``--repeat`` times (``--rdflib-repeat`` on rdflib) and the best time is reported; the time
includes turning the rows into rdflib terms. rdflib runs each query in a forked child process
that is killed after ``--timeout`` seconds (reported as ``>T``). The row counts of the two
engines are compared; a mismatch is flagged with ``!``. Finally whole ``kg query`` commands
are timed (wall clock: interpreter start, imports, loading, query, CSV output).

The engine ``store`` (``--engines store``, in the default list) is the on-disk store of
``kg build --store``: the graph file is split into the store's layout by
:func:`load_into_store` (facts in the default graph, each article node and its evidence nodes
in the article's named graph, the ontology in its own graph), loaded into a fresh store
directory (the time reported as "load" for it), reopened read-only with
``kg.query.load_store`` and queried with the default graph as the union of all graphs.

Also reported: the time to copy an in-memory rdflib graph into an Oxigraph store
(``kg.query.to_oxigraph``: what ``run_query(graph)`` does with an rdflib graph from Python).

Usage::

    .venv/bin/python benchmarks/query_latency.py                      # seed + ~1M triples
    .venv/bin/python benchmarks/query_latency.py --articles 700 --entities 800   # ~100k, quick
    .venv/bin/python benchmarks/query_latency.py --engines oxigraph   # skip rdflib
"""

from __future__ import annotations

import argparse
import gc
import math
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kg.query import (  # noqa: E402
    load_graph,
    load_store,
    run_query,
    saved_queries,
    to_oxigraph,
)

HUBS = [
    ("United_States", "United States", "Country", ["US", "Washington", "America"], "US"),
    ("Russia", "Russia", "Country", ["Moscow", "Russian Federation"], "RU"),
    ("China", "China", "Country", ["Beijing"], "CN"),
    ("Ukraine", "Ukraine", "Country", ["Kyiv"], "UA"),
    ("NATO", "NATO", "IntergovernmentalOrganization", ["the alliance"], None),
    ("European_Union", "European Union", "IntergovernmentalOrganization", ["EU", "Brussels"], None),
    ("North_Korea", "North Korea", "Country", ["Pyongyang", "DPRK"], "KP"),
    ("Japan", "Japan", "Country", ["Tokyo"], "JP"),
    ("South_Korea", "South Korea", "Country", ["Seoul"], "KR"),
    ("Iran", "Iran", "Country", ["Tehran"], "IR"),
    ("Israel", "Israel", "Country", ["Jerusalem"], "IL"),
    ("United_Nations", "United Nations", "IntergovernmentalOrganization", ["UN"], None),
]
TYPE_SHARES = [  # type, share of the generated (non-hub) entities
    ("Country", 0.04),
    ("IntergovernmentalOrganization", 0.02),
    ("Organization", 0.06),
    ("ArmedGroup", 0.02),
    ("Person", 0.86),
]
RELATION_WEIGHTS = {
    "memberOf": 2,
    "leaderOf": 4,
    "officialOf": 4,
    "allyOf": 2,
    "partnerOf": 3,
    "visits": 5,
    "meetsWith": 8,
    "cooperatesWith": 4,
    "agreesWith": 3,
    "supports": 6,
    "suppliesWeaponsTo": 2,
    "urges": 6,
    "praises": 3,
    "criticizes": 6,
    "condemns": 5,
    "warns": 6,
    "accuses": 5,
    "threatens": 3,
    "rejects": 4,
    "sanctions": 3,
    "invades": 1,
    "attacks": 3,
}
MODALITIES = [("asserted", 0.78), ("planned", 0.08), ("reported", 0.09), ("hypothetical", 0.05)]
PUBLISHERS = ["Reuters", "AFP", "AP", "Al Jazeera", "BBC", "Yonhap", "Kyodo", "DW", "NHK"]
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ra",
    "ten",
    "vos",
    "bar",
    "dan",
    "el",
    "in",
    "or",
    "sul",
    "ta",
    "ven",
    "zar",
    "no",
    "pe",
    "qui",
    "sha",
    "ul",
    "gor",
    "hel",
    "ja",
    "kri",
    "mun",
    "ostr",
    "pra",
]
PREFIXES = """@prefix art: <https://w3id.org/geokg/article/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix ent: <https://w3id.org/geokg/id/> .
@prefix evid: <https://w3id.org/geokg/evidence/> .
@prefix geo: <https://w3id.org/geokg/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

"""


def _lit(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def write_synthetic(
    path: Path, *, articles: int = 7000, entities: int = 5000, seed: int = 7
) -> tuple[int, list[str]]:
    """Write a synthetic geokg graph as Turtle.

    Returns its number of triples and the labels of two "typical" entities: ranked at 2 %
    of the popularity order (the hubs are the first dozen), for parameters of average cost.
    """
    rng = random.Random(seed)
    ents: list[tuple[str, str, str, list[str], str | None]] = list(HUBS)
    used = {e[1] for e in ents}
    for kind, share in TYPE_SHARES:
        for _ in range(max(1, round((entities - len(HUBS)) * share))):
            while True:
                if kind == "Person":
                    label = f"{_name(rng, 2)} {_name(rng, rng.choice((2, 3)))}"
                else:
                    label = _name(rng, rng.choice((2, 3)))
                    label += {
                        "Organization": " Corporation",
                        "ArmedGroup": " Brigade",
                        "IntergovernmentalOrganization": " Union",
                    }.get(kind, "")
                if label not in used:
                    used.add(label)
                    break
            key = label.replace(" ", "_")
            alts = [label.split()[-1]] if kind == "Person" else []
            if kind == "Country":
                alts.append(_name(rng, 2) + " City")
            iso = label[:2].upper() if kind == "Country" else None
            ents.append((key, label, kind, alts, iso))
    persons = [e for e in ents if e[2] == "Person"]
    polities = [e for e in ents if e[2] != "Person"]
    home = {p[0]: rng.choice(polities[: max(20, len(polities) // 3)]) for p in persons}
    tail = ents[len(HUBS) :]
    rng.shuffle(tail)  # popularity independent of type beyond the hubs
    ents[len(HUBS) :] = tail
    weights = [1.0 / (i + 1) ** 0.9 for i in range(len(ents))]
    cum: list[float] = []
    total = 0.0
    for w in weights:
        total += w
        cum.append(total)
    rel_names = list(RELATION_WEIGHTS)
    rel_cum: list[float] = []
    acc = 0.0
    for name in rel_names:
        acc += RELATION_WEIGHTS[name]
        rel_cum.append(acc)

    def pick() -> tuple[str, str, str, list[str], str | None]:
        return ents[_bisect(cum, rng.random() * total)]

    def pick_rel() -> str:
        return rel_names[_bisect(rel_cum, rng.random() * acc)]

    n = 0
    relations: set[tuple[str, str, str]] = set()
    visits: dict[str, tuple[str, str]] = {}
    start = date(2022, 1, 1)
    with path.open("w", encoding="utf-8") as out:
        out.write(PREFIXES)
        for a in range(articles):
            aid = f"{a:05d}_{rng.getrandbits(64):016x}"
            day = (start + timedelta(days=rng.randrange(900))).isoformat()
            mentioned: dict[str, None] = {}
            evidence: list[str] = []
            offset = 0
            for _ in range(max(1, int(rng.gauss(8, 2)))):
                rel = pick_rel()
                if rel in ("leaderOf", "officialOf"):
                    s = rng.choice(persons[: max(50, len(persons) // 4)])
                    o = home[s[0]]
                elif rel == "memberOf":
                    s = pick()
                    o = rng.choice([e for e in HUBS if e[2] == "IntergovernmentalOrganization"])
                else:
                    s, o = pick(), pick()
                    while o[0] == s[0]:
                        o = pick()
                s_iri, o_iri = f"ent:{s[0]}", f"ent:{o[0]}"
                if rel == "condemns" and rng.random() < 0.1:
                    key = f"Visit_{s[0]}_{o[0]}"
                    visits[key] = (s[0], o[0])
                    s = pick()
                    s_iri, o_iri = f"ent:{s[0]}", f"ent:{key}"
                mentioned[s[0]] = None
                mentioned[o[0]] = None
                relations.add((s_iri, f"geo:{rel}", o_iri))
                modality = _weighted(rng, MODALITIES)
                length = rng.randrange(80, 260)
                sentence = (
                    f"{s[1]} {rel} {o[1]} according to officials, "
                    + " ".join(rng.choice(SYLLABLES) for _ in range(length // 4))
                )[:length]
                ev = f"evid:{rng.getrandbits(64):016x}"
                confidence = rng.randrange(50, 96) / 100
                lines = [
                    f"{ev} a rdf:Statement, geo:Evidence ;",
                    f"    rdf:subject {s_iri} ; rdf:predicate geo:{rel} ; rdf:object {o_iri} ;",
                    f"    geo:article art:{aid} ; dcterms:date {_lit(day)}^^xsd:date ;",
                    f"    geo:sentence {_lit(sentence)} ;",
                    f'    geo:charStart "{offset}"^^xsd:nonNegativeInteger ;',
                    f'    geo:charEnd "{offset + length}"^^xsd:nonNegativeInteger ;',
                    f"    geo:modality {_lit(modality)} ; geo:confidence {confidence:.2f} ;",
                    f'    geo:rule "lexicon:{rel}/VERB" ;',
                    f"    geo:subjectText {_lit(s[1].split()[-1])} ; geo:objectText {_lit(o[1])}",
                ]
                n += 15
                if modality == "reported":
                    speaker = rng.choice(persons[:200])
                    lines[-1] += f" ;\n    geo:speaker ent:{speaker[0]}"
                    mentioned[speaker[0]] = None
                    n += 1
                evidence.append("\n".join(lines) + " .\n")
                offset += length + 1
            out.write(
                f"art:{aid} a geo:Article ;\n    dcterms:identifier {_lit(aid)} ;\n"
                f"    dcterms:title {_lit(_name(rng, 3) + ' talks ' + _name(rng, 2))} ;\n"
                f"    dcterms:date {_lit(day)}^^xsd:date ;\n"
                f"    dcterms:publisher {_lit(rng.choice(PUBLISHERS))} ;\n"
                f"    geo:inputPath {_lit(f'corpus/{aid}.txt')} ;\n"
                f'    schema:url "https://news.example/{aid}"^^xsd:anyURI ;\n'
                f"    schema:mentions {', '.join(f'ent:{k}' for k in mentioned)} .\n\n"
            )
            n += 7 + len(mentioned)
            out.write("\n".join(evidence) + "\n")
        for s_iri, p, o_iri in sorted(relations):
            out.write(f"{s_iri} {p} {o_iri} .\n")
        n += len(relations)
        for key, label, kind, alts, iso in ents:
            out.write(f"ent:{key} a geo:{kind} ;\n    rdfs:label {_lit(label)}")
            n += 2
            for alt in alts:
                out.write(f" ;\n    skos:altLabel {_lit(alt)}")
                n += 1
            if iso:
                out.write(f" ;\n    geo:isoCode {_lit(iso)}")
                n += 1
            out.write(" .\n")
        for key, (agent, dest) in visits.items():
            label = f"{agent.replace('_', ' ')}'s visit to {dest.replace('_', ' ')}"
            out.write(
                f"ent:{key} a geo:Visit ;\n    rdfs:label {_lit(label)} ;\n"
                f"    geo:agent ent:{agent} ;\n    geo:destination ent:{dest} .\n"
            )
            n += 4
    rank = max(len(HUBS), len(ents) // 50)
    return n, [ents[rank][1], ents[rank + 1][1]]


def _bisect(cum: list[float], x: float) -> int:
    lo, hi = 0, len(cum) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _weighted(rng: random.Random, choices: list[tuple[str, float]]) -> str:
    x = rng.random()
    for value, share in choices:
        x -= share
        if x < 0:
            return value
    return choices[-1][0]


def load_into_store(path: Path, directory: Path) -> int:
    """Load a geokg Turtle graph into a new store at ``directory`` with the store's layout.

    Facts (relation triples, entity descriptions) go to the default graph; an article node's
    triples and those of the evidence nodes that point to it (``geo:article``) go to the
    article's named graph. Two passes over the file: the first finds each evidence node's
    article. Returns the number of quads loaded (the ontology not counted).
    """
    import pyoxigraph as ox

    import kg.store as kgstore
    from kg.store import open_store

    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    article_class = ox.NamedNode("https://w3id.org/geokg/ontology#Article")
    article_of = ox.NamedNode("https://w3id.org/geokg/ontology#article")
    home: dict = {}
    for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
        if t.predicate == article_of:
            home[t.subject] = t.object
        elif t.predicate == rdf_type and t.object == article_class:
            home[t.subject] = t.subject
    default = ox.DefaultGraph()
    quads = (
        ox.Quad(t.subject, t.predicate, t.object, home.get(t.subject, default))
        for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
    )
    store = open_store(directory, create=True)
    n = 0

    def counted():
        nonlocal n
        for q in quads:
            n += 1
            yield q

    store.bulk_extend(counted())
    if hasattr(kgstore, "add_all_summaries"):  # the relation summaries kg build would write
        kgstore.add_all_summaries(store)
    store.flush()
    del store  # release the write lock: the store is then opened read-only
    return n


def build_seed_graph(folder: Path) -> Path:
    """Build the seed graph with the real pipeline and write it to ``folder/seed.ttl``."""
    from kg.build import build
    from kg.graphio import write_graph

    path = folder / "seed.ttl"
    write_graph(build([str(REPO / "seeds")]).graph, path)
    return path


def _timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    best = math.inf
    out: object = None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def _rows(result) -> int:
    return len(list(result)) if result.type == "SELECT" else 1


def _run_engine(engine: str) -> str:
    """The run_query engine of a benchmark engine (a store is queried with Oxigraph)."""
    return "oxigraph" if engine == "store" else engine


def _child(conn, graph, name, params, repeat, engine) -> None:
    try:
        run = lambda: _rows(run_query(graph, name, params, engine=engine))  # noqa: E731
        seconds, rows = _timed(run, repeat)
        conn.send((seconds, rows))
    except Exception as exc:  # report, do not hang the parent
        conn.send((math.nan, f"error: {exc}"))


def time_query(graph, name: str, params: dict, *, engine: str, repeat: int, timeout: float | None):
    """(seconds, rows) for one saved query; in a forked child when ``timeout`` is set."""
    engine = _run_engine(engine)
    if timeout is None:
        return _timed(lambda: _rows(run_query(graph, name, params, engine=engine)), repeat)
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, graph, name, params, repeat, engine))
    proc.start()
    child.close()
    if parent.poll(timeout):
        seconds, rows = parent.recv()
        proc.join()
        return seconds, rows
    proc.kill()
    proc.join()
    return math.inf, None


def fmt_seconds(seconds: float, timeout: float | None) -> str:
    if seconds == math.inf:
        return f">{timeout:.0f}s"
    if math.isnan(seconds):
        return "error"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--articles", type=int, default=7000, help="synthetic articles (7000 ~ 1M triples)"
    )
    ap.add_argument("--entities", type=int, default=5000, help="synthetic entities")
    ap.add_argument("--seed", type=int, default=7, help="RNG seed of the synthetic graph")
    ap.add_argument(
        "--engines",
        nargs="+",
        default=["rdflib", "oxigraph", "store"],
        help="rdflib, oxigraph (graph file in memory), store (on-disk store, union graph)",
    )
    ap.add_argument("--entity", default="United States", help="--param entity for the 1M graph")
    ap.add_argument("--other", default="Russia", help="--param other for the 1M graph")
    ap.add_argument("--repeat", type=int, default=3, help="runs per query; the best is kept")
    ap.add_argument(
        "--rdflib-repeat", type=int, default=1, help="runs per query on rdflib's engine"
    )
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per rdflib query")
    ap.add_argument("--queries", nargs="*", help="only these saved queries")
    ap.add_argument("--keep", action="store_true", help="keep the generated graph files")
    args = ap.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="geokg-query-bench-"))
    print(f"graphs in {folder}", file=sys.stderr)
    seed_path = build_seed_graph(folder)
    synth_path = folder / "synthetic.ttl"
    t = time.perf_counter()
    triples, typical = write_synthetic(
        synth_path, articles=args.articles, entities=args.entities, seed=args.seed
    )
    print(
        f"synthetic graph: {triples:,} triples, {synth_path.stat().st_size / 1e6:.0f} MB "
        f"written in {time.perf_counter() - t:.1f}s",
        file=sys.stderr,
    )

    queries = [q for q in saved_queries() if not args.queries or q.name in args.queries]
    # (row label, saved query, which parameters): parameterised queries run twice on the
    # synthetic graph, for the biggest hub and for a typical entity
    cases = [(q.name, q, "hub") for q in queries]
    cases += [(f"{q.name} (typical)", q, "typical") for q in queries if q.params]
    seed_params = {"entity": "North Korea", "other": "NATO"}
    graphs = [
        ("seed", seed_path, {"hub": seed_params}),
        (
            f"{triples / 1e6:.2f}M",
            synth_path,
            {
                "hub": {"entity": args.entity, "other": args.other},
                "typical": {"entity": typical[0], "other": typical[1]},
            },
        ),
    ]
    print(f"typical entities: {typical}", file=sys.stderr)
    results: dict[tuple[str, str, str], tuple[float, object]] = {}
    loads: dict[tuple[str, str], tuple[float, int]] = {}
    for gname, path, params in graphs:
        for engine in args.engines:
            gc.collect()
            t = time.perf_counter()
            if engine == "store":  # len() of a store graph counts no triples: count the load
                size = load_into_store(path, folder / f"{gname}-store")
                graph = load_store(folder / f"{gname}-store")
            else:
                graph = load_graph(path, engine=engine)
                size = len(graph)
            loads[gname, engine] = (time.perf_counter() - t, size)
            print(
                f"{gname} {engine}: loaded {size:,} triples in {loads[gname, engine][0]:.2f}s",
                file=sys.stderr,
            )
            for case, q, which in cases:
                if which not in params:
                    continue
                p = {k: params[which][k] for k in q.params}
                timeout = args.timeout if engine == "rdflib" else None  # store: Oxigraph
                repeat = args.rdflib_repeat if engine == "rdflib" else args.repeat
                results[gname, engine, case] = time_query(
                    graph, q.name, p, engine=engine, repeat=repeat, timeout=timeout
                )
                sec, rows = results[gname, engine, case]
                print(
                    f"  {case:26} {fmt_seconds(sec, args.timeout):>10}  {rows} rows",
                    file=sys.stderr,
                )
            if gname != "seed" and engine == "rdflib" and "oxigraph" in args.engines:
                t = time.perf_counter()
                copy = to_oxigraph(graph)
                loads["copy rdflib -> oxigraph", gname] = (time.perf_counter() - t, len(copy))
                del copy
            del graph
            gc.collect()

    cli = _time_cli(graphs, args)
    _print_table(args, graphs, cases, results, loads, typical)
    for line in cli:
        print(line)
    if args.keep:
        print(f"kept {folder}", file=sys.stderr)
    else:
        shutil.rmtree(folder)


def _time_cli(graphs, args) -> list[str]:
    """Wall clock of whole ``kg query`` commands: start-up, imports, loading, query, output."""
    lines = []
    stores = [
        (f"--store {gname}-store", ["--store", str(path.parent / f"{gname}-store")], params)
        for gname, path, params in graphs
        if "store" in args.engines
    ]
    files = [(f"{gname}.ttl", [str(path)], params) for gname, path, params in graphs]
    for gname, source, params in files + stores:
        for name in ("most-connected", "relations-of"):
            argv = [sys.executable, "-m", "kg", "query", *source, name, "--format", "csv"]
            if name == "relations-of":
                argv += ["--param", f"entity={params['hub']['entity']}"]
            t = time.perf_counter()
            done = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=REPO)
            seconds = time.perf_counter() - t
            status = "" if done.returncode == 0 else f" (exit {done.returncode})"
            rows = max(0, len(done.stdout.splitlines()) - 1)
            lines.append(
                f"CLI `kg query {gname} {name}` (auto engine): {seconds:.2f}s wall clock, "
                f"{rows} rows{status}"
            )
    return lines


def _print_table(args, graphs, cases, results, loads, typical) -> None:
    from rich.console import Console
    from rich.table import Table

    engines = args.engines
    table = Table(
        title=f"kg query latency (best of {args.repeat} on Oxigraph and the store, "
        f"{args.rdflib_repeat} on rdflib; a shared CPU: noisy); synthetic parameters: "
        f"hub entity={args.entity!r}, other={args.other!r}; "
        f"typical entity={typical[0]!r}, other={typical[1]!r}"
    )
    table.add_column("query")
    for gname, _path, _params in graphs:
        for engine in engines:
            table.add_column(f"{gname}\n{engine}", justify="right")
        if len(engines) >= 2:
            table.add_column(f"{gname}\nrows", justify="right")
    row = ["load file (+ontology; store: split + load into a new store)"]
    for gname, _path, _params in graphs:
        for engine in engines:
            sec, n = loads[gname, engine]
            row.append(fmt_seconds(sec, None))
        if len(engines) >= 2:
            row.append(f"{loads[gname, engines[0]][1]:,} triples")
    table.add_row(*row)
    for case, _q, _which in cases:
        row = [case]
        for gname, _path, _params in graphs:
            counts = []
            for engine in engines:
                if (gname, engine, case) not in results:
                    row.append("")
                    continue
                sec, rows = results[gname, engine, case]
                row.append(fmt_seconds(sec, args.timeout))
                if rows is not None:
                    counts.append(rows)
            if len(engines) >= 2:
                same = len(set(map(str, counts))) <= 1
                row.append(("" if same else "! ") + " / ".join(map(str, counts)))
        table.add_row(*row)
    Console(width=160).print(table)
    for key, (sec, n) in loads.items():
        if key[0].startswith("copy"):
            print(f"{key[0]} ({key[1]}, {n:,} triples): {sec:.2f}s")
    import platform

    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
