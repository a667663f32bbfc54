"""The Slurm engine: each step of a stage is one job array submitted with ``sbatch``.

Tasks are written as JSON lines to a job folder, one file per array task; array task
``i`` runs group ``i`` (``tasks/<i>.jsonl``) with ``python -m obelics.run.worker`` (``tasks_per_job`` tasks per array task,
or as many as needed to stay under ``max_array_size`` array tasks). The steps of a
stage are submitted at once, each array depending on the one before with
``--dependency=afterok``, so a later step starts only when every task of the
earlier one succeeded. The driver then waits, watching ``squeue`` and the tasks'
completion markers, and collects each task's stats from its marker.

Failures: a task that raises is retried inside its array task (``retries``), then
leaves a failure record with the path of its log; the other tasks go on. An array
task that dies without a result (time limit, out of memory, node failure) is
submitted again up to ``resubmits`` times, and then reported with its Slurm log.
Job state comes from ``squeue`` and the markers only (``sacct`` needs accounting
storage, which many clusters and test set-ups lack).
"""

from __future__ import annotations

import json
import logging
import math
import os
import shlex
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from obelics.io.atomic import write_json
from obelics.progress import progress
from obelics.run.engines import EngineError
from obelics.run.task import Task, failure, read_stats

log = logging.getLogger("obelics")


class SlurmError(EngineError):
    """Slurm refused a submission or could not be reached."""


@dataclass
class _Job:
    step: int
    job_id: str
    folder: Path
    todo: list[int]  # indices in the step of the tasks in the task file, in order
    group_size: int
    groups: int = 0
    seen_done: set[int] = field(default_factory=set)


