"""An isolated VPC for SageMaker Studio: private subnets only, no internet path, AWS services via endpoints."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from ml_dataset_governance.infra.context import DeployContext, policy_document, service_trust_policy
from ml_dataset_governance.infra.tags import with_name

# Interface endpoints Studio needs in VpcOnly mode (service-name suffixes after com.amazonaws.<region>.).
INTERFACE_ENDPOINT_SERVICES: tuple[str, ...] = (
    "sagemaker.api",
    "sagemaker.runtime",
    "sts",
    "logs",
    "kms",
    "ecr.api",
    "ecr.dkr",
)
AZ_COUNT = 2
HTTPS = 443
FLOW_LOG_RETENTION_DAYS = 365


def interface_service_names(region: str) -> dict[str, str]:
    """endpoint short name -> AWS service name, including the Studio endpoint (aws.sagemaker.<region>.studio)."""
    names = {svc: f"com.amazonaws.{region}.{svc}" for svc in INTERFACE_ENDPOINT_SERVICES}
    names["studio"] = f"aws.sagemaker.{region}.studio"
    return names


# Where people open Studio from inside the network: the SageMaker API endpoint (CreatePresignedDomainUrl) and the
# Studio endpoint (the browser session). Their ids go into the persona roles' aws:SourceVpce conditions.
STUDIO_ACCESS_ENDPOINTS: tuple[str, ...] = ("sagemaker.api", "studio")


@dataclass
class NetworkArgs:
    ctx: DeployContext
    cidr_block: str
    logs_key_arn: pulumi.Input[str]
    team_names: Sequence[str]
    bucket_names: Sequence[str]
    """The stack's buckets: the S3 gateway endpoint admits these (and the organization's, if known) only."""
    tags: Mapping[str, str]
    organization_id: str | None = None


class Network(pulumi.ComponentResource):
    vpc: aws.ec2.Vpc
    subnets: list[aws.ec2.Subnet]
    s3_endpoint: aws.ec2.VpcEndpoint
    endpoint_security_group: aws.ec2.SecurityGroup
    domain_security_group: aws.ec2.SecurityGroup
    team_security_groups: dict[str, aws.ec2.SecurityGroup]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("mlgov:infra:Network", name, None, opts)
        ctx = args.ctx
        tags = dict(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        network = ipaddress.ip_network(args.cidr_block)
        subnet_cidrs = [str(s) for s in network.subnets(prefixlen_diff=2)][:AZ_COUNT]

        self.vpc = aws.ec2.Vpc(
            name,
            cidr_block=args.cidr_block,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=with_name(tags, name),
            opts=child,
        )
        # The default security group of the VPC is stripped of every rule so nothing can use it by accident.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=self.vpc.id,
            ingress=[],
            egress=[],
            tags=with_name(tags, f"{name}-default-locked"),
            opts=child,
        )

        zones = aws.get_availability_zones_output(state="available")
        self.route_table = aws.ec2.RouteTable(
            f"{name}-private",
            vpc_id=self.vpc.id,
            tags=with_name(tags, f"{name}-private"),
            opts=child,
        )
        self.subnets = []
        for index, cidr in enumerate(subnet_cidrs):
            subnet = aws.ec2.Subnet(
                f"{name}-private-{index}",
                vpc_id=self.vpc.id,
                cidr_block=cidr,
                availability_zone=zones.names.apply(lambda names, i=index: names[i]),
                map_public_ip_on_launch=False,
                tags=with_name(tags, f"{name}-private-{index}"),
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{index}",
                subnet_id=subnet.id,
                route_table_id=self.route_table.id,
                opts=child,
            )
            self.subnets.append(subnet)

        self._flow_logs(name, args, tags)

        self.s3_endpoint = aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{ctx.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[self.route_table.id],
            policy=s3_endpoint_policy(ctx, args.bucket_names, args.organization_id),
            tags=with_name(tags, f"{name}-s3"),
            opts=child,
        )
        self._security_groups(name, args, tags)

        self.interface_endpoints: dict[str, aws.ec2.VpcEndpoint] = {}
        for short, service_name in interface_service_names(ctx.region).items():
            slug = short.replace(".", "-")
            self.interface_endpoints[short] = aws.ec2.VpcEndpoint(
                f"{name}-{slug}",
                vpc_id=self.vpc.id,
                service_name=service_name,
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[s.id for s in self.subnets],
                security_group_ids=[self.endpoint_security_group.id],
                tags=with_name(tags, f"{name}-{slug}"),
                opts=child,
            )

        self.register_outputs({
            "vpcId": self.vpc.id,
            "subnetIds": [s.id for s in self.subnets],
            "s3EndpointId": self.s3_endpoint.id,
            "teamSecurityGroupIds": {t: sg.id for t, sg in self.team_security_groups.items()},
        })

    def _security_groups(self, name: str, args: NetworkArgs, tags: dict[str, str]) -> None:
        """One group per team, open only to itself; a domain group open to nothing; endpoints open to both.

        SageMaker Developer Guide ("Connect Studio notebooks in a VPC to external resources"): apps that share a
        security group in a VpcOnly domain can reach each other's apps without authentication. So each team's
        apps and jobs get a group of their own: traffic within the team, HTTPS to the interface endpoints and to
        S3 through the gateway, nothing else; no group admits another team's. SageMaker adds its own NFS groups
        for the home EFS. Rules are separate vpc.SecurityGroup{Ingress,Egress}Rule resources, nothing inline.
        """
        self.endpoint_security_group = self._group(
            f"{name}-endpoints", "Interface VPC endpoints: HTTPS from the Studio domain and team security groups only",
            tags)
        self.domain_security_group = self._group(
            f"{name}-studio-domain", "Studio domain-level apps: no ingress, HTTPS to the interface endpoints and S3",
            tags)
        sources = {"studio-domain": self.domain_security_group}
        self._rule(aws.vpc.SecurityGroupEgressRule, f"{name}-studio-domain-https-to-s3", self.domain_security_group,
                   "HTTPS to S3 through the gateway endpoint", tags, port=HTTPS,
                   prefix_list_id=self.s3_endpoint.prefix_list_id)

        self.team_security_groups = {}
        for team in args.team_names:
            group_name = f"{name}-team-{team}"
            group = self._group(group_name, f"Studio apps and jobs of team {team}: traffic within the team, HTTPS to "
                                "endpoints and S3", {**tags, "team": team})
            among = f"Apps and jobs of team {team} among themselves"
            self._rule(aws.vpc.SecurityGroupIngressRule, f"{group_name}-from-self", group, among, tags,
                       referenced_security_group_id=group.id)
            self._rule(aws.vpc.SecurityGroupEgressRule, f"{group_name}-to-self", group, among, tags,
                       referenced_security_group_id=group.id)
            self._rule(aws.vpc.SecurityGroupEgressRule, f"{group_name}-https-to-s3", group,
                       "HTTPS to S3 through the gateway endpoint", tags, port=HTTPS,
                       prefix_list_id=self.s3_endpoint.prefix_list_id)
            self.team_security_groups[team] = group
            sources[f"team-{team}"] = group

        for source_name, source in sources.items():
            self._rule(aws.vpc.SecurityGroupEgressRule, f"{name}-{source_name}-https-to-endpoints", source,
                       "HTTPS to the interface endpoints", tags, port=HTTPS,
                       referenced_security_group_id=self.endpoint_security_group.id)
            self._rule(aws.vpc.SecurityGroupIngressRule, f"{name}-endpoints-https-from-{source_name}",
                       self.endpoint_security_group, f"HTTPS from {source_name}", tags, port=HTTPS,
                       referenced_security_group_id=source.id)

    def _group(self, name: str, description: str, tags: dict[str, str]) -> aws.ec2.SecurityGroup:
        return aws.ec2.SecurityGroup(name, vpc_id=self.vpc.id, description=description, tags=with_name(tags, name),
                                     opts=pulumi.ResourceOptions(parent=self))

    def _rule(self, rule_type: type, name: str, group: aws.ec2.SecurityGroup, description: str,
              tags: dict[str, str], *, port: int | None = None, **peer: Any) -> None:
        """One ingress or egress rule: all traffic, or TCP to one port, from/to one peer (group or prefix list)."""
        ports = {"ip_protocol": "tcp", "from_port": port, "to_port": port} if port else {"ip_protocol": "-1"}
        rule_type(name, security_group_id=group.id, description=description, **ports, **peer, tags=tags,
                  opts=pulumi.ResourceOptions(parent=self))

    def _flow_logs(self, name: str, args: NetworkArgs, tags: dict[str, str]) -> None:
        ctx = args.ctx
        child = pulumi.ResourceOptions(parent=self)
        self.flow_log_group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=flow_log_group_name(ctx),
            retention_in_days=FLOW_LOG_RETENTION_DAYS,
            kms_key_id=args.logs_key_arn,
            tags=tags,
            # Flow logs are audit records: a careless destroy must not take them.
            opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True),
        )
        role = aws.iam.Role(
            f"{name}-flow-logs",
            description="Lets VPC Flow Logs deliver to this stack's flow log group",
            assume_role_policy=service_trust_policy(
                "vpc-flow-logs.amazonaws.com", ctx.account_id,
                source_arn_like=ctx.arn("ec2", "vpc-flow-log/*"),
            ),
            tags=tags,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs",
            role=role.id,
            policy=policy_document({
                "Sid": "DeliverToFlowLogGroup",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                "Resource": [self.flow_log_group.arn, pulumi.Output.concat(self.flow_log_group.arn, ":*")],
            }),
            opts=child,
        )
        self.flow_log = aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=self.flow_log_group.arn,
            iam_role_arn=role.arn,
            tags=tags,
            opts=child,
        )


def flow_log_group_name(ctx: DeployContext) -> str:
    return f"/aws/vpc/flow-logs/{ctx.prefix}"


def flow_log_group_arn_pattern(ctx: DeployContext) -> pulumi.Output[str]:
    return ctx.arn("logs", f"log-group:{flow_log_group_name(ctx)}*")


def ecr_layer_bucket_arn(ctx: DeployContext) -> str:
    """Where ECR keeps image layers (Amazon ECR User Guide, "Amazon ECR interface VPC endpoints": the S3 gateway
    endpoint policy must allow s3:GetObject on arn:aws:s3:::prod-<region>-starport-layer-bucket/*)."""
    return f"arn:{ctx.partition}:s3:::prod-{ctx.region}-starport-layer-bucket/*"


def s3_endpoint_policy(ctx: DeployContext, bucket_names: Sequence[str],
                       organization_id: str | None) -> pulumi.Output[str]:
    """A data perimeter on the S3 gateway endpoint: this stack's buckets, the organization's, ECR's image layers."""
    buckets = [f"arn:{ctx.partition}:s3:::{b}" for b in bucket_names]
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AllowThisStacksBuckets",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [*buckets, *(f"{b}/*" for b in buckets)],
        },
        {
            "Sid": "AllowEcrImageLayers",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": ecr_layer_bucket_arn(ctx),
        },
    ]
    if organization_id is not None:
        statements.append({
            "Sid": "AllowBucketsOfThisOrganization",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceOrgID": organization_id}},
        })
    return policy_document(*statements)
