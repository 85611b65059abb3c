"""Words per second of extraction in one process against ``extract_dask`` on a LocalCluster.

The corpus is the seeds copied under distinct names (``--articles`` of them) into a temporary
folder, read and cleaned before any timer starts. Rows, all over the same articles:

``extract (1 process)``
    :func:`kg.build.extract` in this process; the model is loaded first and not timed.
``extract_dask local (cold)``
    ``extract_dask(articles, "local", workers=N)``: wall clock including starting the
    LocalCluster and every worker loading the model (what ``kg build --dask local`` pays).
``extract_dask cluster (warm)``
    a LocalCluster of N workers started and warmed (model loaded on every worker) beforehand,
    then ``extract_dask(articles, address)`` timed: the steady state of a long-running cluster.

Words are ``len(article.body.split())``. The results of every Dask run are checked equal to the
one-process results. On a shared 2-core machine the numbers move with other load.

Usage::

    .venv/bin/python benchmarks/dask_extract.py --articles 200 --workers 2
"""

from __future__ import annotations

import argparse
import logging
import shutil
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def make_corpus(folder: Path, count: int) -> None:
    """``count`` raw pages: the seed files copied under distinct names."""
    seeds = sorted((REPO / "seeds").glob("*.txt"))
    for i in range(count):
        src = seeds[i % len(seeds)]
        shutil.copyfile(src, folder / f"{src.stem}-r{i // len(seeds):04d}.txt")


def _warm() -> int:
    from kg.nlp import load_pipeline

    load_pipeline()
    return load_pipeline.cache_info().misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    import distributed

    from kg.build import extract, read_articles
    from kg.distributed import extract_dask
    from kg.nlp import load_pipeline

    with tempfile.TemporaryDirectory() as tmp:
        make_corpus(Path(tmp), args.articles)
        articles = list(read_articles([tmp], []))
    words = sum(len(a.body.split()) for a in articles)
    print(f"{len(articles)} articles, {words} words, {args.workers} Dask workers")
    rows = []

    load_pipeline()
    t = time.perf_counter()
    reference = list(extract(articles))
    rows.append(("extract (1 process)", time.perf_counter() - t))

    t = time.perf_counter()
    cold = list(extract_dask(articles, "local", workers=args.workers))
    rows.append(("extract_dask local (cold)", time.perf_counter() - t))
    assert cold == reference

    with (
        distributed.LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        assert set(client.run(_warm).values()) == {1}
        t = time.perf_counter()
        warm = list(extract_dask(articles, cluster.scheduler_address))
        rows.append(("extract_dask cluster (warm)", time.perf_counter() - t))
        assert warm == reference

    print(f"{'run':30} {'seconds':>8} {'words/s':>9}")
    for name, seconds in rows:
        print(f"{name:30} {seconds:8.2f} {words / seconds:9.0f}")


if __name__ == "__main__":
    main()
