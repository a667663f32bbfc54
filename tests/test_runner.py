import json
import threading

import pytest

from obelics.run.settings import SettingsError, resolve
from obelics.run.task import Task, execute
from obelics.stats import merge

CALLS = []


def flaky(inputs, output, settings, stats):
    CALLS.append(inputs[0])
    if CALLS.count(inputs[0]) <= settings["fail_times"]:
        raise OSError("transient")
    stats.inc("documents", 3)
    stats.reason("skipped", "bad_record")
    open(output, "w").write("x")


def make_task(tmp_path, fail_times):
    return Task(
        "t",
        "a",
        f"{__name__}:flaky",
        [str(tmp_path / "in")],
        str(tmp_path / "a.out"),
        str(tmp_path / "a.stats.json"),
        {"fail_times": fail_times},
    )


def test_task_retries_then_marks_done(tmp_path):
    CALLS.clear()
    t = make_task(tmp_path, 1)
    s = execute(t, retries=1)
    assert s["documents"] == 3 and s["retries_used"] == 1 and s["skipped"] == {"bad_record": 1}
    assert json.load(open(t.stats_path))["documents"] == 3
    assert execute(t)["skipped_done"] == 1 and len(CALLS) == 2  # not run again


def test_task_failure_is_reported_with_log(tmp_path):
    CALLS.clear()
    t = make_task(tmp_path, 5)
    s = execute(t, retries=1)
    assert s["failed"] == 1 and "transient" in s["error"]
    assert "OSError" in open(t.log_path).read()
    assert not t.is_done()


def test_merge_sums_nested_counts():
    m = merge([{"a": 1, "r": {"x": 1}, "stage": "s"}, {"a": 2, "r": {"x": 2, "y": 1}, "stage": "s"}])
    assert m == {"a": 3, "r": {"x": 3, "y": 1}, "stage": "s", "tasks": 2}


def test_settings_name_bad_key_and_choices():
    d = {"mode": "obelics", "threads": 4, "flag": False, "langs": ["en"]}
    assert resolve(d, {"threads": "8", "flag": "true", "langs": "en,fr"}) == {
        "mode": "obelics",
        "threads": 8,
        "flag": True,
        "langs": ["en", "fr"],
    }
    with pytest.raises(SettingsError, match="unknown setting 'thread'.*allowed: flag, langs, mode, threads"):
        resolve(d, {"thread": 1})
    with pytest.raises(SettingsError, match="allowed values: obelics, main-content"):
        resolve(d, {"mode": "x"}, {"mode": ["obelics", "main-content"]})


def test_expand_inputs_skips_work_and_hidden(tmp_path):
    from obelics.io.paths import expand_inputs

    for rel in ["a.parquet", "sub/b.parquet", "_work/x.parquet", "rejected/r.parquet", ".a.parquet.1.tmp", "notes.txt"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    got = [p[len(str(tmp_path)) + 1 :] for p in expand_inputs([str(tmp_path)], (".parquet",))]
    assert got == ["a.parquet", "sub/b.parquet"]
    with pytest.raises(FileNotFoundError, match="input not found"):
        expand_inputs([str(tmp_path / "missing")], (".parquet",))


DRIVER_LOCK = threading.Lock()


def locked_task(inputs, output, settings, stats):
    # A forked worker inherits DRIVER_LOCK as held by the driver's thread and would wait forever.
    if not DRIVER_LOCK.acquire(timeout=5):
        raise RuntimeError("lock inherited held from the driver")
    DRIVER_LOCK.release()
    open(output, "w").write("x")


def test_pool_workers_do_not_inherit_locks_held_by_driver_threads(tmp_path):
    from obelics.run.engines.local import LocalEngine

    held, release = threading.Event(), threading.Event()

    def hold():
        with DRIVER_LOCK:
            held.set()
            release.wait(60)

    threading.Thread(target=hold, daemon=True).start()
    held.wait()
    tasks = [
        Task("t", f"n{i}", f"{__name__}:locked_task", [], str(tmp_path / f"{i}.out"), str(tmp_path / f"{i}.stats.json"))
        for i in range(2)
    ]
    try:
        results = LocalEngine(workers=2).run(tasks, retries=0, desc="t")
    finally:
        release.set()
    assert [r.get("failed") for r in results] == [None, None]
    assert all((tmp_path / f"{i}.out").exists() for i in range(2))
