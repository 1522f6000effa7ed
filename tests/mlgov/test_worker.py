"""mlgov.worker: each mode in its own process, bounded by the parent's deadline."""

from __future__ import annotations

import time

import pytest

from mlgov.gate import GateError, GateOptions
from mlgov.pack import local_pack
from mlgov.project import load_project
from mlgov.sources import ProgramSource
from mlgov.worker import run_in_workers


def test_both_modes_run_side_by_side_and_come_back_in_order(write_project, tiny_pack):
    project = load_project(write_project('print("hello from the program")\naws.s3.Bucket("raw")\n'))
    phases = []
    options = GateOptions(pack=local_pack(tiny_pack), timeout=120)
    results = run_in_workers([ProgramSource(project, "preview"), ProgramSource(project, "update")], options,
                             lambda mode, phase, **counts: phases.append((mode, phase, time.monotonic())))
    assert [r.mode for r in results] == ["preview", "update"]
    assert all([v.name for v in r.violations] == ["raw"] for r in results)
    for mode in ("preview", "update"):
        assert [p for m, p, _ in phases if m == mode] == ["running the program", "evaluating the policy pack", "done"]
    # side by side: each mode started its program before the other finished
    start = {m: t for m, p, t in phases if p == "running the program"}
    done = {m: t for m, p, t in phases if p == "done"}
    assert start["preview"] < done["update"] and start["update"] < done["preview"]


def test_the_deadline_ends_the_workers_and_names_each_phase(write_project, tiny_pack):
    project = load_project(write_project("import time\ntime.sleep(60)\n"))
    options = GateOptions(pack=local_pack(tiny_pack), timeout=3)
    with pytest.raises(GateError, match=r"timed out after 3s \(update: running the program\)"):
        run_in_workers([ProgramSource(project, "update")], options, lambda *a, **k: None)
