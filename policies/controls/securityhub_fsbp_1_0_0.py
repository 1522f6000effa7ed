"""AWS Security Hub CSPM controls (AWS Foundational Security Best Practices v1.0.0) that bear on ML datasets.

SageMaker.1-25, S3 and KMS are listed in full as the Security Hub user guide gives them ("Security Hub CSPM
controls for SageMaker AI / Amazon S3 / AWS KMS", with each control's AWS Config rule); IAM, EC2 and CloudTrail
only where they concern identities, networks and trails this pack governs.
"""

from __future__ import annotations

from ml_dataset_governance.policies.controls import Catalog, Control

_RUNTIME = "No pre-deployment check possible: "
_TEMPLATES = ("pulumi-aws 7 has no resource for it: checked when declared through CloudFormation, Cloud Control or "
              "aws-native (the template rule applies the job rules to it)")
_EXPERIMENT = "pulumi-aws 7 has none: the aws-native resource and CloudFormation/Cloud Control declarations"

SAGEMAKER = (
    Control("SageMaker.1", "Notebook instances should not have direct internet access",
            config_rule="sagemaker-notebook-no-direct-internet-access"),
    Control("SageMaker.2", "Notebook instances should be launched in a custom VPC",
            config_rule="sagemaker-notebook-instance-inside-vpc"),
    Control("SageMaker.3", "Users should not have root access to notebook instances",
            config_rule="sagemaker-notebook-instance-root-access-check"),
    Control("SageMaker.4", "Endpoint production variants should have an initial instance count greater than 1",
            config_rule="sagemaker-endpoint-config-prod-instance-count"),
    Control("SageMaker.5", "Models should have network isolation enabled",
            config_rule="sagemaker-model-isolation-enabled",
            note="a VPC-only model also passes sagemaker-model-network-isolated"),
    Control("SageMaker.6", "App image configurations should be tagged", config_rule="sagemaker-app-image-config-tagged",
            rules=("governance-required-tags",)),
    Control("SageMaker.7", "Images should be tagged", config_rule="sagemaker-image-tagged",
            rules=("governance-required-tags",)),
    Control("SageMaker.8", "Notebook instances should run on supported platforms",
            config_rule="sagemaker-notebook-instance-platform-version"),
    Control("SageMaker.9", "Data quality job definitions should have inter-container traffic encryption enabled",
            config_rule="sagemaker-data-quality-job-encrypt-in-transit"),
    Control("SageMaker.10", "Model explainability job definitions should have inter-container traffic encryption "
            "enabled", config_rule="sagemaker-model-explainability-job-encrypt-in-transit",
            rules=("cloudformation-template-governed",), note=_TEMPLATES),
    Control("SageMaker.11", "Data quality job definitions should have network isolation enabled",
            config_rule="sagemaker-data-quality-job-isolation"),
    Control("SageMaker.12", "Model bias job definitions should have network isolation enabled",
            config_rule="sagemaker-model-bias-job-isolation", rules=("cloudformation-template-governed",),
            note=_TEMPLATES),
    Control("SageMaker.13", "Model quality job definitions should have inter-container traffic encryption enabled",
            config_rule="sagemaker-model-quality-job-encrypt-in-transit", rules=("cloudformation-template-governed",),
            note=_TEMPLATES),
    Control("SageMaker.14", "Monitoring schedules should have network isolation enabled",
            config_rule="sagemaker-monitoring-schedule-isolation"),
    Control("SageMaker.15", "Model bias job definitions should have inter-container traffic encryption enabled",
            config_rule="sagemaker-model-bias-job-encrypt-in-transit", rules=("cloudformation-template-governed",),
            note=_TEMPLATES),
    Control("SageMaker.16", "Models should use private registry in VPC for primary containers",
            config_rule="sagemaker-model-private-registry-required",
            note="ECR of allowed accounts, or an allowed private registry reached with repositoryAccessMode 'Vpc'"),
    Control("SageMaker.17", "Feature group offline stores should be encrypted with AWS KMS keys",
            config_rule="sagemaker-featuregroup-encryption-at-rest"),
    Control("SageMaker.18", "Feature group online stores with standard storage should be encrypted with AWS KMS keys",
            config_rule="sagemaker-featuregroup-online-store-encryption"),
    Control("SageMaker.19", "Models should use private registry in VPC for multi-container inference pipelines",
            config_rule="sagemaker-model-multicontainer-private-registry"),
    Control("SageMaker.20", "Model explainability job definitions should have network isolation enabled",
            config_rule="sagemaker-model-explainability-job-network-isolation",
            rules=("cloudformation-template-governed",), note=_TEMPLATES),
    Control("SageMaker.21", "Notebook instances should be encrypted with customer managed AWS KMS keys",
            config_rule="sagemaker-notebook-instance-storage-vol-kms-encrypted"),
    Control("SageMaker.22", "Monitoring schedules should have inter-container traffic encryption enabled",
            config_rule="sagemaker-monitoring-schedule-traffic-encryption"),
    Control("SageMaker.23", "Inference experiments should have instance storage volume encrypted with customer "
            "managed AWS KMS keys", config_rule="sagemaker-inf-experiment-instance-storage-kms-encrypted",
            note=_EXPERIMENT),
    Control("SageMaker.24", "Inference experiments should have data storage encrypted with customer managed AWS KMS "
            "keys", config_rule="sagemaker-inf-experiment-data-storage-kms-encrypted", note=_EXPERIMENT),
    Control("SageMaker.25", "Model quality job definitions should have network isolation enabled",
            config_rule="sagemaker-model-quality-job-definition-isolation",
            rules=("cloudformation-template-governed",), note=_TEMPLATES),
)

