"""Extraction on Dask (kg.distributed): same results as one process, one-line errors on faults.

One LocalCluster of 2 worker processes is shared by the module (start-up plus a spaCy load per
worker takes several seconds). The test that kills workers runs last: it restarts them.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import time

import pytest

distributed = pytest.importorskip("distributed")

from kg.build import _extract_batch, extract, read_articles  # noqa: E402
from kg.distributed import DaskError, _pipeline_loads, extract_dask  # noqa: E402
from kg.rdf import build_graph  # noqa: E402
from tests.conftest import SEEDS  # noqa: E402

BATCH = 2  # several batches out of the five seeds, so both workers get work


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes; a task that kills its worker fails at once."""
    import dask

    # Production keeps Dask's default retries; here one death fails the task at once. With
    # saturation 1.0 a worker holds only the task it runs, so its death fails no other batch.
    config = {
        "distributed.scheduler.allowed-failures": 0,
        "distributed.scheduler.worker-saturation": 1.0,
    }
    with (
        dask.config.set(config),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as local,
    ):
        yield local


@pytest.fixture
def both_workers(cluster):
    """The cluster once both workers are up (after a kill test the nanny restarts one).

    With one worker up every batch lands on it, and a worker's death also fails the batches
    waiting on it: a kill test needs the two workers to know which batch fails.
    """
    with distributed.Client(cluster, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=60)
    return cluster


@pytest.fixture(scope="module")
def articles():
    found = list(read_articles([str(SEEDS)], []))
    assert len(found) > 2 * BATCH
    return found


@pytest.fixture(scope="module")
def one_process(articles):
    return list(extract(articles))


def test_same_results_and_graph_as_one_process(cluster, articles, one_process) -> None:
    results = list(extract_dask(articles, cluster.scheduler_address, batch_size=BATCH))
    assert [r.article.id for r in results] == [a.id for a in articles]  # input order
    assert results == one_process
    assert set(build_graph(results)) == set(build_graph(one_process))
    # Each worker loaded the pipeline at most once although there were more batches than workers.
    with distributed.Client(cluster, set_as_default=False) as client:
        loads = client.run(_pipeline_loads)
    assert len(loads) == 2
    assert set(loads.values()) <= {0, 1} and sum(loads.values()) >= 1
    assert -(-len(articles) // BATCH) > sum(loads.values())


def test_no_articles_needs_no_cluster() -> None:
    # An address nothing listens on: an empty input must not even try to connect.
    assert list(extract_dask([], "tcp://127.0.0.1:1")) == []


def test_unreachable_scheduler_fails_fast(articles) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free once closed: nothing listens there
    started = time.monotonic()
    with pytest.raises(
        DaskError, match=f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}"
    ):
        list(extract_dask(articles, f"127.0.0.1:{port}", connect_timeout=2))
    assert time.monotonic() - started < 10


def _fail(batch):
    raise ValueError("bad batch\nsecond line")


def test_task_error_is_one_line(cluster, articles) -> None:
    with pytest.raises(DaskError) as info:
        list(extract_dask(articles, cluster.scheduler_address, batch_size=BATCH, task=_fail))
    message = str(info.value)
    assert "\n" not in message
    assert "batch 0 (articles 1-2" in message and "ValueError: bad batch second line" in message


def _triples(path) -> set:
    from rdflib import Graph

    return set(Graph().parse(path))


@pytest.fixture(scope="module")
def one_process_ttl(kg, tmp_path_factory):
    out = tmp_path_factory.mktemp("one") / "y.ttl"
    proc = kg("build", SEEDS, "-o", out, "-q")
    assert proc.returncode == 0, proc.stderr
    return out


def test_cli_dask_local_writes_the_same_graph(kg, tmp_path, one_process_ttl) -> None:
    proc = kg("build", SEEDS, "--dask", "local", "-o", tmp_path / "x.ttl", "-q")
    assert proc.returncode == 0, proc.stderr
    assert _triples(tmp_path / "x.ttl") == _triples(one_process_ttl)


def test_cli_dask_errors_are_one_line(kg, tmp_path) -> None:
    proc = kg("build", SEEDS, "--dask", "local", "--jobs", "2", "-o", tmp_path / "x.ttl")
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1
    assert "--jobs or --dask" in proc.stderr
    # A malformed address fails at once (an unreachable one waits for the connect timeout).
    proc = kg("build", SEEDS, "--dask", "nosuchproto://127.0.0.1:1", "-o", tmp_path / "x.ttl")
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("error: ") and "Dask scheduler" in proc.stderr
    assert not (tmp_path / "x.ttl").exists()


def _die_on(article_id, batch):
    """Runs on a worker: kill the worker process on the batch holding ``article_id``."""
    if any(a.id == article_id for a in batch):
        os._exit(3)
    return _extract_batch(batch)


def test_killed_worker_keeps_earlier_batches(both_workers, articles, one_process) -> None:
    task = functools.partial(_die_on, articles[BATCH].id)  # the first article of batch 1
    received = []
    with pytest.raises(DaskError) as info:
        for result in extract_dask(articles, both_workers.scheduler_address, BATCH, task=task):
            received.append(result)
    message = str(info.value)
    assert "\n" not in message
    assert "died running batch 1" in message and "resume" in message
    assert received == one_process[:BATCH]  # batch 0 was delivered before the failure


def test_store_build_killed_then_resumed(both_workers, articles, monkeypatch, tmp_path):
    """A worker dies on batch 1 of a store build: batch 0 stays stored, a re-run completes it.

    The oracle is the same store build interrupted at the same article without Dask (a resumed
    build need not equal a one-shot build: entities already stored keep their labels).
    """
    import kg.build
    import kg.distributed
    from kg.store import open_store, read_index, store_graph

    monkeypatch.setattr(kg.build, "BATCH_SIZE", BATCH)
    monkeypatch.setattr(kg.build, "STORE_COMMIT", 1)  # commit every article as it arrives
    first = {a.id for a in articles[:BATCH]}
    with monkeypatch.context() as patch:
        patch.setattr(
            kg.distributed, "_extract_batch", functools.partial(_die_on, articles[BATCH].id)
        )
        with pytest.raises(DaskError, match="died running batch 1"):
            kg.build.build([str(SEEDS)], store=tmp_path / "a", dask=both_workers.scheduler_address)
    assert read_index(open_store(tmp_path / "a", read_only=True)).ids == first
    resumed = kg.build.build(
        [str(SEEDS)], store=tmp_path / "a", dask=both_workers.scheduler_address
    )
    assert (resumed.skipped, resumed.added) == (BATCH, len(articles) - BATCH)

    def stop_at_batch_1(result) -> None:
        if result.article.id not in first:
            raise KeyboardInterrupt  # like Ctrl-C: the article in hand is not committed

    with pytest.raises(KeyboardInterrupt):
        kg.build.build([str(SEEDS)], store=tmp_path / "b", on_article=stop_at_batch_1)
    assert read_index(open_store(tmp_path / "b", read_only=True)).ids == first
    kg.build.build([str(SEEDS)], store=tmp_path / "b")
    assert set(store_graph(tmp_path / "a")) == set(store_graph(tmp_path / "b"))
