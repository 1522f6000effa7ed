"""SageMaker's log groups: created by the stack, encrypted with the platform logs key, retained, protected."""

from __future__ import annotations

from infra_stack_helpers import KMS_ALIAS, KMS_KEY, LOG_GROUP, depends_on, one

from mlgov.program import ProgramRun

EXPECTED = {"/aws/sagemaker/TrainingJobs", "/aws/sagemaker/ProcessingJobs", "/aws/sagemaker/TransformJobs",
            "/aws/sagemaker/studio"}


def test_sagemaker_log_groups_are_encrypted_with_the_logs_key_and_kept(any_run: ProgramRun) -> None:
    alias = one([a for a in any_run.by_type(KMS_ALIAS) if a.inputs["name"] == "alias/mlgov/platform/logs"], "alias")
    logs_key = one([k for k in any_run.by_type(KMS_KEY) if depends_on(alias, "targetKeyId", k)], "logs key")
    groups = {g.inputs["name"]: g for g in any_run.by_type(LOG_GROUP) if g.inputs["name"].startswith("/aws/sagemaker/")}
    assert set(groups) == EXPECTED
    for name, group in groups.items():
        assert depends_on(group, "kmsKeyId", logs_key), name
        assert group.inputs["retentionInDays"] >= 365, name
        assert group.protect and group.retain_on_delete, name
