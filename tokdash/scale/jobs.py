"""Running the corpus-scale pipeline: a statistics folder per job, an executor (local processes,
Slurm or Ray, all datatrove's), live progress for local runs, and the merge.

A statistics folder (``--stats-dir``) holds ``job.json`` (what was asked: corpus, tokenizers,
sample, tasks), ``plan.json``, ``tasks/NNNNN`` (one bundle per task), ``logs/`` (datatrove's
logs and completion markers), ``progress/`` and, once merged, ``bundle/``. Running the same job
again in the same folder skips the tasks already complete; another job there is refused.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tokdash.analysis.stats import DEFAULT_SAMPLE_SIZE, CorpusStats
from tokdash.corpus.units import Plan, plan_corpus
from tokdash.errors import TokdashError

EXECUTORS = ("local", "slurm", "ray")
Say = Callable[[str], None]


class JobError(TokdashError):
    """A job that cannot run or be merged, and why."""


@dataclass
class JobOptions:
    """How to run a statistics job (see ``python -m tokdash compare --help``)."""

    executor: str = "local"
    workers: int = max(1, os.cpu_count() or 1)
    tasks: int | None = None
    threads: int = 1
    engine: str = "auto"
    sample_size: int = DEFAULT_SAMPLE_SIZE
    seed: int = 0
    guard_fraction: float = 0.01
    partition: str = ""
    time: str = "02:00:00"
    cpus_per_task: int = 1
    mem_per_cpu_gb: float = 2.0
    venv_path: str = ""
    dry_run: bool = False
    ray_address: str = ""

    @property
    def n_tasks(self) -> int:
        return self.tasks if self.tasks else self.workers


def _job_doc(spec: str, tokenizer_ids: list[str], specs: list[str], opts: JobOptions) -> dict:
    return {
        "corpus": spec,
        "tokenizers": tokenizer_ids,
        "tokenizer_specs": specs,
        "tasks": opts.n_tasks,
        "sample_size": opts.sample_size,
        "seed": opts.seed,
        "engine": opts.engine,
    }


def prepare(
    stats_dir: Path, spec: str, tokenizer_ids: list[str], specs: list[str], opts: JobOptions
):
    """Plan the corpus and claim ``stats_dir`` for this job (the plan of a previous run of the
    same job is reused, so its finished tasks count)."""
    stats_dir.mkdir(parents=True, exist_ok=True)
    job = _job_doc(spec, tokenizer_ids, specs, opts)
    job_file = stats_dir / "job.json"
    if job_file.is_file():
        old = json.loads(job_file.read_text())
        if {k: old.get(k) for k in job} != job:
            raise JobError(
                f"{stats_dir} holds another job ({old.get('corpus')} with "
                f"{', '.join(old.get('tokenizers', []))}, {old.get('tasks')} tasks): give another "
                "--stats-dir, or delete that folder to start again"
            )
        plan = Plan.from_json((stats_dir / "plan.json").read_text())
    else:
        plan = plan_corpus(spec)
        (stats_dir / "plan.json").write_text(plan.to_json())
        job_file.write_text(json.dumps(job, indent=1) + "\n")
    if not plan.units:
        raise JobError(f"corpus '{spec}' is empty: no file to read")
    return plan


def build_pipeline(plan: Plan, stats_dir: Path, specs: list[str], opts: JobOptions) -> list:
    """The datatrove pipeline of one task: plan reader -> statistics step."""
    from tokdash.scale.pipeline import PlanReader, StatsStep

    reader = PlanReader(plan.to_json(), str(stats_dir))
    step = StatsStep(
        specs,
        opts.engine,
        str(stats_dir),
        reader,
        sample_size=opts.sample_size,
        seed=opts.seed,
        guard_fraction=opts.guard_fraction,
        threads=opts.threads if opts.executor == "local" else opts.cpus_per_task,
    )
    return [reader, step]


def make_executor(pipeline: list, stats_dir: Path, opts: JobOptions):
    """The datatrove executor ``opts.executor`` names, over ``opts.n_tasks`` tasks."""
    logs = str(stats_dir / "logs")
    if opts.executor == "local":
        from tokdash.scale.pipeline import QuietLocalExecutor

        workers = max(1, min(opts.workers, opts.n_tasks))
        return QuietLocalExecutor(pipeline, tasks=opts.n_tasks, workers=workers, logging_dir=logs)
    if opts.executor == "slurm":
        from datatrove.executor import SlurmPipelineExecutor

        if not opts.partition:
            raise JobError("--executor slurm needs --partition")
        return SlurmPipelineExecutor(
            pipeline,
            tasks=opts.n_tasks,
            time=opts.time,
            partition=opts.partition,
            cpus_per_task=opts.cpus_per_task,
            mem_per_cpu_gb=int(max(1, round(opts.mem_per_cpu_gb))),
            workers=opts.workers if opts.workers else -1,
            job_name="tokdash-stats",
            venv_path=opts.venv_path or None,
            logging_dir=logs,
        )
    if opts.executor == "ray":
        try:
            import ray
            from datatrove.executor.ray import RayPipelineExecutor
        except ImportError:
            raise JobError(
                "--executor ray needs Ray: pip install -r requirements-ray.txt"
            ) from None
        if not ray.is_initialized():
            if opts.ray_address:
                ray.init(address=opts.ray_address, log_to_driver=False)
            else:
                ray.init(num_cpus=opts.workers, include_dashboard=False, log_to_driver=False)
        return RayPipelineExecutor(
            pipeline,
            tasks=opts.n_tasks,
            workers=opts.workers,
            logging_dir=logs,
            cpus_per_task=opts.cpus_per_task,
            mem_per_cpu_gb=opts.mem_per_cpu_gb,
        )
    raise JobError(f"unknown executor {opts.executor!r}; choose one of {', '.join(EXECUTORS)}")


def slurm_script(executor, stats_dir: Path) -> Path:
    """Write what datatrove's Slurm launch writes (the pickled executor and the sbatch script),
    without submitting it; returns the script's path."""
    import dill
    from dill import CONTENTS_FMODE

    with executor.logging_dir.open("executor.pik", "wb") as fh:
        dill.dump(executor, fh, fmode=CONTENTS_FMODE)
    with executor.logging_dir.open("ranks_to_run.json", "w") as fh:
        json.dump(executor.get_incomplete_ranks(), fh)
    script = executor.get_launch_file_contents(
        executor.get_sbatch_args(min(executor.tasks, executor.max_array_size)),
        f"launch_pickled_pipeline {executor.logging_dir.resolve_paths('executor.pik')}",
    )
    path = stats_dir / "logs" / "launch_script.slurm"
    path.write_text(script)
    return path


