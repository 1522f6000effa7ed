"""Compliance-framework references, spelled one way across the catalog."""

from __future__ import annotations

from ml_dataset_governance.policies.model import Framework


def FSBP(control: str) -> Framework:  # noqa: N802 - reads like the framework's name
    """AWS Foundational Security Best Practices (Security Hub), e.g. FSBP("S3.8")."""
    return Framework("AWS FSBP", "1.0.0", control)


def NIST(control: str) -> Framework:  # noqa: N802
    """NIST SP 800-53 revision 5, e.g. NIST("SC-28")."""
    return Framework("NIST 800-53", "r5", control)


def CIS(control: str) -> Framework:  # noqa: N802
    """CIS AWS Foundations Benchmark v3.0.0, e.g. CIS("2.1.4")."""
    return Framework("CIS AWS Foundations", "3.0.0", control)


def AWS_CONFIG(rule: str) -> Framework:  # noqa: N802
    """An AWS Config managed rule, e.g. AWS_CONFIG("sagemaker-domain-in-vpc")."""
    return Framework("AWS Config", "managed-rule", rule)
