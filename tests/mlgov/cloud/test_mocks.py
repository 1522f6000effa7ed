"""Programs that use computed outputs the way real programs do, run by the gate's program runner."""

import base64
import ipaddress

import pulumi
import pulumi_aws as aws

from mlgov.cloud import ACCOUNT_ID, CloudMocks, MockCloud
from mlgov.program import UNKNOWN, run_program

ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/eks"


def everyday_program():
    vpc = aws.ec2.Vpc("net", cidr_block="10.0.0.0/16", assign_generated_ipv6_cidr_block=True)
    subnet = aws.ec2.Subnet("a", vpc_id=vpc.id, cidr_block="10.0.1.0/24",
                            ipv6_cidr_block=vpc.ipv6_cidr_block.apply(lambda block: block[:-3] + "/64"))
    bucket = aws.s3.Bucket("data")
    cluster = aws.eks.Cluster("k8s", role_arn=ROLE, vpc_config={"subnet_ids": [subnet.id]})
    kubeconfig = pulumi.Output.all(cluster.endpoint, cluster.certificate_authority.data).apply(
        lambda parts: f"server: {parts[0]}\ncertificate-authority-data: {parts[1]}")
    balancer = aws.lb.LoadBalancer("web", subnets=[subnet.id])
    database = aws.rds.Instance("db", engine="postgres", instance_class="db.t3.micro", allocated_storage=20,
                                manage_master_user_password=True, username="app")
    zone = aws.route53.get_zone(name="example.com")
    pulumi.export("policyPrefix", pulumi.Output.concat("prefix-", bucket.arn))
    pulumi.export("objects", bucket.arn.apply(lambda arn: arn + "/*"))
    pulumi.export("subnetIpv6", subnet.ipv6_cidr_block)
    pulumi.export("kubeconfig", kubeconfig)
    pulumi.export("endpoint", cluster.endpoint)
    pulumi.export("certificate", cluster.certificate_authority.data)
    pulumi.export("issuer", cluster.identities[0].oidcs[0].issuer)
    pulumi.export("url", balancer.dns_name.apply(lambda name: "http://" + name))
    pulumi.export("secretArn", database.master_user_secrets[0].secret_arn)
    pulumi.export("zoneId", zone.zone_id)
    pulumi.export("nameServer", zone.name_servers[0])


def test_update_gives_realistic_values_to_ordinary_program_code():
    out = run_program(everyday_program, project="shapes", preview=False).outputs
    assert out["policyPrefix"].startswith("prefix-arn:aws:s3:::data-")
    assert out["objects"].endswith("/*")
    assert ipaddress.ip_network(out["subnetIpv6"]).prefixlen == 64
    assert out["endpoint"].startswith("https://") and out["endpoint"].endswith(".eks.amazonaws.com")
    assert base64.b64decode(out["certificate"]).startswith(b"-----BEGIN CERTIFICATE-----")
    assert out["kubeconfig"].startswith("server: https://")
    assert out["issuer"].startswith("https://oidc.eks.us-east-1.amazonaws.com/id/")
    assert out["url"].startswith("http://web-") and out["url"].endswith(".us-east-1.elb.amazonaws.com")
    assert out["secretArn"].startswith(f"arn:aws:rds:us-east-1:{ACCOUNT_ID}:")
    assert out["zoneId"].startswith("Z") and out["nameServer"].startswith("ns-")


def test_preview_keeps_computed_outputs_unknown_but_answers_data_sources():
    run = run_program(everyday_program, project="shapes", preview=True)
    for key in ("policyPrefix", "subnetIpv6", "kubeconfig", "issuer", "url", "secretArn"):
        assert run.outputs[key] == UNKNOWN, key
    assert run.outputs["zoneId"].startswith("Z") and run.outputs["nameServer"].startswith("ns-")
    cluster = next(r for r in run.resources if r.type == "aws:eks/cluster:Cluster")
    assert cluster.id == "" and "endpoint" not in cluster.outputs


def test_runs_are_deterministic():
    first = run_program(everyday_program, project="shapes", preview=False)
    second = run_program(everyday_program, project="shapes", preview=False)
    assert first.outputs == second.outputs
    assert [(r.urn, r.id, r.outputs) for r in first.resources] == [(r.urn, r.id, r.outputs) for r in second.resources]