class SlurmEngine:
    """Run steps as Slurm job arrays (see the module's docstring)."""

    def __init__(
        self,
        partition: str | None = None,
        time_limit: str | None = None,
        cpus_per_task: int = 1,
        mem: str | None = None,
        tasks_per_job: int | None = None,
        max_array_size: int = 1000,
        parallelism: int | None = None,
        sbatch_args: list[str] | tuple[str, ...] = (),
        setup: str = "",
        workdir: str | None = None,
        poll_interval: float = 2.0,
        resubmits: int = 1,
        python: str | None = None,
        job_name: str = "obelics",
    ) -> None:
        self.partition = partition
        self.time_limit = time_limit
        self.cpus_per_task = max(1, int(cpus_per_task))
        self.mem = mem
        self.tasks_per_job = tasks_per_job
        self.max_array_size = max(1, int(max_array_size))
        self.parallelism = parallelism
        self.sbatch_args = list(sbatch_args)
        self.setup = setup
        self.workdir = workdir
        self.poll_interval = poll_interval
        self.resubmits = max(0, int(resubmits))
        self.python = python or sys.executable
        self.job_name = job_name
        self.submitted: list[str] = []  # every job id this engine submitted

    # ---- the engine interface ---------------------------------------------
    def run(self, tasks: list[Task], retries: int, desc: str) -> list[dict[str, Any]]:
        return self.run_steps([tasks], retries, desc)[0]

    def run_steps(self, steps: list[list[Task]], retries: int, desc: str) -> list[list[dict[str, Any]]]:
        """Submit every step as a dependent array, wait, and return each task's stats per step."""
        results: list[list[dict[str, Any] | None]] = [
            [read_stats(t) if t.is_done() else None for t in step] for step in steps
        ]
        crashed: dict[tuple[int, int], str] = {}  # (step, index) -> why, for tasks that ended without a result
        workdir = Path(self.workdir) if self.workdir else _default_workdir(steps)
        if self._adopt(workdir, desc):  # jobs of an earlier, killed driver finished some tasks meanwhile
            results = [[r if r is not None else (read_stats(t) if t.is_done() else None) for r, t in zip(rs, step)]
                       for rs, step in zip(results, steps)]  # fmt: skip
        for round_no in range(self.resubmits + 1):
            jobs: list[_Job] = []
            previous = None
            for k, step in enumerate(steps):
                todo = [i for i, r in enumerate(results[k]) if r is None]
                if not todo:
                    continue
                job = self._submit(step, todo, k, len(steps), retries, desc, workdir, previous)
                jobs.append(job)
                previous = job.job_id
            if not jobs:
                break
            if round_no:
                log.warning("%s: submitting %d task(s) again after their array tasks died", desc, len(crashed))
            try:
                self._wait(jobs, steps, desc)
            except BaseException:
                self.cancel([j.job_id for j in jobs])
                raise
            final_failure = False
            crashed = {}
            for job in jobs:
                for line_no, i in enumerate(job.todo):
                    task = steps[job.step][i]
                    record = job.folder / "failed" / f"{line_no}.json"
                    if task.is_done():
                        results[job.step][i] = read_stats(task, skipped=False)
                    elif record.exists():
                        results[job.step][i] = json.loads(record.read_text())
                        final_failure = True
                    else:
                        group = line_no // job.group_size
                        crashed[(job.step, i)] = (
                            f"array task {job.job_id}_{group} ended without a result "
                            f"({self._state(job.job_id, group)}); see {job.folder / 'logs' / f'{group}.out'}"
                        )
            if final_failure or not crashed:
                break
        for k, step in enumerate(steps):
            for i, r in enumerate(results[k]):
                if r is None:
                    why = crashed.get((k, i), "not run: an earlier step failed")
                    results[k][i] = failure(step[i], why)
        return results  # type: ignore[return-value]

    # ---- submission ---------------------------------------------------------
    def _submit(
        self,
        step: list[Task],
        todo: list[int],
        k: int,
        n_steps: int,
        retries: int,
        desc: str,
        workdir: Path,
        dependency: str | None,
    ) -> _Job:
        folder = workdir / f"{_safe(desc)}-step{k + 1}-{uuid.uuid4().hex[:8]}"
        (folder / "logs").mkdir(parents=True, exist_ok=True)
        (folder / "failed").mkdir(exist_ok=True)
        size = self.tasks_per_job or math.ceil(len(todo) / self.max_array_size)
        size = max(1, int(size))
        groups = math.ceil(len(todo) / size)
        (folder / "tasks").mkdir()
        for g in range(groups):  # one small file per array task: none reads the whole list
            with open(folder / "tasks" / f"{g}.jsonl", "w", encoding="utf-8") as fh:
                for i in todo[g * size : (g + 1) * size]:
                    fh.write(step[i].to_json() + "\n")
        script = folder / "job.sh"
        script.write_text(self._script(folder, groups, size, retries, f"{self.job_name}-{_safe(desc)}-{k + 1}"))
        cmd = ["sbatch", "--parsable"]
        if dependency:
            cmd.append(f"--dependency=afterok:{dependency}")
        cmd.append(str(script))
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise SlurmError(f"sbatch failed: {e}") from None
        if r.returncode:
            raise SlurmError(f"sbatch refused the job array of {desc} step {k + 1}: {r.stderr.strip()}")
        job_id = r.stdout.strip().split(";")[0]
        self.submitted.append(job_id)
        self._record(workdir, job_id)
        log.info(
            "%s step %d/%d: job array %s, %d task(s) in %d array task(s) (%s)",
            desc,
            k + 1,
            n_steps,
            job_id,
            len(todo),
            groups,
            folder,
        )
        return _Job(step=k, job_id=job_id, folder=folder, todo=todo, group_size=size, groups=groups)

    def _script(self, folder: Path, groups: int, size: int, retries: int, name: str) -> str:
        array = f"0-{groups - 1}" + (f"%{self.parallelism}" if self.parallelism else "")
        opts = [
            f"--job-name={name}",
            f"--array={array}",
            f"--output={folder / 'logs' / '%a.out'}",
            f"--cpus-per-task={self.cpus_per_task}",
            "--ntasks=1",
            f"--chdir={os.getcwd()}",
        ]
        if self.partition:
            opts.append(f"--partition={self.partition}")
        if self.time_limit:
            opts.append(f"--time={self.time_limit}")
        if self.mem:
            opts.append(f"--mem={self.mem}")
        opts += self.sbatch_args
        lines = ["#!/bin/bash"] + [f"#SBATCH {o}" for o in opts]
        if self.setup:
            lines.append(self.setup)
        worker = [
            self.python,
            "-m",
            "obelics.run.worker",
            str(folder / "tasks"),
            "--index",
            "${SLURM_ARRAY_TASK_ID}",
            "--group-size",
            str(size),
            "--retries",
            str(retries),
            "--workers",
            str(self.cpus_per_task),
        ]
        lines.append("exec " + " ".join(a if a.startswith("${") else shlex.quote(a) for a in worker))
        return "\n".join(lines) + "\n"

    # ---- jobs of an earlier driver ---------------------------------------------
    def _record(self, workdir: Path, job_id: str) -> None:
        """Remember a submitted job in ``workdir/jobs.json``, so a restarted driver can find it."""
        path = workdir / "jobs.json"
        try:
            ids = json.loads(path.read_text())
        except (OSError, ValueError):
            ids = []
        write_json(path, [*ids, job_id])

    def _adopt(self, workdir: Path, desc: str) -> bool:
        """Wait for this stage's jobs that an earlier driver submitted and that are still queued or running.

        A killed driver leaves its job arrays running; submitting their tasks again would only
        duplicate the work (outputs are atomic, so not the results). True if there were any.
        """
        try:
            ids = [str(i) for i in json.loads((workdir / "jobs.json").read_text())]
        except (OSError, ValueError):
            return False
        try:
            active = self._active(ids, name_prefix=self.job_name)
        except SlurmError:
            return False
        if not active:
            return False
        mine = sorted({a[0].split("_")[0] for a in active})
        log.warning("%s: waiting for job(s) %s submitted by an earlier run", desc, ", ".join(mine))
        while active:
            blocked = sorted({j.split("_")[0] for j, _, reason in active if "DependencyNeverSatisfied" in reason})
            if blocked:
                self.cancel(blocked)
            time.sleep(self.poll_interval)
            active = [a for a in self._active(mine) if a[0].split("_")[0] not in blocked]
        return True

    # ---- waiting ------------------------------------------------------------
    def _wait(self, jobs: list[_Job], steps: list[list[Task]], desc: str) -> None:
        total = sum(len(j.todo) for j in jobs)
        ids = [j.job_id for j in jobs]
        errors = 0
        scan_every = 1 if total <= 5000 else 15  # markers on a shared filesystem: look less often when many
        polls = 0
        with progress(total=total, desc=f"{desc} (slurm {','.join(ids)})", unit="task", leave=True) as bar:
            while True:
                if polls % scan_every == 0:
                    for j in jobs:
                        for i in j.todo:
                            if i not in j.seen_done and steps[j.step][i].is_done():
                                j.seen_done.add(i)
                                bar.update(1)
                polls += 1
                try:
                    active = self._active(ids)
                    errors = 0
                except SlurmError as e:
                    errors += 1
                    if errors * self.poll_interval > 300:
                        raise
                    log.warning("squeue failed (%s); trying again", e)
                    time.sleep(self.poll_interval)
                    continue
                blocked = sorted(
                    {job.split("_")[0] for job, _, reason in active if "DependencyNeverSatisfied" in reason}
                )
                if blocked:  # an earlier step failed: its dependants can never start
                    self.cancel(blocked)
                if not [a for a in active if a[0].split("_")[0] not in blocked]:
                    return
                time.sleep(self.poll_interval)

    def _active(self, ids: list[str], name_prefix: str = "") -> list[tuple[str, str, str]]:
        """(job id, state, reason) of the jobs among ``ids`` still pending or running (named ``name_prefix*``)."""
        try:
            r = subprocess.run(
                ["squeue", "-h", "-j", ",".join(ids), "-o", "%i|%T|%r|%j"], capture_output=True, text=True, timeout=60
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            raise SlurmError(str(e)) from None
        if r.returncode:
            if "Invalid job id" in r.stderr:  # all purged from the controller: finished long ago
                return []
            raise SlurmError(r.stderr.strip())
        out = []
        for line in r.stdout.splitlines():
            parts = line.strip().split("|", 3)
            if len(parts) < 4 or not parts[3].startswith(name_prefix):
                continue
            if parts[1] not in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY"):
                out.append((parts[0], parts[1], parts[2]))
        return out

    def _state(self, job_id: str, index: int) -> str:
        """Best-effort final state of one array task, from ``scontrol``."""
        try:
            r = subprocess.run(
                ["scontrol", "-o", "show", "job", f"{job_id}_{index}"], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired):
            return "state unknown"
        fields = dict(kv.split("=", 1) for kv in r.stdout.split() if "=" in kv)
        if not fields:
            return "state unknown"
        return f"{fields.get('JobState', '?')}, exit code {fields.get('ExitCode', '?')}, reason {fields.get('Reason', '?')}"

    def cancel(self, job_ids: list[str]) -> None:
        """``scancel`` these jobs (best effort)."""
        if job_ids:
            subprocess.run(["scancel", *job_ids], capture_output=True, timeout=60, check=False)

    def close(self) -> None:
        pass


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:60] or "stage"


def _default_workdir(steps: list[list[Task]]) -> Path:
    """``<stage output>/_slurm``: beside the stats files of the stage's tasks (a shared filesystem)."""
    folders = [os.path.dirname(os.path.abspath(t.stats_path)) for step in steps for t in step]
    base = os.path.commonpath(folders) if folders else os.getcwd()
    return Path(base) / "_slurm"
