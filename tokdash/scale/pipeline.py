"""The corpus-scale pipeline on datatrove: plan reader -> tokdash statistics step -> one statistics
bundle per task -> merge.

Each task reads its share of the plan's units (`tokdash.corpus.units.Plan.shard`), encodes every
document with all selected tokenizers in one pass and writes its `CorpusStats` to
``STATS_DIR/tasks/NNNNN``; datatrove marks the task complete only after that, so a re-run skips
finished tasks. `merge_tasks` adds the task bundles into ``STATS_DIR/bundle``.

A worker encodes on ``threads`` threads (1 by default): ``--workers N`` uses N cores.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from datatrove.data import Document as DatatroveDocument
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.readers.base import BaseReader
from datatrove.utils.stats import PipelineStats

from tokdash.corpus.records import DocRef
from tokdash.corpus.units import Plan, read_unit
from tokdash.errors import TokdashError

#: Seconds between two writes of a task's progress file.
PROGRESS_EVERY = 0.5


def _quiet_console() -> None:
    """Drop datatrove's per-task console logger (the task's log file is kept)."""
    if os.environ.get("TOKDASH_VERBOSE_TASKS") == "1":
        return
    from loguru import logger

    for hid, handler in list(logger._core.handlers.items()):  # noqa: SLF001 (no public API)
        if getattr(handler, "_name", "") == "<stderr>":
            logger.remove(hid)


def limit_threads(threads: int) -> None:
    """Make this process's encoders use ``threads`` threads (before they first encode)."""
    os.environ["TOKDASH_THREADS"] = str(threads)
    os.environ["RAYON_NUM_THREADS"] = str(threads)
    os.environ["TOKENIZERS_PARALLELISM"] = "true" if threads > 1 else "false"


class WorkerDied(TokdashError):
    """A worker process of a local run ended without finishing its task (killed, out of memory,
    a crash in native code)."""


class QuietLocalExecutor(LocalPipelineExecutor):
    """datatrove's local executor, whose tasks log to their files only (datatrove prints a task's
    log on the console when its local rank is 0; the rank is used for nothing else), and whose
    run ends at a worker's first failure instead of waiting for it forever (see `run`)."""

    def _run_for_rank(self, rank: int, local_rank: int = 0, node_rank: int = -1):
        if os.environ.get("TOKDASH_VERBOSE_TASKS") != "1":
            local_rank = max(local_rank, 1)
        return super()._run_for_rank(rank, local_rank, node_rank)

    def run(self):
        """datatrove's local run on `concurrent.futures` rather than a multiprocessing pool: that
        pool loses a task whose worker raised a BaseException (a Rust panic) or died, and waits
        for its result forever. Here a task's error is raised here, a dead worker is a
        `WorkerDied`, and either stops the other workers."""
        if self.workers == 1 or self.depends:  # one worker: the tasks run in this process
            return super().run()
        self._launched = True
        first = self.local_rank_offset
        ranks = self.get_incomplete_ranks(range(first, first + self.local_tasks))
        if not ranks:
            return PipelineStats()
        self.save_executor_as_json()
        workers = min(self.workers, len(ranks))
        pool = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context(self.start_method)
        )
        stats: list[PipelineStats] = []
        done = False
        try:
            futures = [
                pool.submit(_run_task, self, rank, n % workers) for n, rank in enumerate(ranks)
            ]
            for future in as_completed(futures):
                stats.append(future.result())
            done = True
        except BrokenProcessPool:
            raise WorkerDied(
                "a worker process died before finishing its task (killed, out of memory, or a "
                "crash in a tokenizer library): try fewer --workers, or give --stats-dir DIR and "
                "read the task logs in DIR/logs"
            ) from None
        finally:
            _stop(pool, wait=done)
        merged = sum(stats, start=PipelineStats())
        with self.logging_dir.open("stats.json", "wt") as fh:
            merged.save_to_disk(fh)
        return merged


