"""What every component needs to know about where it is deployed, and small IAM document helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi


def partition_for(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


@dataclass(frozen=True)
class DeployContext:
    project: str
    stack: str
    region: str
    account_id: pulumi.Input[str]

    @property
    def partition(self) -> str:
        return partition_for(self.region)

    @property
    def prefix(self) -> str:
        """Physical-name prefix of this stack's resources."""
        return f"{self.project}-{self.stack}"

    def arn(self, service: str, resource: pulumi.Input[str], *, region: bool = True) -> pulumi.Output[str]:
        """arn:<partition>:<service>:<region>:<account>:<resource>."""
        where = self.region if region else ""
        return pulumi.Output.concat(f"arn:{self.partition}:{service}:{where}:", self.account_id, ":", resource)

    @property
    def account_root_arn(self) -> pulumi.Output[str]:
        return pulumi.Output.concat(f"arn:{self.partition}:iam::", self.account_id, ":root")


def policy_document(*statements: dict[str, Any]) -> pulumi.Output[str]:
    """An IAM policy document as a JSON string; statements may hold Outputs anywhere."""
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def service_trust_policy(service: str, account_id: pulumi.Input[str], *, actions: tuple[str, ...] = ("sts:AssumeRole",),
                         source_arn_like: pulumi.Input[str] | None = None) -> pulumi.Output[str]:
    """A role trust policy for one AWS service principal, confined to this account (confused-deputy guard)."""
    condition: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": account_id}}
    if source_arn_like is not None:
        condition["ArnLike"] = {"aws:SourceArn": source_arn_like}
    return policy_document({
        "Sid": "TrustServiceFromThisAccount",
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": list(actions) if len(actions) > 1 else actions[0],
        "Condition": condition,
    })