S3 = (
    Control("S3.1", "General purpose buckets should have block public access settings enabled (account level)",
            config_rule="s3-account-level-public-access-blocks-periodic"),
    Control("S3.2", "General purpose buckets should block public read access",
            config_rule="s3-bucket-public-read-prohibited"),
    Control("S3.3", "General purpose buckets should block public write access",
            config_rule="s3-bucket-public-write-prohibited", rules=("s3-bucket-policy-not-public",)),
    Control("S3.5", "General purpose buckets should require requests to use SSL",
            config_rule="s3-bucket-ssl-requests-only", note="dataset buckets"),
    Control("S3.6", "General purpose bucket policies should restrict access to other AWS accounts",
            config_rule="s3-bucket-blacklisted-actions-prohibited"),
    Control("S3.7", "General purpose buckets should use cross-Region replication",
            config_rule="s3-bucket-cross-region-replication-enabled",
            why="Not required: replication is a resilience choice; where it copies to is governed by "
                "s3-replication-to-governed-buckets."),
    Control("S3.8", "General purpose buckets should block public access",
            config_rule="s3-bucket-level-public-access-prohibited"),
    Control("S3.9", "General purpose buckets should have server access logging enabled",
            config_rule="s3-bucket-logging-enabled",
            why="Not required: every object read and write of a dataset bucket is recorded by CloudTrail data events "
                "(cloudtrail-dataset-data-events)."),
    Control("S3.10", "General purpose buckets with versioning enabled should have Lifecycle configurations",
            config_rule="s3-version-lifecycle-policy-check", rules=("s3-dataset-bucket-lifecycle-configured",)),
    Control("S3.11", "General purpose buckets should have event notifications enabled",
            config_rule="s3-event-notifications-enabled",
            why="Not covered: detection wiring, not a dataset control (out of this pack's scope)."),
    Control("S3.12", "ACLs should not be used to manage user access to general purpose buckets",
            config_rule="s3-bucket-acl-prohibited"),
    Control("S3.13", "General purpose buckets should have Lifecycle configurations",
            config_rule="s3-lifecycle-policy-check"),
    Control("S3.14", "General purpose buckets should have versioning enabled",
            config_rule="s3-bucket-versioning-enabled"),
    Control("S3.15", "General purpose buckets should have Object Lock enabled",
            config_rule="s3-bucket-default-lock-enabled",
            note="buckets of immutable datasets"),
    Control("S3.17", "General purpose buckets should be encrypted at rest with AWS KMS keys",
            config_rule="s3-default-encryption-kms"),
    Control("S3.19", "Access points should have block public access settings enabled",
            config_rule="s3-access-point-public-access-blocks"),
    Control("S3.20", "General purpose buckets should have MFA delete enabled",
            config_rule="s3-bucket-mfa-delete-enabled",
            why=_RUNTIME + "MFA delete can only be turned on by the root user with an MFA code, never by a deployment; "
                "the pack denies object deletion to every team and protects dataset buckets instead."),
    Control("S3.22", "General purpose buckets should log object-level write events",
            config_rule="cloudtrail-all-write-s3-data-event-check"),
    Control("S3.23", "General purpose buckets should log object-level read events",
            config_rule="cloudtrail-all-read-s3-data-event-check"),
    Control("S3.24", "Multi-Region Access Points should have block public access settings enabled",
            config_rule="s3-mrap-public-access-blocked"),
    Control("S3.25", "Directory buckets should have lifecycle configurations",
            config_rule="s3express-dir-bucket-lifecycle-rules-check",
            why="Not covered: a cost control; directory-bucket encryption is (s3-directory-bucket-kms-encrypted)."),
)

