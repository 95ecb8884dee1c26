"""Where replications run: in this process, in a pool of processes on this machine, or on a Dask
cluster (the `dask` extra). Each yields (item, result) as work finishes; callers key results by
item, never by completion order, so the executor cannot change what they compute.

On Ctrl-C no new work is handed out; work already running finishes and is yielded, then
KeyboardInterrupt is raised again, so callers keep everything that finished.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class ClusterError(Exception):
    """The Dask cluster cannot be used (extra missing, scheduler unreachable)."""


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent, which stops handing out work and keeps what finished."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def serial(fn: Callable[[Item], Result], items: Sequence[Item]) -> Iterator[tuple[Item, Result]]:
    for item in items:
        yield item, fn(item)


def pool(fn: Callable[[Item], Result], items: Sequence[Item],
         workers: int) -> Iterator[tuple[Item, Result]]:
    """A process pool of `workers` on this machine (in this process when workers is 1)."""
    if workers <= 1:
        yield from serial(fn, items)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_ignore_sigint) as executor:
        pending: dict[Future, Item] = {executor.submit(fn, item): item for item in items}
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield pending.pop(future), future.result()
        except KeyboardInterrupt:
            running = {f: item for f, item in pending.items() if not f.cancel()}
            for future, item in running.items():  # already running: let them finish, keep them
                yield item, future.result()
            raise
        finally:
            for future in pending:
                future.cancel()


def dask(fn: Callable[[Item], Result], items: Sequence[Item], address: str,
         workers: int) -> Iterator[tuple[Item, Result]]:
    """A Dask cluster: `address` of a running scheduler (tcp://host:8786), or "local" for a
    LocalCluster of `workers` single-threaded processes here. The workers' profiler is off
    (it costs about a quarter of the time of this pure-Python model)."""
    try:
        import dask as dask_core
        from distributed import Client, LocalCluster, as_completed
    except ImportError as exc:
        raise ClusterError(f"needs the dask extra ({exc.name} is missing): "
                           "pip install -e '.[dask]'") from None
    with dask_core.config.set({"distributed.worker.profile.enabled": False,
                               "distributed.worker.daemon": False}):
        cluster = None
        try:
            if address == "local":
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(cluster or address, timeout="10s")
        except (OSError, TimeoutError) as exc:
            if cluster is not None:
                cluster.close()
            raise ClusterError(f"cannot reach the scheduler at {address} ({exc})") from None
        try:
            futures = client.map(fn, items, pure=False)
            which = {future.key: item for future, item in zip(futures, items, strict=True)}
            for future in as_completed(futures):
                yield which[future.key], future.result()
        except KeyboardInterrupt:
            client.cancel(futures)
            raise
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
