"""Parity: the emulated gate (`mlgov check`) and the real engine agree on every corpus program and on the
bundled stack -- same exit code, same findings. Where they differed, the emulation (or the pack) was fixed
and the engine fact recorded in docs/gate.md ("Engine facts verified with the real CLI")."""

from __future__ import annotations

import pytest

from mlgov import gate
from mlgov.cli import exit_code
from mlgov.engines import pulumi_cli
from mlgov.pack import local_pack
from mlgov.policy_config import load_policy_config
from mlgov.project import load_project
from tests.real_engine.conftest import MODES, REPO
from tests.real_engine.corpus import PROGRAMS

pytestmark = pytest.mark.real_engine


def emulated(project_dir, modes, policy_config=None):
    options = gate.GateOptions(pack=local_pack(REPO), policy_config=load_policy_config(policy_config)
                               if policy_config else None)
    return gate.check(load_project(project_dir, "dev"), modes=modes, options=options)


def engine_exit(run) -> int:
    return 0 if run.returncode == 0 else 1


def finding_set(violations, *, with_messages=False):
    return {(tuple(v.modes), v.policy, v.name, v.enforcement, v.unverifiable) + ((v.message,) if with_messages else ())
            for v in violations}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.name)
def test_the_emulation_agrees_with_the_engine(corpus_runs, corpus_dir, program, mode):
    run = corpus_runs[(program.name, mode)]
    real = pulumi_cli.violations(run, None, project=f"corpus-{program.name}", stack="dev")
    report = emulated(corpus_dir / program.name, (mode,))
    assert exit_code(report) == engine_exit(run), run.output[-2000:]
    mandatory = {(v.policy, v.name) for v in real if v.enforcement == "mandatory" and not v.unverifiable}
    assert {(v.policy, v.name) for v in report.violations
            if v.enforcement == "mandatory" and not v.unverifiable} == mandatory
    assert finding_set(report.violations) == finding_set(real)
    expected = program.blocked_by if (mode == "update" or program.blocks_in_preview) else frozenset()
    assert mandatory == set(expected)


def test_the_bundled_stack_agrees_message_for_message(bundled_cli_report):
    report = emulated(REPO, MODES)  # both modes in one report, merged across modes as the engine's report is
    engine = {(tuple(v["modes"]), v["policy"], v["name"], v["enforcement"], v["unverifiable"], v["message"])
              for v in bundled_cli_report["violations"]}
    assert finding_set(report.violations, with_messages=True) == engine
    assert engine  # the preview notes at least: the comparison is not of two empty sets
    assert bundled_cli_report["summary"]["resources"]["preview"] == report.resources_evaluated["preview"]
