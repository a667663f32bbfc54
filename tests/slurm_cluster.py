"""A real single-node Slurm cluster on 127.0.0.1 for the tests (Debian's slurm-wlm with munge).

``SlurmCluster(folder).start()`` writes ``slurm.conf`` from ``hostname -s`` and
``slurmd -C``, starts munged (unless one answers already), slurmctld and slurmd with
their state, spool, pid and log files under ``folder``, and waits until the node is
idle. ``stop()`` stops the daemons it started, by their pid files. Clients (sbatch,
squeue, scontrol) find the cluster through ``SLURM_CONF``, which ``env()`` returns.

Needs root (slurmd runs jobs as their users) and the packages in .ci/apt-packages.txt.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path


class SlurmUnavailable(RuntimeError):
    """Slurm could not be set up or started here."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(cmd: list[str], env: dict[str, str] | None = None, timeout: float = 20) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


class SlurmCluster:
    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        self.conf = self.folder / "slurm.conf"
        self.started: list[Path] = []  # pid files of the daemons we started
        self.munged_pid: int | None = None

    def env(self) -> dict[str, str]:
        return {**os.environ, "SLURM_CONF": str(self.conf)}

    # ---- set-up ---------------------------------------------------------
    def _check_tools(self) -> None:
        missing = [
            t for t in ("slurmctld", "slurmd", "sbatch", "squeue", "munged", "munge", "unmunge") if not _which(t)
        ]
        if missing:
            raise SlurmUnavailable(
                f"missing {', '.join(missing)}: install the Debian packages in .ci/apt-packages.txt (slurm-wlm, munge)"
            )
        if os.geteuid() != 0:
            raise SlurmUnavailable("the single-node Slurm of the tests needs root (slurmd runs the jobs)")

    def _munge_ok(self) -> bool:
        try:
            enc = subprocess.run(["munge", "-n"], capture_output=True, timeout=5)
            dec = subprocess.run(["unmunge"], input=enc.stdout, capture_output=True, timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            return False
        return enc.returncode == 0 and dec.returncode == 0

    def _start_munge(self) -> None:
        if self._munge_ok():
            return
        Path("/run/munge").mkdir(parents=True, exist_ok=True)
        shutil.chown("/run/munge", "munge", "munge")
        if not Path("/etc/munge/munge.key").exists():
            r = _run(["/usr/sbin/mungekey", "--create"])
            if r.returncode:
                raise SlurmUnavailable(f"cannot create the munge key: {r.stderr.strip()}")
            shutil.chown("/etc/munge/munge.key", "munge", "munge")
        r = _run(["runuser", "-u", "munge", "--", "/usr/sbin/munged"])
        if r.returncode:
            raise SlurmUnavailable(f"munged did not start: {r.stderr.strip()}")
        for _ in range(50):
            if self._munge_ok():
                pid = Path("/run/munge/munged.pid")
                self.munged_pid = int(pid.read_text()) if pid.exists() else None
                return
            time.sleep(0.1)
        raise SlurmUnavailable("munged started but munge -n | unmunge fails")

    def write_conf(self) -> None:
        host = socket.gethostname().split(".")[0]
        r = _run(["slurmd", "-C"])
        if r.returncode:
            raise SlurmUnavailable(f"slurmd -C failed: {r.stderr.strip()}")
        node_line = next((ln for ln in r.stdout.splitlines() if ln.startswith("NodeName=")), "")
        if not node_line:
            raise SlurmUnavailable(f"slurmd -C printed no NodeName line: {r.stdout!r}")
        fields = dict(kv.split("=", 1) for kv in node_line.split())
        f = self.folder
        for sub in ("state", "spool", "log"):
            (f / sub).mkdir(parents=True, exist_ok=True)
        lines = [
            "ClusterName=obelicstest",
            f"SlurmctldHost={host}(127.0.0.1)",
            f"SlurmctldPort={_free_port()}",
            f"SlurmdPort={_free_port()}",
            "SlurmUser=root",
            "SlurmdUser=root",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "JobCompType=jobcomp/none",
            "MpiDefault=none",
            "SwitchType=switch/none",
            "ReturnToService=2",
            "SchedulerType=sched/backfill",
            "SchedulerParameters=sched_min_interval=0,batch_sched_delay=0",
            "MailProg=/bin/true",
            "MinJobAge=600",
            "MaxArraySize=10001",
            f"StateSaveLocation={f / 'state'}",
            f"SlurmdSpoolDir={f / 'spool'}",
            f"SlurmctldPidFile={f / 'slurmctld.pid'}",
            f"SlurmdPidFile={f / 'slurmd.pid'}",
            f"SlurmctldLogFile={f / 'log' / 'slurmctld.log'}",
            f"SlurmdLogFile={f / 'log' / 'slurmd.log'}",
            f"NodeName={host} NodeAddr=127.0.0.1 CPUs={fields.get('CPUs', '1')} "
            + " ".join(
                f"{k}={fields[k]}"
                for k in ("Boards", "SocketsPerBoard", "CoresPerSocket", "ThreadsPerCore", "RealMemory")
                if k in fields
            )
            + " State=UNKNOWN",
            f"PartitionName=debug Nodes={host} Default=YES MaxTime=INFINITE State=UP",
        ]
        self.conf.write_text("\n".join(lines) + "\n")

    def start(self, timeout: float = 30) -> SlurmCluster:
        self._check_tools()
        self._start_munge()
        self.write_conf()
        env = self.env()
        for daemon, pidfile in (("/usr/sbin/slurmctld", "slurmctld.pid"), ("/usr/sbin/slurmd", "slurmd.pid")):
            r = _run([daemon, "-f", str(self.conf)], env=env)
            if r.returncode:
                self.stop()
                raise SlurmUnavailable(f"{daemon} did not start: {r.stderr.strip()} {self._log_tail()}")
            self.started.append(self.folder / pidfile)
        deadline = time.time() + timeout
        state = ""
        while time.time() < deadline:
            r = _run(["sinfo", "-h", "-o", "%T"], env=env, timeout=10)
            state = r.stdout.strip()
            if (
                r.returncode == 0
                and state
                and all(s.rstrip("*") in ("idle", "mixed", "allocated") for s in state.split())
            ):
                return self
            time.sleep(0.2)
        self.stop()
        raise SlurmUnavailable(
            f"the Slurm node did not become idle in {timeout} s (state {state!r}) {self._log_tail()}"
        )

    def _log_tail(self) -> str:
        out = []
        for name in ("slurmctld.log", "slurmd.log"):
            p = self.folder / "log" / name
            if p.exists():
                out.append(f"\n--- {name}\n" + "\n".join(p.read_text(errors="replace").splitlines()[-10:]))
        return "".join(out)

    def stop(self) -> None:
        for pidfile in reversed(self.started):
            _kill_pidfile(pidfile)
        self.started = []
        if self.munged_pid:  # only the munged we started
            _kill_pidfile(Path("/run/munge/munged.pid"))
            self.munged_pid = None


def _which(tool: str) -> str | None:
    return shutil.which(tool) or next((str(p) for d in ("/usr/sbin", "/sbin") if (p := Path(d) / tool).exists()), None)


def _kill_pidfile(pidfile: Path, timeout: float = 1) -> None:
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