KMS = (
    Control("KMS.1", "IAM customer managed policies should not allow decryption actions on all KMS keys",
            config_rule="iam-customer-policy-blocked-kms-actions",
            rules=("iam-policy-no-wildcard-resource-data-actions",)),
    Control("KMS.2", "IAM principals should not have IAM inline policies that allow decryption actions on all KMS keys",
            config_rule="iam-inline-policy-blocked-kms-actions"),
    Control("KMS.3", "AWS KMS keys should not be deleted unintentionally",
            config_rule="kms-cmk-not-scheduled-for-deletion-2",
            note="a scheduled deletion is runtime state: the pack keeps the longest waiting period and protects keys"),
    Control("KMS.4", "AWS KMS key rotation should be enabled", config_rule="cmk-backing-key-rotation-enabled"),
    Control("KMS.5", "KMS keys should not be publicly accessible", config_rule="kms-key-policy-no-public-access"),
)

CLOUDTRAIL = (
    Control("CloudTrail.1", "CloudTrail should be enabled and configured with at least one multi-Region trail that "
            "includes read and write management events", config_rule="multi-region-cloudtrail-enabled"),
    Control("CloudTrail.2", "CloudTrail should have encryption at rest enabled",
            config_rule="cloud-trail-encryption-enabled"),
    Control("CloudTrail.4", "CloudTrail log file validation should be enabled",
            config_rule="cloud-trail-log-file-validation-enabled"),
    Control("CloudTrail.5", "CloudTrail trails should be integrated with Amazon CloudWatch Logs",
            config_rule="cloud-trail-cloud-watch-logs-enabled",
            why="Not covered: alerting wiring; the trail itself is judged by cloudtrail-trail-secure."),
)

IAM = (
    Control("IAM.1", "IAM policies should not allow full \"*\" administrative privileges",
            config_rule="iam-policy-no-statements-with-admin-access"),
    Control("IAM.2", "IAM users should not have IAM policies attached", config_rule="iam-user-no-policies-check"),
    Control("IAM.3", "IAM users' access keys should be rotated every 90 days or less",
            config_rule="access-keys-rotated",
            why=_RUNTIME + "key age is runtime state; iam-user-no-long-lived-credentials flags keys created by the "
                "stack."),
    Control("IAM.4", "IAM root user access key should not exist", config_rule="iam-root-access-key-check",
            why=_RUNTIME + "root credentials are never managed by a deployment."),
    Control("IAM.5", "MFA should be enabled for all IAM users that have a console password",
            config_rule="mfa-enabled-for-iam-console-access",
            why=_RUNTIME + "MFA devices are enrolled by people; the pack flags console passwords created by the stack "
                "(iam-user-no-long-lived-credentials)."),
    Control("IAM.21", "IAM customer managed policies that you create should not allow wildcard actions for services",
            config_rule="iam-policy-no-statements-with-full-access"),
)

EC2 = (
    Control("EC2.2", "VPC default security groups should not allow inbound or outbound traffic",
            config_rule="vpc-default-security-group-closed", rules=("ec2-security-group-no-public-ingress",),
            note="partly: default groups are checked for internet ingress"),
    Control("EC2.6", "VPC flow logging should be enabled in all VPCs", config_rule="vpc-flow-logs-enabled"),
    Control("EC2.15", "EC2 subnets should not automatically assign public IP addresses",
            config_rule="subnet-auto-assign-public-ip-disabled"),
    Control("EC2.18", "Security groups should only allow unrestricted incoming traffic for authorized ports",
            config_rule="vpc-sg-open-only-to-authorized-ports"),
    Control("EC2.21", "Network ACLs should not allow ingress from 0.0.0.0/0 to port 22 or port 3389",
            config_rule="nacl-no-unrestricted-ssh-rdp"),
    Control("EC2.53", "EC2 security groups should not allow ingress from 0.0.0.0/0 to remote server administration "
            "ports", config_rule="vpc-sg-port-restriction-check", rules=("ec2-security-group-no-public-ingress",)),
    Control("EC2.54", "EC2 security groups should not allow ingress from ::/0 to remote server administration ports",
            config_rule="vpc-sg-port-restriction-check", rules=("ec2-security-group-no-public-ingress",)),
)

CATALOG = Catalog(
    framework="AWS FSBP",
    version="1.0.0",
    title="AWS Security Hub (Foundational Security Best Practices v1.0.0)",
    source="AWS Security Hub CSPM user guide, control references for SageMaker AI, Amazon S3, AWS KMS, IAM, "
           "Amazon EC2 and CloudTrail (https://docs.aws.amazon.com/securityhub/latest/userguide/)",
    scope="SageMaker.1-25, S3 and KMS in full; IAM, EC2 and CloudTrail where they concern identities, networks and "
          "trails this pack governs.",
    controls=SAGEMAKER + S3 + KMS + CLOUDTRAIL + IAM + EC2,
)
