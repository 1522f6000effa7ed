"""SageMaker's CloudWatch log groups, created by the stack so they are encrypted with the platform logs key.

SageMaker writes job and Studio logs to fixed group names under /aws/sagemaker/ (SageMaker Developer Guide, "Log
Amazon SageMaker AI events with Amazon CloudWatch"). Left to SageMaker, a group is created on first use without a
key and with no retention. Created here, each has the logs key, a retention, and is protected and retained: the team
roles may write streams into these groups only and cannot create others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from ml_dataset_governance.infra.context import DeployContext

SAGEMAKER_LOG_PREFIX = "/aws/sagemaker/"
SAGEMAKER_LOG_GROUPS: tuple[str, ...] = ("TrainingJobs", "ProcessingJobs", "TransformJobs", "studio")
SAGEMAKER_LOG_RETENTION_DAYS = 365


def sagemaker_log_group_arn_pattern(ctx: DeployContext) -> pulumi.Output[str]:
    return ctx.arn("logs", f"log-group:{SAGEMAKER_LOG_PREFIX}*")


@dataclass
class SageMakerLogsArgs:
    ctx: DeployContext
    logs_key_arn: pulumi.Input[str]
    tags: Mapping[str, str]


class SageMakerLogs(pulumi.ComponentResource):
    groups: dict[str, aws.cloudwatch.LogGroup]

    def __init__(self, name: str, args: SageMakerLogsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlgov:infra:SageMakerLogs", name, None, opts)
        self.groups = {}
        for group in SAGEMAKER_LOG_GROUPS:
            self.groups[group] = aws.cloudwatch.LogGroup(
                f"{name}-{group.lower()}",
                name=f"{SAGEMAKER_LOG_PREFIX}{group}",
                kms_key_id=args.logs_key_arn,
                retention_in_days=SAGEMAKER_LOG_RETENTION_DAYS,
                tags=dict(args.tags),
                opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True),
            )
        self.register_outputs({"logGroupArns": self.arns})

    @property
    def arns(self) -> dict[str, pulumi.Output[str]]:
        return {group: lg.arn for group, lg in self.groups.items()}
