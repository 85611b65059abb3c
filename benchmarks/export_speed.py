"""Speed of ``kg export`` (every format), ``kg stats`` and ``kg validate``.

What is measured
----------------
Two graphs, both held in memory before any timer starts (parsing a file is not measured):

``seed``
    the graph of the articles in ``seeds/`` (``kg.build.build``), about 1,300 triples.
``synthetic``
    a graph shaped like ours with about ``--triples`` triples (default 1,000,000), made by
    :func:`synthetic_graph` from a seeded RNG (``--seed``) and written by the real
    :class:`kg.rdf.GraphBuilder`, so it has exactly the shape ``kg build`` produces: relation
    triples, one evidence node of ~13 triples per sentence, articles with mentions, typed
    entities with labels, altLabels and ISO codes, and visit events. Proportions follow the
    seed graph: ~15 relation sentences per article, ~75 % of the triples on evidence nodes.

For each graph and each format, :func:`kg.export.export_graph` runs ``--repeat`` times and the
best wall-clock time is reported with the output size. ``graph_stats`` is timed on both graphs;
``validate_graph`` (pyshacl) on the seed graph, and on the synthetic graph only with
``--validate-synthetic`` (it takes minutes at 1M triples).

The synthetic graph is then written into a temporary on-disk store with the store layout
(:func:`fill_store`: facts in the default graph, one named graph per article, as ``kg build
--store`` writes) and :func:`kg.export.export_store` is timed from it (what ``kg export --store
DIR`` runs): Turtle, N-Triples and TriG streamed from Oxigraph to a file, store opening
included. ``--store-only`` skips the in-memory exports.

Usage::

    .venv/bin/python benchmarks/export_speed.py                    # seed + 1M-triple graph
    .venv/bin/python benchmarks/export_speed.py --triples 100000   # quicker
    .venv/bin/python benchmarks/export_speed.py --json results.json
    .venv/bin/python benchmarks/export_speed.py --no-seed-graph --store-only   # store export
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rdflib import Graph

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kg.export import FORMATS, export_graph  # noqa: E402
from kg.rdf import ArticleResult, GraphBuilder  # noqa: E402
from kg.records import Article, EntityRef, EventRef, Relation  # noqa: E402
from kg.stats import graph_stats  # noqa: E402
from kg.validate import validate_graph  # noqa: E402

# Relation -> (subject kinds, object kinds); kinds: C country, O organization, P person, E event.
_RELATION_KINDS: dict[str, tuple[str, str]] = {
    "memberOf": ("C", "O"),
    "leaderOf": ("P", "CO"),
    "officialOf": ("P", "CO"),
    "allyOf": ("C", "C"),
    "partnerOf": ("CO", "CO"),
    "visits": ("P", "C"),
    "meetsWith": ("P", "P"),
    "cooperatesWith": ("CO", "CO"),
    "agreesWith": ("C", "C"),
    "supports": ("CO", "CE"),
    "suppliesWeaponsTo": ("C", "C"),
    "urges": ("PCO", "C"),
    "praises": ("PC", "CE"),
    "criticizes": ("PCO", "COE"),
    "condemns": ("CO", "CE"),
    "warns": ("PC", "C"),
    "accuses": ("C", "C"),
    "threatens": ("C", "C"),
    "rejects": ("C", "CE"),
    "sanctions": ("CO", "C"),
    "invades": ("C", "C"),
    "attacks": ("C", "C"),
}
_MODALITIES = ("asserted", "asserted", "asserted", "planned", "reported", "hypothetical")
_WORDS = (
    "the", "minister", "said", "talks", "on", "security", "would", "continue", "after", "the",
    "summit", "in", "the", "capital", "where", "officials", "discussed", "sanctions", "weapons",
    "support", "trade", "and", "the", "war", "with", "allies",
)  # fmt: skip
_PUBLISHERS = ("Reuters", "AFP", "AP", "BBC", "Al Jazeera", "Yonhap", "Kyodo")


def _name(rng: random.Random, parts: int) -> str:
    syllables = ("ka", "lo", "ri", "ne", "ta", "mo", "su", "vi", "da", "ze", "an", "or")
    return " ".join(
        "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))).capitalize()
        for _ in range(parts)
    )


def _entities(rng: random.Random, countries: int, orgs: int, people: int) -> dict[str, list]:
    def pool(kind: str, n: int, typ: str, parts: int) -> list[EntityRef]:
        out = []
        for i in range(n):
            label = f"{_name(rng, parts)} {i}" if kind != "P" else f"{_name(rng, parts)} X{i}"
            key = label.replace(" ", "_")
            iso2 = f"{chr(65 + i // 26 % 26)}{chr(65 + i % 26)}" if kind == "C" else None
            iso3 = f"{iso2}{chr(65 + i // 676 % 26)}" if iso2 else None
            out.append(EntityRef(key=key, label=label, type=typ, iso2=iso2, iso3=iso3))
        return out

    return {
        "C": pool("C", countries, "Country", 1),
        "O": pool("O", orgs, "IntergovernmentalOrganization", 2),
        "P": pool("P", people, "Person", 2),
    }


def synthetic_graph(triples: int = 1_000_000, seed: int = 0) -> Graph:
    """A graph shaped like ``kg build`` output with roughly ``triples`` triples (seeded RNG)."""
    return synthetic_builder(triples, seed).build()


def synthetic_builder(triples: int = 1_000_000, seed: int = 0) -> GraphBuilder:
    """The :class:`GraphBuilder` behind :func:`synthetic_graph` (it also gives store quads)."""
    rng = random.Random(seed)
    # ~265 triples per article in the seed graph: 15 sentences x ~13 evidence triples + the rest
    articles = max(1, round(triples / 265))
    pools = _entities(rng, countries=250, orgs=120, people=max(50, articles // 2))
    builder = GraphBuilder()
    for a in range(articles):
        art_id = f"{a:06d}_{rng.getrandbits(64):016x}"
        date = f"20{rng.randint(18, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        article = Article(
            id=art_id,
            path=f"corpus/{art_id}.txt",
            body="",
            title=" ".join(rng.choices(_WORDS, k=9)).capitalize(),
            date=date if rng.random() > 0.15 else None,
            source=rng.choice(_PUBLISHERS),
        )
        res = ArticleResult(article=article)
        offset = 0
        for _ in range(rng.randint(10, 20)):
            pred = rng.choice(tuple(_RELATION_KINDS))
            s_kinds, o_kinds = _RELATION_KINDS[pred]
            subject = rng.choice(pools[rng.choice(s_kinds)])
            o_kind = rng.choice(o_kinds)
            obj: EntityRef | EventRef
            if o_kind == "E":
                dest = rng.choice(pools["C"])
                obj = EventRef(
                    key="",
                    type="Visit",
                    label=f"{subject.label}'s visit to {dest.label}",
                    agent=subject,
                    participants=(dest,),
                )
            else:
                obj = rng.choice(pools[o_kind])
            sentence = " ".join(rng.choices(_WORDS, k=rng.randint(15, 40))).capitalize() + "."
            speaker = rng.choice(pools["P"]) if rng.random() < 0.2 else None
            res.relations.append(
                Relation(
                    subject=subject,
                    predicate=pred,
                    object=obj,
                    article_id=art_id,
                    sentence=sentence,
                    start=offset,
                    end=offset + len(sentence),
                    modality="reported" if speaker else rng.choice(_MODALITIES),
                    speaker=speaker,
                    confidence=round(rng.uniform(0.5, 0.95), 2),
                    rule=f"lexicon:{pred}/VERB",
                    surface={"subject": subject.label.split()[-1], "object": "it"},
                )
            )
            offset += len(sentence) + 1
            for ref in (subject, obj if isinstance(obj, EntityRef) else obj.agent):
                if ref is not None:
                    res.mentions.append((ref, ref.label))
        builder.add(res)
    return builder


def best_time(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Best wall-clock and best CPU seconds of ``repeat`` runs of ``fn``, and the last result.

    CPU time (``time.process_time``) is reported too because wall time on a shared machine
    includes waiting for other processes.
    """
    best_wall = best_cpu = float("inf")
    result = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu, result