def test_settable_inputs_left_unset_are_not_invented():
    """A placeholder `kmsKeyId` would make an unencrypted database look encrypted to a stack policy."""

    def program():
        aws.rds.Instance("db", engine="postgres", instance_class="db.t3.micro", allocated_storage=20)

    database = next(r for r in run_program(program, project="p", preview=False).resources
                    if r.type == "aws:rds/instance:Instance")
    assert "kmsKeyId" not in database.outputs and "storageEncrypted" not in database.outputs
    assert database.outputs["arn"].startswith(f"arn:aws:rds:us-east-1:{ACCOUNT_ID}:db:db-")


def test_data_sources_without_a_realistic_answer_get_a_shaped_one():
    def program():
        policy = aws.cloudfront.get_cache_policy(name="Managed-CachingOptimized")
        pulumi.export("name", policy.name)
        pulumi.export("ttl", policy.default_ttl)
        pulumi.export("headers", policy.parameters_in_cache_key_and_forwarded_to_origins[0].headers_configs[0])

    for preview in (False, True):
        out = run_program(program, project="p", preview=preview).outputs
        assert out["name"] == "Managed-CachingOptimized"
        assert out["ttl"] == 1
        assert set(out["headers"]) == {"header_behavior", "headers"}


def test_reading_an_existing_resource_gives_its_full_state_in_both_modes():
    def program():
        vpc = aws.ec2.Vpc.get("existing", "vpc-0123456789abcdef0")
        pulumi.export("vpcId", vpc.id)
        pulumi.export("arn", vpc.arn)

    for preview in (False, True):
        out = run_program(program, project="p", preview=preview).outputs
        assert out["arn"] == f"arn:aws:ec2:us-east-1:{ACCOUNT_ID}:vpc/vpc-0123456789abcdef0"
    # The SDK's MockMonitor.ReadResource answers no id, which the SDK reads as unknown in preview.
    assert run_program(program, project="p", preview=False).outputs["vpcId"] == "vpc-0123456789abcdef0"


def test_adapter_keeps_the_region_and_serves_one_cloud():
    cloud = MockCloud(region="eu-central-1")
    mocks = CloudMocks(preview=False, cloud=cloud)
    assert mocks.region == "eu-central-1" and mocks.cloud is cloud
    assert CloudMocks(preview=True, region="ap-south-1").cloud.region == "ap-south-1"


GATE_PROGRAM = '''
import pulumi
import pulumi_aws as aws

zone = aws.route53.get_zone(name="example.com")
vpc = aws.ec2.Vpc("net", cidr_block="10.0.0.0/16", assign_generated_ipv6_cidr_block=True)
subnet = aws.ec2.Subnet("a", vpc_id=vpc.id, cidr_block="10.0.1.0/24",
                        ipv6_cidr_block=vpc.ipv6_cidr_block.apply(lambda block: block[:-3] + "/64"))
role = aws.iam.Role("eks", assume_role_policy=aws.iam.get_policy_document(statements=[{
    "actions": ["sts:AssumeRole"], "principals": [{"type": "Service", "identifiers": ["eks.amazonaws.com"]}]}]).json)
cluster = aws.eks.Cluster("k8s", role_arn=role.arn, vpc_config={"subnet_ids": [subnet.id]})
balancer = aws.lb.LoadBalancer("web", subnets=[subnet.id], internal=True)
aws.route53.Record("www", zone_id=zone.zone_id, name="www." + zone.name, type="CNAME", ttl=300,
                   records=[balancer.dns_name])
pulumi.export("kubeconfig", pulumi.Output.all(cluster.endpoint, cluster.certificate_authority.data).apply(
    lambda parts: "server: " + parts[0] + "\\ncertificate-authority-data: " + parts[1]))
pulumi.export("issuer", cluster.identities[0].oidcs[0].issuer)
pulumi.export("logs", pulumi.Output.concat("arn-prefix:", cluster.arn))
'''


def test_the_gate_decides_on_a_program_using_computed_outputs_in_both_modes(tmp_path):
    import json
    import subprocess
    import sys

    (tmp_path / "Pulumi.yaml").write_text("name: shapes\nruntime:\n  name: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(GATE_PROGRAM)
    report = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "mlgov", "check", str(tmp_path), "--mode", "both", "--format",
                           "json", "--output", str(report)], capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]  # a verdict, not exit 2 ("could not decide")
    assert "violations" in json.loads(report.read_text())


