"""The governed ML-dataset stack: network, keys, datasets, audit, Studio domain, team access and personas."""

import pulumi
import pulumi_aws as aws
from ml_dataset_governance.infra.access import AccessArgs, TeamAccess, TeamRoles, TeamRolesArgs
from ml_dataset_governance.infra.audit import Audit, AuditArgs, trail_arn
from ml_dataset_governance.infra.catalog import AUDIT_BUCKET_SUFFIX, bucket_name, load_settings
from ml_dataset_governance.infra.context import DeployContext
from ml_dataset_governance.infra.datasets import Datasets, DatasetsArgs
from ml_dataset_governance.infra.keys import Keys, KeysArgs
from ml_dataset_governance.infra.logs import SageMakerLogs, SageMakerLogsArgs, sagemaker_log_group_arn_pattern
from ml_dataset_governance.infra.network import (
    STUDIO_ACCESS_ENDPOINTS,
    Network,
    NetworkArgs,
    flow_log_group_arn_pattern,
)
from ml_dataset_governance.infra.personas import Personas, PersonasArgs
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

# Roles first: key policies name them as the only users of the keys.
team_roles = TeamRoles("roles", TeamRolesArgs(
    catalog=catalog,
    ctx=ctx,
    team_tags=per_team_tags,
    permissions_boundary_arn=settings.permissions_boundary_arn,
))

keys = Keys("keys", KeysArgs(
    catalog=catalog,
    ctx=ctx,
    trail_arn=trail_arn(ctx),
    log_group_arn_patterns=[flow_log_group_arn_pattern(ctx), sagemaker_log_group_arn_pattern(ctx)],
    team_role_arns=team_roles.known_role_arns,
    key_admin_arns=settings.admin_role_arns,
    principals=list(team_roles.roles.values()),
    dataset_tags=per_dataset_tags,
    platform_tags=shared_tags,
))

network = Network("network", NetworkArgs(
    ctx=ctx,
    cidr_block=settings.vpc_cidr,
    logs_key_arn=keys.logs_key.arn,
    team_names=[t.name for t in catalog.teams],
    bucket_names=[bucket_name(ctx.project, ctx.stack, s)
                  for s in (*(d.name for d in catalog.datasets), AUDIT_BUCKET_SUFFIX)],
    organization_id=settings.organization_id,
    tags=shared_tags,
))

SageMakerLogs("sagemaker-logs", SageMakerLogsArgs(ctx=ctx, logs_key_arn=keys.logs_key.arn, tags=shared_tags))

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
    object_lock_mode=settings.audit_object_lock_mode,
    tags=shared_tags,
))

studio = StudioDomain("studio", StudioDomainArgs(
    ctx=ctx,
    vpc_id=network.vpc.id,
    subnet_ids=[s.id for s in network.subnets],
    security_group_id=network.domain_security_group.id,
    kms_key_arn=keys.studio_key.arn,
    tags=shared_tags,
))

team_security_group_ids = {t: sg.id for t, sg in network.team_security_groups.items()}
access = TeamAccess("access", AccessArgs(
    catalog=catalog,
    ctx=ctx,
    roles=team_roles.roles,
    domain_id=studio.domain.id,
    bucket_arns=datasets.bucket_arns,
    key_arns={name: key.arn for name, key in keys.dataset_keys.items()},
    studio_key_arn=keys.studio_key.arn,
    vpc_arn=network.vpc.arn,
    subnet_ids=[s.id for s in network.subnets],
    team_security_group_ids=team_security_group_ids,
))

StudioUserProfiles("profiles", StudioProfilesArgs(
    catalog=catalog,
    domain_id=studio.domain.id,
    role_arns=team_roles.role_arns,
    team_security_group_ids=team_security_group_ids,
    team_tags=per_team_tags,
))

personas = Personas("personas", PersonasArgs(
    catalog=catalog,
    ctx=ctx,
    domain_id=studio.domain.id,
    studio_endpoint_ids=[network.interface_endpoints[e].id for e in STUDIO_ACCESS_ENDPOINTS],
    access_cidrs=settings.studio_access_cidrs,
    team_tags=per_team_tags,
    permissions_boundary_arn=settings.permissions_boundary_arn,
))

pulumi.export("studioDomainId", studio.domain.id)
pulumi.export("studioDomainUrl", studio.domain.url)
pulumi.export("datasetBuckets", datasets.bucket_names)
pulumi.export("teamRoleArns", team_roles.role_arns)
pulumi.export("personaRoleArns", {p: r.arn for p, r in personas.roles.items()})
pulumi.export("accessMatrix", exportable_matrix(access.matrix))
pulumi.export("auditTrailArn", audit.trail.arn)
pulumi.export("auditBucket", audit.bucket.bucket.bucket)