def measure(name: str, graph: Graph, repeat: int, validate: bool) -> dict[str, Any]:
    """Export (every format), stats and optionally validate timings for one graph."""
    row: dict[str, Any] = {"graph": name, "triples": len(graph), "export": {}}
    print(f"\n{name}: {len(graph):,} triples", flush=True)
    print(f"  {'':15} {'wall s':>16} {'cpu s':>9} {'output':>11}", flush=True)
    for fmt in FORMATS:
        wall, cpu, data = best_time(lambda fmt=fmt: export_graph(graph, fmt), repeat)
        row["export"][fmt] = {"seconds": round(wall, 3), "cpu": round(cpu, 3), "bytes": len(data)}
        print(f"  export {fmt:8} {wall:16.3f} {cpu:9.3f} {len(data) / 1e6:8.1f} MB", flush=True)
    wall, cpu, _ = best_time(lambda: graph_stats(graph), repeat)
    row["stats"] = {"seconds": round(wall, 3), "cpu": round(cpu, 3)}
    print(f"  {'stats':15} {wall:16.3f} {cpu:9.3f}", flush=True)
    if validate:
        wall, cpu, report = best_time(lambda: validate_graph(graph), repeat)
        row["validate"] = {"seconds": round(wall, 3), "cpu": round(cpu, 3)}
        row["validate_conforms"] = report.conforms
        print(f"  {'validate':15} {wall:16.3f} {cpu:9.3f}   conforms={report.conforms}", flush=True)
    return row