# A provider-built component's SDK, as pulumi-awsx generates them (`awsx.ec2.Vpc`): a `remote=True`
# ComponentResource whose outputs are getters; one is an enum, one a resource reference.
COMPONENT_SDK = '''
import enum
from typing import Optional, Sequence
import pulumi
import pulumi_aws


class SubnetType(str, enum.Enum):
    PUBLIC = "Public"
    PRIVATE = "Private"


@pulumi.output_type
class SubnetSpec(dict):
    def __init__(__self__, *, type: "SubnetType"):
        pulumi.set(__self__, "type", type)

    @property
    @pulumi.getter
    def type(self) -> "SubnetType": ...


@pulumi.input_type
class NetworkArgs:
    @property
    @pulumi.getter(name="cidrBlock")
    def cidr_block(self) -> Optional[str]:
        return pulumi.get(self, "cidr_block")


class Network(pulumi.ComponentResource):
    def __init__(self, name, cidr_block=None, opts=None):
        props = NetworkArgs.__new__(NetworkArgs)
        props.__dict__.update(cidr_block=cidr_block, vpc_id=None, private_subnet_ids=None, layout=None, vpc=None)
        super().__init__("acmex:ec2:Network", name, props, opts, remote=True)

    @property
    @pulumi.getter(name="vpcId")
    def vpc_id(self) -> pulumi.Output[str]:
        return pulumi.get(self, "vpc_id")

    @property
    @pulumi.getter(name="privateSubnetIds")
    def private_subnet_ids(self) -> pulumi.Output[Sequence[str]]:
        return pulumi.get(self, "private_subnet_ids")

    @property
    @pulumi.getter
    def layout(self) -> pulumi.Output[Sequence["SubnetSpec"]]:
        return pulumi.get(self, "layout")

    @property
    @pulumi.getter
    def vpc(self) -> pulumi.Output["pulumi_aws.ec2.Vpc"]:
        return pulumi.get(self, "vpc")
'''


def test_a_provider_built_component_gets_shaped_outputs_and_a_local_one_none(tmp_path, monkeypatch):
    package = tmp_path / "pulumi_acmex" / "ec2"
    package.mkdir(parents=True)
    (package.parent / "__init__.py").write_text("")
    (package / "__init__.py").write_text(COMPONENT_SDK)
    monkeypatch.syspath_prepend(str(tmp_path))
    from pulumi_acmex.ec2 import Network

    class Local(pulumi.ComponentResource):
        def __init__(self, name):
            super().__init__("mine:index:Local", name, None, None)
            self.register_outputs({})

    def program():
        network = Network("net", cidr_block="10.0.0.0/16")
        Local("local")
        aws.eks.Cluster("k8s", role_arn=ROLE, vpc_config={"subnet_ids": network.private_subnet_ids})
        pulumi.export("vpcId", network.vpc_id)
        pulumi.export("subnet", network.private_subnet_ids[0])
        pulumi.export("layout", network.layout[0].type)

    run = run_program(program, project="p", preview=False)
    assert run.outputs["vpcId"].startswith("vpc-") and run.outputs["subnet"].startswith("subnet-")
    assert run.outputs["layout"] == "Public"
    by_type = {r.type: r for r in run.resources}
    assert by_type["acmex:ec2:Network"].outputs["cidrBlock"] == "10.0.0.0/16"
    assert by_type["acmex:ec2:Network"].outputs.get("vpc") is None  # a resource reference is not invented
    assert by_type["mine:index:Local"].outputs == {}
    preview = run_program(program, project="p", preview=True)
    assert preview.outputs["vpcId"] == UNKNOWN and preview.outputs["subnet"] == UNKNOWN


def test_a_stack_reference_never_fails_the_program_and_its_outputs_are_unknown_in_both_modes():
    # Another stack's outputs live in its backend: the program runner makes them unknown (with a warning), so rules
    # that need them say "cannot be verified" instead of deciding on an invented value.
    def program():
        ref = pulumi.StackReference("org/network/prod")
        pulumi.export("vpc", ref.get_output("vpcId"))
        pulumi.export("name", ref.name)

    for preview in (False, True):
        assert run_program(program, project="p", preview=preview).outputs == {"vpc": UNKNOWN,
                                                                             "name": "org/network/prod"}
