"""mlgov.cli: argument handling that needs no run (the runs are in test_cli_e2e.py)."""

from __future__ import annotations

import pytest

from mlgov.cli import UsageError, _config_pairs, report_targets


@pytest.mark.parametrize(("formats", "outputs", "targets"), [
    (None, None, [("text", None)]),
    (None, ["r.txt"], [("text", "r.txt")]),
    (["json"], None, [("json", None)]),
    (["json", "sarif"], ["r.json", "r.sarif"], [("json", "r.json"), ("sarif", "r.sarif")]),
    (["json", "text"], ["r.json"], [("json", "r.json"), ("text", None)]),
])
def test_each_format_pairs_with_its_output(formats, outputs, targets):
    assert report_targets(formats, outputs) == targets


@pytest.mark.parametrize(("formats", "outputs"), [(["json"], ["a", "b"]), (["json", "sarif", "text"], ["a"])])
def test_unpaired_formats_and_outputs_are_usage_errors(formats, outputs):
    with pytest.raises(UsageError, match="one --output per --format"):
        report_targets(formats, outputs)


def test_config_pairs_and_secrets():
    assert _config_pairs(["a=1", "aws:region=eu-west-1", "tok=secret:abc=d"], "--config") == [
        ("a", "1", False), ("aws:region", "eu-west-1", False), ("tok", "abc=d", True)]
    assert _config_pairs(["tok=xyz"], "--config-secret") == [("tok", "xyz", True)]
    with pytest.raises(UsageError, match="KEY=VALUE"):
        _config_pairs(["novalue"], "--config")
