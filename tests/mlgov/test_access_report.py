"""`mlgov access` and the keystone of the access model: on the bundled stack, the matrix computed from the resources
equals the catalog's (the stack's own `accessMatrix` export), cell by cell; a grant outside the catalog, added to the
bundled stack, fails `mlgov check` naming the principal."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from ml_dataset_governance.policies.access.catalog import stack_catalog_from_env
from ml_dataset_governance.policies.access.view import compute

from mlgov.access_report import _stack_of, compute_matrix, render
from mlgov.gate import run_project
from mlgov.project import load_project

REPO = Path(__file__).resolve().parents[2]
EXPORTED = {"none": [], "read": ["read"], "write": ["read", "write"]}


@pytest.fixture(scope="module")
def bundled_run():
    project = load_project(REPO, "dev")
    return project, run_project(project, preview=False)


def test_the_bundled_stacks_computed_matrix_equals_its_access_matrix_export(bundled_run):
    project, run = bundled_run
    environ = {"PULUMI_PROJECT": project.name, "PULUMI_CONFIG": json.dumps(project.pulumi_config())}
    catalog = stack_catalog_from_env(environ)
    view = compute(_stack_of(run.resources), catalog)
    computed: dict[str, dict[str, list[str]]] = {team.name: {} for team in catalog.principals}
    admins = set(json.loads(project.pulumi_config().get(f"{project.name}:adminRoleArns") or "[]"))
    assert admins, "the bundled stack names its administrators"
    for dataset in view.datasets:
        for entry in dataset.access:
            if entry.arn in admins:  # the stack's administrators: catalog managers of every dataset, nothing more
                assert entry.levels == {"manage"}, (entry.principal, dataset.dataset.name)
                continue
            teams = catalog.principals_matching(entry.principal, entry.arn, entry.tags)
            assert len(teams) == 1, f"{entry.principal} belongs to no team of the catalog"
            computed[teams[0]][dataset.dataset.name] = sorted(entry.levels)
    exported = run.outputs["accessMatrix"]
    assert set(exported) == set(computed)
    for team, row in exported.items():
        for dataset, cell in row.items():
            assert computed[team].get(dataset, []) == EXPORTED[cell], (team, dataset)
    assert view.unknown == [] and view.unverifiable == []


def test_mlgov_access_prints_the_catalog_matrix_with_no_difference():
    matrix = compute_matrix(str(REPO), stack="dev")
    assert not matrix.differs()
    data = json.loads(render("json", matrix))
    assert [d["dataset"] for d in data["datasets"]] == ["clickstream-raw", "customer-features", "training-ledger"]
    for dataset in data["datasets"]:
        for row in dataset["access"]:
            assert set(row) >= {"principal", "levels", "granted_by"}
            assert set(row["levels"]) <= {"read", "write", "delete", "manage"} and row["granted_by"]
            assert not row["differs"]
    assert data["teams"]["audit"] == {"customer-features": ["read"], "training-ledger": ["read"]}
    text = render("text", matrix)
    assert "every cell matches the catalog" in text and "roles-data-science (data-science)" in text
    assert "| principal |" in render("markdown", matrix)


ROGUE_PROGRAM = '''
import runpy
import pulumi
import pulumi_aws as aws

stack = runpy.run_path({infra!r}, run_name="__main__")
ledger = stack["datasets"].bucket_arns["training-ledger"]
ledger_key = stack["keys"].dataset_keys["training-ledger"].arn
analyst = aws.iam.Role(
    "rogue-analyst",
    assume_role_policy=pulumi.Output.json_dumps({{"Version": "2012-10-17", "Statement": [{{
        "Effect": "Allow", "Principal": {{"Service": "sagemaker.amazonaws.com"}}, "Action": "sts:AssumeRole",
        "Condition": {{"StringEquals": {{"aws:SourceAccount": "123456789012"}}}}}}]}}),
    tags={{"classification": "restricted", "owner": "audit", "project": "ml-dataset-governance",
           "managed-by": "pulumi"}})
aws.iam.RolePolicy("rogue-analyst", role=analyst.id, policy=pulumi.Output.json_dumps({{
    "Version": "2012-10-17", "Statement": [
        {{"Sid": "ReadLedger", "Effect": "Allow", "Action": "s3:GetObject",
          "Resource": pulumi.Output.concat(ledger, "/*")}},
        {{"Sid": "DecryptLedger", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": ledger_key}}]}}))
# The ledger's key policy lets only its catalog roles use it, so the rogue also needs a grant on the key.
aws.kms.Grant("rogue-analyst-ledger", key_id=ledger_key, grantee_principal=analyst.arn, operations=["Decrypt"])
'''


@pytest.fixture(scope="module")
def rogue_project(tmp_path_factory):
    root = tmp_path_factory.mktemp("rogue")
    (root / "prog").mkdir()
    (root / "prog" / "__main__.py").write_text(textwrap.dedent(ROGUE_PROGRAM.format(
        infra=str(REPO / "infra" / "__main__.py"))))
    (root / "Pulumi.yaml").write_text("name: ml-dataset-governance\nruntime: python\nmain: prog/\n")
    shutil.copy(REPO / "Pulumi.dev.yaml", root / "Pulumi.dev.yaml")
    return root


def test_a_grant_outside_the_catalog_fails_mlgov_check_naming_the_principal(rogue_project):
    out = subprocess.run([sys.executable, "-m", "mlgov", "check", str(rogue_project), "--stack", "dev",
                          "--mode", "update", "--format", "json"],
                         capture_output=True, text=True, timeout=600, cwd="/")
    assert out.returncode == 1, out.stderr[-2000:]
    report = json.loads(out.stdout)
    found = [v for v in report["violations"] if v["policy"] == "s3-dataset-access-matches-catalog"]
    assert found and all(v["enforcement"] == "mandatory" for v in found)
    [message] = [v["message"] for v in found]
    assert "principal 'rogue-analyst'" in message and "dataset 'training-ledger'" in message
    assert "statement 'ReadLedger'" in message


def test_mlgov_access_marks_the_rogue_cell(rogue_project):
    matrix = compute_matrix(str(rogue_project), stack="dev")
    assert matrix.differs()
    data = matrix.as_json()
    ledger = next(d for d in data["datasets"] if d["dataset"] == "training-ledger")
    rogue = next(r for r in ledger["access"] if r["principal"] == "rogue-analyst")
    assert rogue["differs"] and rogue["levels"] == ["read"] and rogue["catalog"] == []
    assert "rogue-analyst" in render("text", matrix) and "differs from the catalog" in render("text", matrix)
