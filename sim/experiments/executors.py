"""Where replications run: in this process, in a pool of processes on this machine, or on a Dask
cluster (the `dask` extra). Each yields (item, result) as work finishes; callers key results by
item, never by completion order, so the executor cannot change what they compute.

On Ctrl-C no new work is handed out; work already running finishes and is yielded, then
KeyboardInterrupt is raised again, so callers keep everything that finished. Work is handed
out a little at a time, so memory stays flat however much of it there is.
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

IN_FLIGHT_PER_WORKER = 2  # one running, one waiting: workers never idle, memory stays flat
Item = TypeVar("Item")
Result = TypeVar("Result")


class ClusterError(Exception):
    """The Dask cluster cannot be used (extra missing, scheduler unreachable)."""


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent, which stops handing out work and keeps what finished."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def serial(fn: Callable[[Item], Result], items: Iterable[Item]) -> Iterator[tuple[Item, Result]]:
    for item in items:
        yield item, fn(item)


def pool(fn: Callable[[Item], Result], items: Iterable[Item],
         workers: int) -> Iterator[tuple[Item, Result]]:
    """A process pool of `workers` on this machine (in this process when workers is 1)."""
    if workers <= 1:
        yield from serial(fn, items)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_ignore_sigint) as executor:
        yield from _windowed(lambda item: executor.submit(fn, item), items, workers,
                             _first_completed)


def _first_completed(pending: dict[Future, Item]) -> Iterator[Future]:
    while pending:
        finished, _ = wait(pending, return_when=FIRST_COMPLETED)
        yield from finished


def _windowed(submit: Callable[[Item], Future], items: Iterable[Item], workers: int,
              completed: Callable) -> Iterator[tuple[Item, Result]]:
    """Keep IN_FLIGHT_PER_WORKER items per worker submitted, handing out the next as one
    finishes, so memory does not grow with the number of items. On Ctrl-C, stop handing out;
    what is already running finishes and is yielded."""
    todo = iter(items)
    pending: dict[Future, Item] = {}
    try:
        for item in itertools.islice(todo, workers * IN_FLIGHT_PER_WORKER):
            pending[submit(item)] = item
        for future in completed(pending):
            item = pending.pop(future)
            result = future.result()
            for more in itertools.islice(todo, 1):
                pending[submit(more)] = more
            yield item, result
    except KeyboardInterrupt:
        running = {f: item for f, item in pending.items() if not f.cancel()}
        for future, item in running.items():
            if not future.cancelled():
                yield item, future.result()
        raise
    finally:
        for future in pending:
            future.cancel()


@contextmanager
def dask_client(address: str, workers: int):
    """A client of the Dask cluster at `address` (tcp://host:8786), or of a LocalCluster of
    `workers` single-threaded processes here for "local", whose profiler is off (it costs about
    a quarter of the time of this pure-Python model). Raises ClusterError if it cannot start."""
    try:
        import dask as dask_core
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ClusterError(f"needs the dask extra ({exc.name} is missing): "
                           "pip install -e '.[dask]'") from None
    with dask_core.config.set({"distributed.worker.profile.enabled": False}):
        cluster = None
        try:
            if address == "local":
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(cluster or address, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            if cluster is not None:
                cluster.close()
            reason = " ".join(str(exc).split())
            raise ClusterError(f"cannot reach the scheduler at {address} ({reason})") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def dask(fn: Callable[[Item], Result], items: Iterable[Item],
         client) -> Iterator[tuple[Item, Result]]:
    """Run on a Dask cluster through `client`, handing work out as workers free up."""
    from distributed import as_completed

    stream = as_completed()

    def submit(item: Item) -> Future:
        future = client.submit(fn, item, pure=False)
        stream.add(future)
        return future

    yield from _windowed(submit, items, threads(client), lambda pending: stream)


def threads(client) -> int:
    """How many tasks the cluster runs at once (at least 1)."""
    return max(1, sum(client.nthreads().values()))


@dataclass(frozen=True)
class Executor:
    """Where tasks run: a process pool of `workers`, or the Dask scheduler at `scheduler`."""

    workers: int
    scheduler: str | None = None

    @contextmanager
    def started(self) -> Iterator[tuple[Callable, int]]:
        """(map, workers): map(fn, items) yields (item, result) as work finishes. A cluster
        is reached before anything is written, so a bad address leaves no folder behind."""
        if self.scheduler is None:
            yield partial(pool, workers=self.workers), self.workers
            return
        with dask_client(self.scheduler, self.workers) as client:
            yield partial(dask, client=client), threads(client)
