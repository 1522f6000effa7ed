"""mlgov.reports.text: the terminal report."""

from __future__ import annotations

import re

from mlgov.reports import render
from tests.mlgov.reports.report_samples import (
    ANSI,
    BUCKET,
    KEY,
    empty_report,
    full_report,
)

# --- text ----------------------------------------------------------------------------------------------------------


def test_text_table_lists_each_finding_once_and_ends_with_the_summary_and_a_hint():
    out = render("text", full_report())
    assert ANSI.search(out) is None
    lines = out.splitlines()
    assert lines[-2] == "2 mandatory, 2 advisory, 1 exempted, 1 cannot be verified in preview — FAILED"
    assert lines[-1].startswith("`mlgov explain s3-bucket-")
    assert lines[0] == "mlgov: proj/dev — policy pack mlgov-pack 0.3.1"
    assert lines[1] == "  preview: 12 resources evaluated; update: 12 resources evaluated"
    table = lines.index("FINDINGS (5)")
    header = lines[table + 1].split()
    assert header == ["POLICY", "ENFORCEMENT", "SEVERITY", "RESOURCE", "MESSAGE"]
    # the unverifiable note is listed briefly, not in the table
    notes = lines.index("  1 cannot be verified in preview (checked again on update):")
    assert table < notes
    assert lines[notes + 1] == f"    - kms-key-rotated: datasets-key ({KEY})"
    assert "can't run policy" not in out
    body = "\n".join(lines[table:notes])
    assert body.index("mandatory") < body.index("exempted")
    assert "secure config key proj:dbPassword is not available offline" in out


def test_text_shows_modes_and_the_declaring_line():
    report = full_report()
    merged = report.violations[2]
    merged.modes, merged.file, merged.line = ["preview", "update"], "infra/data.py", 42
    out = render("text", report)
    lines = out.splitlines()
    located = next(n for n, line in enumerate(lines) if "infra/data.py:42" in line)
    assert "s3-bucket-versioned" in lines[located - 2] and "only)" not in lines[located - 2]  # seen in every mode
    assert "(preview only) s3-bucket-versioned" in out  # the other, hand-built one, only in preview


def test_text_fits_a_narrow_terminal():
    out = render("text", full_report(), width=80)
    assert max(len(line) for line in out.splitlines()) <= 80


def test_text_wraps_long_messages_within_the_width():
    report = full_report()
    report.violations[1].message = " ".join(["word"] * 80) + " " + "x" * 300
    out = render("text", report)
    assert max(len(line) for line in out.splitlines()) <= 120
    assert out.count("x" * 40) >= 5  # an unbreakable token is broken, not lost
    first_row = next(line for line in out.splitlines() if line.startswith("  s3-bucket-encrypted"))
    continuation = out.splitlines()[out.splitlines().index(first_row) + 1]
    assert BUCKET in continuation  # the resource type goes under its name


def test_text_message_newlines_stay_inside_the_message_column():
    out = render("text", full_report())
    lines = out.splitlines()
    i = next(n for n, line in enumerate(lines) if "pipe | less-than" in line)
    column = lines[i].index("(update only) pipe | less-than")
    assert lines[i + 1][:column].strip().endswith(BUCKET)
    j = next(n for n, line in enumerate(lines) if "second line" in line)
    assert i < j <= i + 3 and lines[j].index("second line") == column and not lines[j][:column].strip("/ ")


def test_text_colour_is_added_only_on_request():
    plain, coloured = render("text", full_report()), render("text", full_report(), color=True)
    assert ANSI.search(plain) is None and ANSI.search(coloured)
    assert ANSI.sub("", re.sub(r"\x1b\[[0-9;]*m", "", coloured)) == plain
    assert "\x1b[1m\x1b[31mFAILED\x1b[0m" in coloured
    assert "\x1b[1m\x1b[32mPASSED\x1b[0m" in render("text", empty_report(), color=True)


def test_text_shows_control_characters_instead_of_sending_them():
    report = full_report()
    report.violations[0].message = "bell\x07 esc\x1b[31m cr\rdel\x7f"
    out = render("text", report, color=True)
    assert "\x07" not in out and "\x7f" not in out and "\r" not in out
    assert "bell\\x07 esc\\x1b[31m cr" in out
