"""mlgov.findings: one finding per issue, whichever modes saw it."""

from __future__ import annotations

from mlgov.findings import GateFailure, Report, Violation, merge_modes


def v(mode: str, message: str = "m", **kw) -> Violation:
    return Violation(policy="p", enforcement="mandatory", severity="high", urn="urn:x", type="t", name="n",
                     message=message, mode=mode, **kw)


def test_the_same_issue_in_both_modes_is_one_finding_with_both_modes():
    merged = merge_modes([v("preview"), v("update", file="a.py", line=3), v("update", "other message")])
    assert [(m.mode, m.modes, m.message) for m in merged] == [
        ("preview", ["preview", "update"], "m"), ("update", ["update"], "other message")]
    assert (merged[0].file, merged[0].line) == ("a.py", 3)


def test_totals_count_issues_and_an_error_fails_the_report():
    report = Report("p", "s", "pack", "1", ["preview", "update"], merge_modes([v("preview"), v("update")]))
    assert report.summary()["blocking"] == 1 and report.summary()["total"] == 1
    report.violations = []
    assert report.summary()["passed"] is True
    report.errors = [GateFailure("boom", "update")]
    assert report.summary()["passed"] is False
