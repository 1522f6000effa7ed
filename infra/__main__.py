"""The governed ML-dataset stack: network, keys, datasets, audit, Studio domain and team access."""

import pulumi
import pulumi_aws as aws
from ml_dataset_governance.infra.access import AccessArgs, TeamAccess
from ml_dataset_governance.infra.audit import Audit, AuditArgs, trail_arn
from ml_dataset_governance.infra.catalog import load_settings
from ml_dataset_governance.infra.context import DeployContext
from ml_dataset_governance.infra.datasets import Datasets, DatasetsArgs
from ml_dataset_governance.infra.keys import Keys, KeysArgs
from ml_dataset_governance.infra.network import Network, NetworkArgs, flow_log_group_arn_pattern
from ml_dataset_governance.infra.report import exportable_matrix
from ml_dataset_governance.infra.studio import StudioDomain, StudioDomainArgs, StudioProfilesArgs, StudioUserProfiles
from ml_dataset_governance.infra.tags import dataset_tags, platform_tags, team_tags

settings = load_settings()
catalog = settings.catalog
project = pulumi.get_project()
ctx = DeployContext(
    project=project,
    stack=pulumi.get_stack(),
    region=pulumi.Config("aws").require("region"),
    account_id=aws.get_caller_identity_output().account_id,
)
shared_tags = platform_tags(project, catalog)
per_dataset_tags = {d.name: dataset_tags(project, d) for d in catalog.datasets}
per_team_tags = {t.name: team_tags(project, catalog, t.name) for t in catalog.teams}

keys = Keys("keys", KeysArgs(
    catalog=catalog,
    ctx=ctx,
    trail_arn=trail_arn(ctx),
    log_group_arn_pattern=flow_log_group_arn_pattern(ctx),
    dataset_tags=per_dataset_tags,
    platform_tags=shared_tags,
))

network = Network("network", NetworkArgs(
    ctx=ctx,
    cidr_block=settings.vpc_cidr,
    logs_key_arn=keys.logs_key.arn,
    tags=shared_tags,
))

datasets = Datasets("datasets", DatasetsArgs(
    catalog=catalog,
    ctx=ctx,
    key_arns={name: key.arn for name, key in keys.dataset_keys.items()},
    s3_endpoint_id=network.s3_endpoint.id,
    admin_role_arns=settings.admin_role_arns,
    dataset_tags=per_dataset_tags,
))

audit = Audit("audit", AuditArgs(
    ctx=ctx,
    audit_key_arn=keys.audit_key.arn,
    dataset_bucket_arns=datasets.bucket_arns,
    s3_endpoint_id=network.s3_endpoint.id,
    admin_role_arns=settings.admin_role_arns,
    tags=shared_tags,
))

studio_security_groups = [network.studio_security_group.id]
studio = StudioDomain("studio", StudioDomainArgs(
    ctx=ctx,
    vpc_id=network.vpc.id,
    subnet_ids=[s.id for s in network.subnets],
    security_group_ids=studio_security_groups,
    kms_key_arn=keys.studio_key.arn,
    tags=shared_tags,
))

access = TeamAccess("access", AccessArgs(
    catalog=catalog,
    ctx=ctx,
    domain_id=studio.domain.id,
    bucket_arns=datasets.bucket_arns,
    key_arns={name: key.arn for name, key in keys.dataset_keys.items()},
    team_tags=per_team_tags,
    permissions_boundary_arn=settings.permissions_boundary_arn,
))

StudioUserProfiles("profiles", StudioProfilesArgs(
    domain_id=studio.domain.id,
    role_arns=access.role_arns,
    security_group_ids=studio_security_groups,
    team_tags=per_team_tags,
))

pulumi.export("studioDomainId", studio.domain.id)
pulumi.export("studioDomainUrl", studio.domain.url)
pulumi.export("datasetBuckets", datasets.bucket_names)
pulumi.export("teamRoleArns", access.role_arns)
pulumi.export("accessMatrix", exportable_matrix(access.matrix))
pulumi.export("auditTrailArn", audit.trail.arn)
pulumi.export("auditBucket", audit.bucket.bucket.bucket)
