"""mlgov.gate: one source evaluated with its own pack process; results merged into one report."""

from __future__ import annotations

from mlgov.findings import Violation
from mlgov.gate import GateOptions, ModeResult, build_report, evaluate_source, repository_root
from mlgov.pack import local_pack
from mlgov.project import load_project
from mlgov.sources import ProgramSource
from mlgov.supervision import Supervisor


def _evaluate(project_dir, pack_dir, mode="update", config=None) -> ModeResult:
    options = GateOptions(pack=local_pack(pack_dir), policy_config=config, start_timeout=30, call_timeout=30)
    with Supervisor() as supervisor:
        result = evaluate_source(ProgramSource(load_project(project_dir), mode), options, supervisor)
        assert supervisor.children() == []  # its pack process ended with the evaluation
    return result


def test_findings_name_the_declaring_line_relative_to_the_repository(write_project, tiny_pack):
    project = write_project('aws.s3.Bucket("raw")\n')
    (project.parent / ".git").mkdir()  # the repository root is the project's parent
    result = _evaluate(project, tiny_pack)
    assert result.error == "" and result.pack == "tiny" and result.pack_version == "9.9.9"
    [finding] = result.violations
    assert (finding.policy, finding.name, finding.file, finding.line) == ("no-buckets", "raw", "proj/__main__.py", 3)
    assert result.resources == 3  # the Stack, the default provider, the bucket


def test_a_program_error_names_the_mode_and_the_user_line(write_project, tiny_pack):
    project = write_project('aws.s3.Bucket("raw")\nraise ValueError("no region")\n')
    result = _evaluate(project, tiny_pack, mode="preview")
    assert result.error == "the program failed in preview mode at __main__.py:4: ValueError: no region"
    assert result.violations == []


def test_a_config_error_is_the_mode_s_error(write_project, tiny_pack):
    result = _evaluate(write_project('aws.s3.Bucket("raw")\n'), tiny_pack, config={"no-buckets": {"limt": 1}})
    assert "no parameter 'limt'; did you mean 'limit'?" in result.error


def test_build_report_merges_findings_and_keeps_one_error_per_reason():
    def v(mode: str) -> Violation:
        return Violation("p", "mandatory", "high", "urn:x", "t", "n", "m", mode)

    preview = ModeResult("preview", [v("preview")], resources=3, pack="tiny", rules={"p": {}})
    update = ModeResult("update", [v("update")], resources=3, pack="tiny", rules={"p": {}})
    report = build_report([preview, update], project="p", stack="dev", source="/x")
    assert [x.modes for x in report.violations] == [["preview", "update"]] and not report.errors
    failing = [ModeResult("preview", error="policy config: bad"), ModeResult("update", error="policy config: bad")]
    report = build_report(failing, project="p", stack="dev", source="/x")
    assert [e.message for e in report.errors] == ["policy config: bad"] and report.resources_evaluated == {}


def test_repository_root(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert repository_root(tmp_path / "a" / "b") == tmp_path
