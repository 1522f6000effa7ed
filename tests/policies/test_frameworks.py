"""Framework references are spelled one way: name, version and control, as reports and docs print them."""

from __future__ import annotations

from ml_dataset_governance.policies.catalog import all_rules
from ml_dataset_governance.policies.frameworks import AWS_CONFIG, CIS, FSBP, NIST


def test_each_framework_has_one_name_and_version():
    assert [str(f) for f in (FSBP("S3.8"), NIST("SC-28"), CIS("2.1.4"), AWS_CONFIG("sagemaker-domain-in-vpc"))] == [
        "AWS FSBP 1.0.0 S3.8", "NIST 800-53 r5 SC-28", "CIS AWS Foundations 3.0.0 2.1.4",
        "AWS Config managed-rule sagemaker-domain-in-vpc"]


def test_the_catalog_uses_only_these_frameworks():
    known = {("AWS FSBP", "1.0.0"), ("NIST 800-53", "r5"), ("CIS AWS Foundations", "3.0.0"),
             ("AWS Config", "managed-rule")}
    used = {(f.name, f.version) for r in all_rules() for f in r.frameworks}
    assert used <= known, used - known
