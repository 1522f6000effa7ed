"""mlgov.testing: the harness any pack's tests use, through the engine's path."""

from __future__ import annotations

from typing import Any

from mlgov.analyzer import InProcessAnalyzer
from mlgov.testing import UNKNOWN, evaluate, resource


def _pack() -> InProcessAnalyzer:
    from pulumi_policy import EnforcementLevel, ResourceValidationPolicy

    def versioned(args: Any, report: Any) -> None:
        if args.props.get("versioning") is not True:  # reading an unknown raises: the SDK's preview note
            report(f"{args.name} is not versioned.")

    def exempted(args: Any, report: Any) -> None:
        report(f"{args.name} is open.\nexempted: legacy bucket, ticket 42 (no expiry)")

    return InProcessAnalyzer([
        ResourceValidationPolicy(name="versioned", description="Versioned", validate=versioned,
                                 enforcement_level=EnforcementLevel.MANDATORY),
        ResourceValidationPolicy(name="open", description="Open", validate=exempted,
                                 enforcement_level=EnforcementLevel.ADVISORY),
    ])


def test_flagged_unverifiable_and_exempted_as_the_gate_reads_them():
    result = evaluate([resource("aws:s3/bucket:Bucket", "plain", {"versioning": False}),
                       resource("aws:s3/bucket:Bucket", "computed", {"versioning": UNKNOWN}),
                       resource("aws:s3/bucket:Bucket", "good", {"versioning": True})], analyzer=_pack())
    assert result.flagged("versioned") == {"plain"}
    assert result.unverifiable("versioned") == {"computed"}
    assert [d.policy for d in result.mandatory()] == ["versioned"]
    assert result.flagged("open") == set()  # exempted findings are not flagged
    assert {result.names_by_urn[d.urn] for d in result.exempted()} == {"plain", "computed", "good"}
