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

    # Production keeps Dask's default retries; here one death is enough to fail the task fast.
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as local,
    ):
        yield local


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


def _die_on(article_id, batch):
    """Runs on a worker: kill the worker process on the batch holding ``article_id``."""
    if any(a.id == article_id for a in batch):
        os._exit(3)
    return _extract_batch(batch)


def test_killed_worker_keeps_earlier_batches(cluster, articles, one_process) -> None:
    task = functools.partial(_die_on, articles[BATCH].id)  # the first article of batch 1
    received = []
    with pytest.raises(DaskError) as info:
        for result in extract_dask(articles, cluster.scheduler_address, BATCH, task=task):
            received.append(result)
    message = str(info.value)
    assert "\n" not in message
    assert "died running batch 1" in message and "resume" in message
    assert received == one_process[:BATCH]  # batch 0 was delivered before the failure
