"""The Ray engine: each task is a Ray remote task on a local or remote Ray cluster.

``address``: ``None`` starts a local Ray in this process (or joins ``$RAY_ADDRESS``
when set), ``"auto"`` joins the cluster started on this machine by ``ray start``,
``"host:port"`` a cluster's head, ``"ray://host:10001"`` a cluster through Ray Client.
The package must be installed on the cluster's nodes and the task inputs and outputs
on storage they all see (a shared filesystem or object-store URLs).

A task that raises is retried inside its Ray task (``retries``) and then reported
with its log; a worker process or node that dies is retried by Ray (``max_retries``).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from obelics.progress import progress
from obelics.run.engines import EngineError
from obelics.run.task import Task, failure, read_stats, split_done

log = logging.getLogger("obelics")


def _execute_json(task_json: str, retries: int) -> dict[str, Any]:
    """Run one task on a Ray worker (plain data in, plain data out)."""
    from obelics.run.task import execute

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return execute(Task.from_json(task_json), retries)


class RayEngine:
    """Run tasks as Ray remote tasks (see the module's docstring)."""

    def __init__(
        self,
        address: str | None = None,
        num_cpus: int | None = None,
        cpus_per_task: float = 1.0,
        max_in_flight: int | None = None,
        temp_dir: str | None = None,
    ) -> None:
        self.address = address
        self.num_cpus = num_cpus
        self.cpus_per_task = cpus_per_task
        self.max_in_flight = max_in_flight
        self.temp_dir = temp_dir
        self._started = False

    def _ray(self):
        try:
            import ray
        except ImportError:
            raise EngineError("the ray engine needs Ray: pip install 'obelics[ray]'") from None
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": True}
            env = {k: os.environ[k] for k in ("PYTHONPATH",) if os.environ.get(k)}
            if env:
                kwargs["runtime_env"] = {"env_vars": env}
            try:
                if self.address:
                    ray.init(address=self.address, **kwargs)
                elif os.environ.get("RAY_ADDRESS"):
                    ray.init(**kwargs)
                else:
                    if self.temp_dir:
                        kwargs["_temp_dir"] = self.temp_dir
                    ray.init(num_cpus=self.num_cpus, **kwargs)
            except (ConnectionError, RuntimeError, ValueError) as e:
                where = self.address or os.environ.get("RAY_ADDRESS") or "a local Ray"
                raise EngineError(f"cannot start or reach {where}: {e}") from None
            self._started = True
        return ray

    def run(self, tasks: list[Task], retries: int, desc: str) -> list[dict[str, Any]]:
        results, todo = split_done(tasks)
        if todo:
            ray = self._ray()
            remote = ray.remote(_execute_json).options(
                num_cpus=self.cpus_per_task, max_retries=max(0, retries), retry_exceptions=False
            )
            limit = self.max_in_flight or max(4, 4 * int(ray.cluster_resources().get("CPU", 1)))
            queue = list(todo)
            pending: dict[Any, int] = {}
            with progress(total=len(todo), desc=f"{desc} (ray)", unit="task", leave=True) as bar:
                while queue or pending:
                    while queue and len(pending) < limit:
                        i = queue.pop(0)
                        pending[remote.remote(tasks[i].to_json(), retries)] = i
                    done, _ = ray.wait(list(pending), num_returns=1)
                    for ref in done:
                        i = pending.pop(ref)
                        try:
                            results[i] = ray.get(ref)
                        except Exception as e:  # noqa: BLE001 - a Ray system failure (worker or node died)
                            results[i] = (
                                read_stats(tasks[i], False) if tasks[i].is_done() else failure(tasks[i], f"ray: {e}")
                            )
                        bar.update(1)
        return [results[i] for i in range(len(tasks))]

    def close(self) -> None:
        """Shut Ray down if this engine started or joined it."""
        if self._started:
            import ray

            ray.shutdown()
            self._started = False
