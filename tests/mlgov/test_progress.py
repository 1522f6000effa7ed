"""mlgov.progress: phase lines on a terminal only."""

from __future__ import annotations

import io

from mlgov.progress import Progress


def test_progress_lines_name_the_mode_phase_counts_and_time():
    stream = io.StringIO()
    progress = Progress(enabled=True, stream=stream)
    progress("preview", "evaluating the policy pack", resources=2000)
    progress("audit", "reading the state")
    first, second = stream.getvalue().splitlines()
    assert first.startswith("mlgov: preview: evaluating the policy pack (2,000 resources) [")
    assert second.startswith("mlgov: state: reading the state [") and first.endswith("s]")


def test_disabled_progress_writes_nothing():
    stream = io.StringIO()
    Progress(enabled=False, stream=stream)("update", "running the program")
    assert stream.getvalue() == ""