class ProgressMonitor:
    """Sums the tasks' progress files every second and reports MB, MB/s and an ETA."""

    def __init__(self, stats_dir: Path, total: int, say: Say, every: float = 1.0) -> None:
        self.folder, self.total, self.say, self.every = stats_dir / "progress", total, say, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self.start = time.monotonic()
        self.base = self.done()

    def done(self) -> int:
        total = 0
        for f in self.folder.glob("*.json") if self.folder.is_dir() else ():
            try:
                total += int(json.loads(f.read_text())["bytes"])
            except (OSError, ValueError, KeyError):
                continue
        return total

    def line(self) -> str:
        done = self.done()
        rate = (done - self.base) / max(time.monotonic() - self.start, 1e-9)
        left = self.total - done
        eta = f"{left / rate:.0f} s" if rate > 0 else "?"
        pct = 100 * done / self.total if self.total else 100.0
        return (
            f"{done / 1e6:,.1f} / {self.total / 1e6:,.1f} MB ({pct:.0f}%), "
            f"{rate / 1e6:.1f} MB/s, ETA {eta}"
        )

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self.say(self.line())

    def __enter__(self) -> ProgressMonitor:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def merge_tasks(stats_dir: Path) -> CorpusStats:
    """The merged statistics of every task of the job in ``stats_dir`` (saved to ``bundle/``);
    `JobError` naming the missing tasks when some are not complete."""
    from tokdash.analysis.stats_io import load_stats, save_stats

    job_file = stats_dir / "job.json"
    if not job_file.is_file():
        raise JobError(f"{stats_dir} holds no statistics job (no job.json, no bundle)")
    job = json.loads(job_file.read_text())
    missing = [
        r
        for r in range(job["tasks"])
        if not (stats_dir / "logs" / "completions" / f"{r:05d}").is_file()
        or not (stats_dir / "tasks" / f"{r:05d}").is_dir()
    ]
    if missing:
        shown = ", ".join(str(r) for r in missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise JobError(
            f"{len(missing)} of {job['tasks']} tasks of {stats_dir} are not complete yet "
            f"(tasks {shown}); wait for them, or run the same compare again to finish them"
        )
    stats = None
    for r in range(job["tasks"]):
        part = load_stats(stats_dir / "tasks" / f"{r:05d}")
        stats = part if stats is None else stats.merge(part)
    stats.meta = {
        "corpus": job["corpus"],
        "tokenizers": job["tokenizers"],
        "tasks": job["tasks"],
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "tool": f"tokdash {_version()}",
    }
    save_stats(stats, stats_dir / "bundle")
    return stats


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tokdash")
    except PackageNotFoundError:
        return "dev"


def quiet_logs() -> None:
    """datatrove's console logging at WARNING in this process and the ones it starts (its log
    files keep everything); ``TOKDASH_VERBOSE_TASKS=1`` keeps it all."""
    if os.environ.get("TOKDASH_VERBOSE_TASKS") == "1":
        return
    os.environ["LOGURU_LEVEL"] = "WARNING"
    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level="WARNING")


def run_job(
    spec: str,
    tokenizer_ids: list[str],
    specs: list[str],
    opts: JobOptions,
    stats_dir: str | os.PathLike[str] | None = None,
    say: Say = lambda msg: print(msg, file=sys.stderr),
) -> CorpusStats | None:
    """Run the job; the merged statistics (None when it was handed to Slurm: merge later with
    ``python -m tokdash report --stats-dir``)."""
    if opts.executor not in EXECUTORS:
        raise JobError(f"unknown executor {opts.executor!r}; choose one of {', '.join(EXECUTORS)}")
    tmp = None
    if stats_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="tokdash-stats-")
        stats_dir = tmp.name
    folder = Path(stats_dir).expanduser().resolve()
    try:
        plan = prepare(folder, spec, tokenizer_ids, specs, opts)
        say(
            f"corpus {plan.name}: {len(plan.units):,} units, {plan.total_bytes / 1e6:,.1f} MB; "
            f"{opts.n_tasks} tasks on {opts.executor}"
        )
        quiet_logs()
        executor = make_executor(build_pipeline(plan, folder, specs, opts), folder, opts)
        if opts.executor == "slurm":
            if opts.dry_run:
                say(f"wrote {slurm_script(executor, folder)} (not submitted: --dry-run)")
            else:
                executor.run()
                say(f"submitted; when it is done: python -m tokdash report --stats-dir {folder}")
            return None
        if opts.executor == "local":
            every = 1.0 if sys.stderr.isatty() else 10.0
            with ProgressMonitor(folder, plan.total_bytes, say, every):
                executor.run()
        else:
            executor.run()
        return merge_tasks(folder)
    finally:
        if tmp is not None:
            tmp.cleanup()