def _run_task(executor: QuietLocalExecutor, rank: int, local_rank: int) -> PipelineStats:
    """One task, in a worker process."""
    return executor._run_for_rank(rank, local_rank)


def _stop(pool: ProcessPoolExecutor, wait: bool) -> None:
    """Shut ``pool`` down; unless ``wait``, its queued tasks are dropped and its running workers
    stopped at once (a failed run leaves nothing behind)."""
    if wait:
        pool.shutdown(wait=True)
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no public API in 3.11
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)


class PlanReader(BaseReader):
    """Reads the units of a `Plan` that fall to this task; each record travels as a datatrove
    document whose metadata holds the tokdash record (document, skipped record, line count)."""

    name = "tokdash plan reader"

    def __init__(self, plan_json: str, stats_dir: str) -> None:
        super().__init__()
        self.plan_json = plan_json
        self.stats_dir = stats_dir

    def records(self, rank: int, world_size: int):
        """The tokdash records of this task's units, in corpus order."""
        plan = Plan.from_json(self.plan_json)
        progress = Path(self.stats_dir) / "progress" / f"{rank:05d}.json"
        progress.parent.mkdir(parents=True, exist_ok=True)
        done = docs = 0
        last = 0.0
        for i in plan.shard(rank, world_size):
            for record in read_unit(plan.units[i], i):
                docs += isinstance(record, DocRef)
                yield record
            done += plan.units[i].size
            now = time.monotonic()
            if now - last > PROGRESS_EVERY:
                _write_progress(progress, done, docs)
                last = now
        _write_progress(progress, done, docs)

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        _quiet_console()
        for record in self.records(rank, world_size):
            if isinstance(record, DocRef):
                self.stat_update("documents")
            yield DatatroveDocument(
                text="",
                id=f"{record.unit}/{getattr(record, 'pos', -1)}",
                metadata={"tokdash": record},
            )


def _write_progress(path: Path, done: int, docs: int) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"bytes": done, "documents": docs}))
    tmp.replace(path)


class StatsStep(PipelineStep):
    """Folds this task's records into `CorpusStats` (all tokenizers in one pass) and writes them
    to ``STATS_DIR/tasks/NNNNN``."""

    name = "tokdash statistics"
    type = "📊 - STATS"

    def __init__(
        self,
        tokenizer_specs: list[str],
        engine_mode: str,
        stats_dir: str,
        reader: PlanReader,
        *,
        sample_size: int,
        seed: int,
        guard_fraction: float,
        threads: int = 1,
    ) -> None:
        super().__init__()
        self.tokenizer_specs = tokenizer_specs
        self.engine_mode = engine_mode
        self.stats_dir = stats_dir
        self.reader = reader
        self.options = {"sample_size": sample_size, "seed": seed, "guard_fraction": guard_fraction}
        self.threads = threads

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        limit_threads(self.threads)
        from tokdash.analysis.engine_choice import choose_engine
        from tokdash.analysis.fold import fold
        from tokdash.analysis.stats_io import save_stats
        from tokdash.tokenizers import get_tokenizer

        plan = Plan.from_json(self.reader.plan_json)
        toks = [get_tokenizer(s) for s in self.tokenizer_specs]
        engines = {t.id: choose_engine(t, self.engine_mode) for t in toks}
        first = [data]

        def read():
            if first[0] is not None:
                stream, first[0] = first[0], None
                return (doc.metadata["tokdash"] for doc in stream)
            return self.reader.records(rank, world_size)

        import numpy as np

        unit_first = np.asarray([u.first for u in plan.units], np.int64)
        with self.track_time():
            stats = fold(
                toks,
                read,
                engines,
                name=plan.name,
                n_units=len(plan.units),
                unit_first=unit_first,
                **self.options,
            )
        save_stats(stats, Path(self.stats_dir) / "tasks" / f"{rank:05d}")
        self.stat_update("documents", value=stats.n_documents)
        return
        yield  # a generator step that passes nothing on
