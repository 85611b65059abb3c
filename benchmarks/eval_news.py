"""Score extraction on the real-news gold corpora, split into a tuning part and a test part.

    .venv/bin/python benchmarks/eval_news.py                 # = make eval-news: all parts
    .venv/bin/python benchmarks/eval_news.py --part tune     # only the tuning part
    .venv/bin/python benchmarks/eval_news.py --misses        # also list misses and unexpected
    .venv/bin/python benchmarks/eval_news.py --corpus ../shared/gold/news --corpus MORE_NEWS

Each corpus is a folder with ``articles/*.txt``, ``gold.tsv`` and ``aliases.tsv`` (the format of
``../shared/gold/news``). The articles of every corpus are built into one graph (one model load),
then each corpus is scored with its own gold and aliases (the shared aliases are added to every
corpus, so an added corpus lists only the entities it brings). Documents listed in
``benchmarks/news_split.tsv`` form the *test* part: look at their misses only at the end of a
piece of work, tune on the rest. Prints per-article lines, then tune / test / all totals.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from kg.build import build  # noqa: E402
from kg.evaluate import (  # noqa: E402
    Aliases,
    DocReport,
    EvalReport,
    GoldRow,
    evaluate,
    format_report,
    load_aliases,
    load_gold,
)

SHARED = ROOT.parent / "shared" / "gold"
DEFAULT_CORPORA = (SHARED / "news", HERE / "gold" / "news-extra")
SPLIT_FILE = HERE / "news_split.tsv"


@dataclass
class Corpus:
    path: Path
    gold: list[GoldRow]
    aliases: Aliases


def load_corpus(path: Path) -> Corpus:
    aliases = load_aliases(SHARED / "news" / "aliases.tsv")
    aliases.update(load_aliases(path / "aliases.tsv"))
    return Corpus(path, load_gold(path / "gold.tsv"), aliases)


def test_docs() -> set[str]:
    """Documents of the test part (first column of news_split.tsv where the second is test)."""
    docs = set()
    for line in SPLIT_FILE.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) >= 2 and not line.startswith("#") and cells[1].strip() == "test":
            docs.add(cells[0].strip())
    return docs


def totals(name: str, docs: list[DocReport]) -> str:
    report = EvalReport(docs)
    return (
        f"{name:<5} ({len(docs):>2} docs): precision {report.precision:.3f} "
        f"({report.correct}/{report.produced})  recall {report.recall:.3f} "
        f"({report.req_matched}/{report.req_total})  F1 {report.f1:.3f}  "
        f"forbidden {len(report.forbidden)}  "
        f"fragmented {sum(1 for d in docs for n in d.nodes_per_entity.values() if n > 1)}"
    )


def _only_relations(graph, names: set[str]):
    """A copy of ``graph`` without the relation triples of other kinds."""
    from rdflib import Graph

    from kg.vocab import GEO, RELATIONS

    dropped = {GEO[n] for n in RELATIONS if n not in names}
    kept = Graph()
    kept += ((s, p, o) for s, p, o in graph if p not in dropped)
    return kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", action="append", type=Path, help="corpus folder (repeatable)")
    parser.add_argument("--part", choices=("tune", "test", "all"), default="all")
    parser.add_argument("--misses", action="store_true", help="list misses and unexpected")
    parser.add_argument("--doc", action="append", help="only these documents (repeatable)")
    parser.add_argument(
        "--relations",
        help="score only these relations, comma-separated (e.g. leaderOf,officialOf): gold rows "
        "that allow one of them, and the graph's relations of those kinds",
    )
    args = parser.parse_args(argv)
    corpora = [
        load_corpus(p) for p in (args.corpus or DEFAULT_CORPORA) if (p / "gold.tsv").exists()
    ]
    if not corpora:
        print("no corpus found (a folder with articles/, gold.tsv, aliases.tsv)", file=sys.stderr)
        return 2
    held_out = test_docs()
    wanted = set(args.doc or [])

    def chosen(doc: str) -> bool:
        if wanted:
            return doc in wanted
        part = "test" if doc in held_out else "tune"
        return args.part == "all" or args.part == part

    inputs = [
        str(p)
        for c in corpora
        for p in sorted((c.path / "articles").glob("*.txt"))
        if chosen(p.stem)
    ]
    started = time.perf_counter()
    result = build(inputs)
    seconds = time.perf_counter() - started
    parts: dict[str, list[DocReport]] = {"tune": [], "test": []}
    graph = result.graph
    only = set(args.relations.split(",")) if args.relations else None
    if only is not None:
        graph = _only_relations(graph, only)
    for corpus in corpora:
        gold = [row for row in corpus.gold if chosen(row.doc)]
        if only is not None:
            gold = [row for row in gold if only & set(row.predicates)]
        if not gold:
            continue
        report = evaluate(graph, gold, corpus.aliases)
        print(f"# {corpus.path}")
        if args.misses:
            print(format_report(report))
        else:
            for d in report.docs:
                print(
                    f"{d.doc:<45} P {d.precision:.2f} ({d.correct}/{len(d.produced)})  "
                    f"R {d.recall:.2f} ({d.req_matched}/{d.req_total})  "
                    f"forbidden {len(d.forbidden)}"
                )
        for d in report.docs:
            parts["test" if d.doc in held_out else "tune"].append(d)
    print()
    for name, docs in parts.items():
        if docs:
            print(totals(name, docs))
    print(totals("all", parts["tune"] + parts["test"]))
    print(f"built {len(result.articles)} articles in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
