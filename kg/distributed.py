"""Extraction on a Dask cluster: ``kg build --dask SCHEDULER`` (or ``--dask local``).

The client reads and batches the articles, sends one task per batch to the workers and yields
the results in input order as they come back, so the caller (``build``) can merge them into the
graph or the store batch by batch. Only a bounded number of batches is in flight at a time
(a few per worker), so a 100k-article build does not sit in memory on the client or the cluster.

Each worker loads the spaCy pipeline once: :func:`kg.nlp.load_pipeline` is cached per process
and a Dask worker process runs its tasks in the same process (``--nthreads 1`` keeps spaCy
single-threaded per process). Workers must run the same environment as the client (geokg
installed, same version); this is checked before any batch is sent.

Every failure is a :class:`DaskError` with a one-line message: Dask not installed, scheduler
unreachable, no workers, a worker that cannot import ``kg``, a worker that died, a task error.
Batches before the failure have already been yielded, so whatever the caller stored is kept.
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from kg.build import BATCH_SIZE, _batches, _extract_batch
from kg.rdf import ArticleResult
from kg.records import Article

BatchTask = Callable[[list[Article]], list[ArticleResult]]

IN_FLIGHT_PER_WORKER = 3  # batches queued per worker: keeps every worker busy, bounds memory
CONNECT_TIMEOUT = 10.0  # seconds to reach a remote scheduler
WORKER_TIMEOUT = 60.0  # seconds to wait for at least one worker to join the scheduler
_INSTALL_HINT = "pip install 'geokg[cluster]'"


class DaskError(Exception):
    """Distributed extraction failed; the message is one line meant for the user."""


def extract_dask(
    articles: Iterable[Article],
    scheduler: str,
    batch_size: int = BATCH_SIZE,
    *,
    workers: int | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
    worker_timeout: float = WORKER_TIMEOUT,
    task: BatchTask | None = None,
) -> Iterator[ArticleResult]:
    """Like :func:`kg.build.extract`, with one Dask task per batch of ``batch_size`` articles.

    ``scheduler`` is a scheduler address (``tcp://host:8786``) or ``"local"``, which starts a
    ``LocalCluster`` of ``workers`` processes (default: one per core) for the duration of the
    call. Results come back in input order, each batch as soon as it and all earlier ones are
    done. ``task`` replaces the function each task runs (tests use it to kill a worker).
    Raises :class:`DaskError` (one-line message) on any failure.
    """
    try:
        import distributed
    except ImportError:
        raise DaskError(f"Dask is not installed: {_INSTALL_HINT}") from None
    remaining = iter(articles)
    first = next(remaining, None)
    if first is None:
        return  # nothing to extract: do not start or contact a cluster
    run = task or _extract_batch
    with _client(distributed, scheduler, workers, connect_timeout) as client:
        n_workers = _check_workers(client, scheduler, worker_timeout)
        limit = max(2, IN_FLIGHT_PER_WORKER * n_workers)
        batches = enumerate(_batches(itertools.chain([first], remaining), batch_size))
        pending: deque[tuple[int, list[Article], Any]] = deque()
        try:
            while True:
                for index, batch in itertools.islice(batches, limit - len(pending)):
                    # pure=False: every batch is its own task, even with identical content.
                    future = client.submit(run, batch, pure=False, key=f"geokg-batch-{index}")
                    pending.append((index, batch, future))
                if not pending:
                    return
                index, batch, future = pending.popleft()
                results = _result(future, index, batch, batch_size)
                future.release()  # the worker may drop it; a later worker death cannot redo it
                yield from results
        finally:
            for _, _, future in pending:
                future.cancel()


@contextmanager
def _client(distributed: Any, scheduler: str, workers: int | None, timeout: float) -> Iterator[Any]:
    """A Client for ``scheduler`` (a fresh LocalCluster for ``"local"``), closed on exit."""
    if scheduler == "local":
        from dask.system import CPU_COUNT

        try:
            cluster = distributed.LocalCluster(
                n_workers=workers or CPU_COUNT,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # a free port: 8787 may be taken
                silence_logs=logging.ERROR,
            )
        except Exception as exc:
            raise DaskError(f"could not start a local Dask cluster: {_one_line(exc)}") from None
        try:
            with distributed.Client(cluster, set_as_default=False) as client:
                yield client
        finally:
            cluster.close()
        return
    address = scheduler if "://" in scheduler else f"tcp://{scheduler}"
    from distributed.comm import parse_address
    from distributed.comm.registry import get_backend

    try:
        # Checked first: a Client that fails on a bad address hangs 20 s in its __del__.
        get_backend(parse_address(address)[0])
    except ValueError as exc:
        raise DaskError(f"bad Dask scheduler address {scheduler!r}: {_one_line(exc)}") from None
    try:
        client = distributed.Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise DaskError(
            f"cannot reach the Dask scheduler at {address} within {timeout:g} s "
            f"({type(exc).__name__}); is `dask scheduler` running there?"
        ) from None
    with client:
        yield client


def _check_workers(client: Any, scheduler: str, timeout: float) -> int:
    """The number of workers, once at least one has joined and every one can run geokg."""
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        raise DaskError(
            f"no Dask workers joined the scheduler {scheduler} within {timeout:g} s; "
            "start some with `dask worker ADDRESS --nthreads 1`"
        ) from None
    from kg import __version__

    # A worker without geokg fails to unpickle the probe (it lives in kg.distributed).
    answers = client.run(_worker_version, on_error="return")
    for address, answer in sorted(answers.items()):
        if isinstance(answer, BaseException):
            raise DaskError(
                f"Dask worker {address} cannot run geokg ({_one_line(answer)}); install geokg "
                "in the same environment on every worker"
            )
        if answer != __version__:
            raise DaskError(
                f"Dask worker {address} runs geokg {answer}, this client runs {__version__}; "
                "install the same version everywhere"
            )
    return max(1, len(answers))


def _worker_version() -> str:
    """Runs on each worker: the geokg version it imports."""
    from kg import __version__

    return __version__


def _pipeline_loads() -> int:
    """Runs on a worker: how many times this process has loaded the spaCy pipeline."""
    from kg.nlp import load_pipeline

    return load_pipeline.cache_info().misses


def _result(future: Any, index: int, batch: list[Article], batch_size: int) -> list[ArticleResult]:
    """The batch's results, or a one-line :class:`DaskError` saying what happened to it."""
    from distributed import CancelledError
    from distributed.scheduler import KilledWorker

    start = index * batch_size + 1
    where = f"batch {index} (articles {start}-{start + len(batch) - 1}, first {batch[0].id!r})"
    try:
        return future.result()
    except KilledWorker:
        raise DaskError(
            f"Dask workers died running {where}; results of earlier batches were kept, "
            "re-run the same `kg build --store` command to resume"
        ) from None
    except CancelledError:
        raise DaskError(
            f"{where} was cancelled (lost the Dask scheduler?); re-run the same "
            "`kg build --store` command to resume"
        ) from None
    except Exception as exc:
        raise DaskError(f"{where} failed on a Dask worker: {_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
