"""mlgov.reports.markdown: PR comments and job summaries."""

from __future__ import annotations

from mlgov.reports import markdown, render
from tests.mlgov.reports.report_samples import (
    assert_tables_intact,
    empty_report,
    full_report,
    tables,
    violation,
)

# --- markdown ------------------------------------------------------------------------------------------------------

def test_markdown_layout():
    out = render("markdown", full_report())
    assert out.startswith("## ❌ mlgov FAILED: proj/dev\n")
    assert "**2 mandatory, 2 advisory, 1 exempted, 1 cannot be verified in preview — FAILED**" in out
    assert "| 2 | 2 | 1 | 1 | preview: 12, update: 12 |" in out
    blocking = out.index("### Blocking findings (2)")
    advisory = out.index("<summary>Advisory findings (2)</summary>")
    exempted = out.index("<summary>Exempted findings (1)</summary>")
    unverifiable = out.index("<summary>Cannot be verified in preview (1)</summary>")
    warnings = out.index("<summary>Warnings (1)</summary>")
    assert blocking < advisory < exempted < unverifiable < warnings
    assert out.count("<details>") == out.count("</details>") == 4
    # the blocking table holds only the blocking findings, linked to the rule's docs
    blocking_table = out[blocking:advisory]
    assert "[`s3-bucket-encrypted`](https://example.com/rules/s3-bucket-encrypted)" in blocking_table
    assert "advisory" not in blocking_table and "exempted" not in blocking_table


def test_markdown_cells_escape_pipes_newlines_and_html():
    out = render("markdown", full_report())
    assert_tables_intact(out)
    assert [len(t) for t in tables(out)] == [3, 4, 4, 3, 3]  # counts, blocking, advisory, exempted, unverifiable
    assert "pipe \\| less-than &lt; amp &amp; quote \" apostrophe ' gt &gt; newline<br>second line" in out
    assert "<b>" not in out and "\nsecond line" not in out


def test_markdown_neutralises_mentions_markup_and_injection():
    report = full_report()
    report.violations[0].message = "ping @octo-org/admins <script>alert(1)</script> [x](javascript:1) **bold** `tick`"
    report.violations[0].name = "name`with|tick"
    out = render("markdown", report)
    assert "@octo-org" not in out and "@\u200bocto-org" in out
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "\\[x\\]\\(javascript:1\\)" in out and "\\*\\*bold\\*\\*" in out and "\\`tick\\`" in out
    assert "name\\`with\\|tick" in out
    assert_tables_intact(out)


def test_markdown_single_mode_drops_the_mode_column_and_caps_long_tables(monkeypatch):
    monkeypatch.setattr(markdown, "MAX_ROWS", 3)
    report = empty_report()
    report.violations = [violation("s3-bucket-encrypted", "mandatory", f"b{i}", mode="preview") for i in range(5)]
    out = render("markdown", report)
    assert "| Policy | Enforcement | Severity | Resource | Message |" in out
    assert "…and 2 more: see the JSON or SARIF report." in out
    assert out.count("| `s3-bucket-encrypted`") == 0 and out.count("[`s3-bucket-encrypted`]") == 3
