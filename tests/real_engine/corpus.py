"""Small Pulumi programs for the real engine: one mandatory rule family broken per program, a stack-policy
violation, an advisory-only finding and a compliant baseline. Each names the mandatory findings expected."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

PRELUDE = '''
import json
import pulumi
import pulumi_aws as aws

TAGS = {"classification": "internal", "owner": "ml-platform", "project": "corpus"}
'''


@dataclass(frozen=True)
class Program:
    name: str
    source: str
    # (policy, logical resource name) of every mandatory finding the pack must report, in the mode shown
    blocked_by: frozenset[tuple[str, str]] = frozenset()
    advisory: frozenset[tuple[str, str]] = frozenset()
    stack_only: bool = False  # blocked only by a stack policy (AnalyzeStack), after the resources exist
    blocks_in_preview: bool = True  # False: the violating value is computed, so preview can only note it

    def write(self, root: Path) -> Path:
        project = root / self.name
        project.mkdir(parents=True, exist_ok=True)
        (project / "Pulumi.yaml").write_text(f"name: corpus-{self.name}\nruntime: python\n")
        (project / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n")
        (project / "__main__.py").write_text(PRELUDE + textwrap.dedent(self.source))
        return project


def _f(*pairs: tuple[str, str]) -> frozenset[tuple[str, str]]:
    return frozenset(pairs)


PROGRAMS = [
    Program("compliant-key", """
        aws.kms.Key("data-key", enable_key_rotation=True, deletion_window_in_days=30, tags=TAGS,
                    opts=pulumi.ResourceOptions(protect=True))
    """),
    Program("sagemaker-notebook-internet", """
        aws.sagemaker.NotebookInstance(
            "nb", instance_type="ml.t3.medium", role_arn="arn:aws:iam::123456789012:role/studio-exec",
            subnet_id="subnet-0a1b2c3d", security_groups=["sg-0a1b2c3d"], root_access="Disabled",
            direct_internet_access="Enabled",
            instance_metadata_service_configuration={"minimum_instance_metadata_service_version": "2"},
            kms_key_id="arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", tags=TAGS)
    """, blocked_by=_f(("sagemaker-notebook-no-direct-internet", "nb"))),
    Program("s3-public-access-block-open", """
        aws.s3.AccountPublicAccessBlock("account", block_public_acls=True, block_public_policy=True,
                                        ignore_public_acls=True, restrict_public_buckets=False)
    """, blocked_by=_f(("s3-account-public-access-block-all-enabled", "account"))),
    Program("kms-rotation-off", """
        aws.kms.Key("data-key", enable_key_rotation=False, deletion_window_in_days=30, tags=TAGS,
                    opts=pulumi.ResourceOptions(protect=True))
    """, blocked_by=_f(("kms-key-rotation-enabled", "data-key"))),
    Program("iam-admin-policy", """
        aws.iam.Policy("admin", policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]}), tags=TAGS)
    """, blocked_by=_f(("iam-no-admin-access", "admin"))),
    Program("network-open-ingress", """
        aws.ec2.SecurityGroup("open", vpc_id="vpc-0a1b2c3d", description="ssh from anywhere", tags=TAGS,
                              ingress=[aws.ec2.SecurityGroupIngressArgs(protocol="tcp", from_port=22, to_port=22,
                                                                        cidr_blocks=["0.0.0.0/0"])])
    """, blocked_by=_f(("ec2-security-group-no-public-ingress", "open"))),
    Program("stack-unblocked-bucket", """
        aws.s3.Bucket("loose", tags=TAGS)
    """, blocked_by=_f(("s3-bucket-kms-encrypted", "loose"), ("s3-bucket-public-access-blocked", "loose")),
            advisory=_f(("s3-bucket-ownership-controls-declared", "loose")), stack_only=True),
    Program("advisory-public-subnet", """
        aws.ec2.Subnet("public", vpc_id="vpc-0a1b2c3d", cidr_block="10.0.1.0/24", map_public_ip_on_launch=True,
                       tags=TAGS)
    """, advisory=_f(("ec2-subnet-no-public-ip", "public"))),
]

# Shapes where the two engines could drift: computed values (unknown in preview), a data source
# (Invoke), an explicit provider, a secret input, a component parent.
PROGRAMS += [
    Program("governed-bucket-computed", """
        key = aws.kms.Key("key", enable_key_rotation=True, deletion_window_in_days=30, tags=TAGS,
                          opts=pulumi.ResourceOptions(protect=True))
        bucket = aws.s3.Bucket("data", tags=TAGS)
        aws.s3.BucketPublicAccessBlock("data-pab", bucket=bucket.id, block_public_acls=True,
                                       block_public_policy=True, ignore_public_acls=True,
                                       restrict_public_buckets=True)
        aws.s3.BucketOwnershipControls("data-owner", bucket=bucket.id,
                                       rule={"object_ownership": "BucketOwnerEnforced"})
        aws.s3.BucketServerSideEncryptionConfiguration(
            "data-sse", bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms",
                                                                "kms_master_key_id": key.arn},
                    "bucket_key_enabled": True}])
        pulumi.export("bucket", bucket.bucket)
    """),
    Program("iam-policy-document-invoke", """
        doc = aws.iam.get_policy_document(statements=[{"effect": "Allow", "actions": ["*"], "resources": ["*"]}])
        aws.iam.Policy("from-document", policy=doc.json, tags=TAGS)
    """, blocked_by=_f(("iam-no-admin-access", "from-document"))),
    Program("explicit-provider-component", """
        class Keys(pulumi.ComponentResource):
            def __init__(self, name, opts=None):
                super().__init__("corpus:index:Keys", name, None, opts)
                west = aws.Provider("west", region="us-west-2", opts=pulumi.ResourceOptions(parent=self))
                aws.kms.Key(f"{name}-key", enable_key_rotation=False, deletion_window_in_days=30, tags=TAGS,
                            opts=pulumi.ResourceOptions(parent=self, provider=west, protect=True))
                self.register_outputs({})

        Keys("team")
    """, blocked_by=_f(("kms-key-rotation-enabled", "team-key"))),
    Program("secret-admin-policy", """
        statement = {"Effect": "Allow", "Action": "*", "Resource": "*"}
        aws.iam.Policy("secret-admin", tags=TAGS,
                       policy=pulumi.Output.secret(json.dumps({"Version": "2012-10-17", "Statement": [statement]})))
    """, blocked_by=_f(("iam-no-admin-access", "secret-admin"))),
    Program("computed-admin-role-policy", """
        role = aws.iam.Role("worker", tags=TAGS, assume_role_policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "ec2.amazonaws.com"},
                                                    "Condition": {"StringEquals": {
                                                        "aws:SourceAccount": "123456789012"}}}]}))
        aws.iam.RolePolicy("worker-admin", role=role.name, policy=role.arn.apply(lambda arn: json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})))
    """, blocked_by=_f(("iam-no-admin-access", "worker-admin")), blocks_in_preview=False),
]

BY_NAME = {p.name: p for p in PROGRAMS}