def fill_store(builder: GraphBuilder, path: Path, batch: int = 100_000) -> int:
    """Write the builder's triples into a new store at ``path`` with the store layout (facts in
    the default graph, provenance in one named graph per article), as ``kg build --store``
    does; returns the number of quads (the ontology graph not counted)."""
    from kg.store import open_store, write_articles

    store = open_store(path, create=True)
    triples = builder.triples()
    items = list(triples.items())
    for start in range(0, len(items), batch):
        write_articles(store, dict(items[start : start + batch]))
    store.flush()
    return len(items)


def measure_store(path: Path, out_dir: Path, repeat: int) -> dict[str, Any]:
    """Export from an on-disk store (:func:`kg.export.export_store`), read-only, to files."""
    from kg.export import export_store
    from kg.store import open_store

    row: dict[str, Any] = {"graph": "store", "export": {}}
    print(f"  {'':15} {'wall s':>16} {'cpu s':>9} {'output':>11}", flush=True)
    for fmt in ("turtle", "nt", "trig"):
        out = out_dir / f"export.{fmt}"

        def run(fmt: str = fmt, out: Path = out) -> None:
            export_store(open_store(path, read_only=True), fmt, out)

        wall, cpu, _ = best_time(run, repeat)
        size = out.stat().st_size
        row["export"][fmt] = {"seconds": round(wall, 3), "cpu": round(cpu, 3), "bytes": size}
        print(f"  store {fmt:9} {wall:16.3f} {cpu:9.3f} {size / 1e6:8.1f} MB", flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000, help="synthetic graph size")
    parser.add_argument("--seed", type=int, default=0, help="RNG seed for the synthetic graph")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (best kept)")
    parser.add_argument("--no-seed-graph", action="store_true", help="skip the seed graph")
    parser.add_argument(
        "--validate-synthetic", action="store_true", help="also validate the synthetic graph"
    )
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument(
        "--store-only",
        action="store_true",
        help="only time export from an on-disk store of the synthetic graph (kg export --store)",
    )
    args = parser.parse_args(argv)

    rows = []
    print(f"python {platform.python_version()} on {platform.machine()}", flush=True)
    if not args.no_seed_graph:
        from kg.build import build

        seed_graph = build([str(REPO / "seeds")]).graph
        rows.append(measure("seed", seed_graph, max(args.repeat, 3), validate=True))
    if args.triples > 0:
        started = time.perf_counter()
        builder = synthetic_builder(args.triples, args.seed)
        if not args.store_only:
            graph = builder.build()
            print(f"\n(synthetic graph generated in {time.perf_counter() - started:.1f} s)")
            rows.append(measure("synthetic", graph, args.repeat, validate=args.validate_synthetic))
            del graph
        with tempfile.TemporaryDirectory(prefix="kg-export-speed-") as tmp:
            started = time.perf_counter()
            quads = fill_store(builder, Path(tmp) / "store")
            print(f"\nstore: {quads:,} quads (loaded in {time.perf_counter() - started:.1f} s)")
            row = measure_store(Path(tmp) / "store", Path(tmp), args.repeat)
            row["triples"] = quads
            rows.append(row)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
