"""Programs shaped like real ones decide in both modes: `mlgov check` never gives exit 2 on them.

Each program uses what public Pulumi programs use: components, helpers from an installed library (awsx-style),
dynamic providers, stack references, data sources, string concatenation and indexing of computed outputs, apply
chains. Before the type-shaped mock cloud and offline stack references, four of these fourteen runs gave exit 2.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

SHAPES = {
"component": '''
class Network(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("acme:index:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.vpc = aws.ec2.Vpc(f"{name}-vpc", cidr_block="10.0.0.0/16", opts=child)
        self.subnet = aws.ec2.Subnet(f"{name}-a", vpc_id=self.vpc.id, cidr_block="10.0.1.0/24", opts=child)
        self.register_outputs({"vpcId": self.vpc.id})

net = Network("net")
pulumi.export("subnet", net.subnet.id)
''',
"awsx-style-helper": '''
from helpers import vpc_with_subnets
vpc, subnets = vpc_with_subnets("core", ["a", "b", "c"])
pulumi.export("first", subnets[0].id)
pulumi.export("cidrs", pulumi.Output.all(*[s.cidr_block for s in subnets]))
''',
"dynamic-provider": '''
from pulumi.dynamic import CreateResult, Resource, ResourceProvider

class RandomIdProvider(ResourceProvider):
    def create(self, props):
        return CreateResult("id-1", {"value": "abc"})

class RandomId(Resource):
    value: pulumi.Output[str]
    def __init__(self, name, opts=None):
        super().__init__(RandomIdProvider(), name, {"value": None}, opts)

rid = RandomId("rid")
aws.s3.Bucket("named", bucket=rid.value.apply(lambda v: f"data-{v}"))
''',
"stack-reference": '''
net = pulumi.StackReference("acme/network/prod")
vpc_id = net.get_output("vpcId")
aws.ec2.SecurityGroup("sg", vpc_id=vpc_id, description="from a stack reference")
pulumi.export("prefixed", vpc_id.apply(lambda v: "vpc:" + v))
pulumi.export("required", net.require_output("subnetIds").apply(lambda ids: ids[0]))
''',
"data-sources": '''
zone = aws.route53.get_zone(name="example.com.")
me = aws.get_caller_identity()
region = aws.get_region()
doc = aws.iam.get_policy_document(statements=[{"actions": ["s3:GetObject"],
    "resources": [f"arn:aws:s3:::bucket-{me.account_id}/*"]}])
aws.route53.Record("www", zone_id=zone.zone_id, name="www." + zone.name, type="A", ttl=300, records=["10.0.0.1"])
aws.iam.Policy("read", policy=doc.json)
pulumi.export("ns", zone.name_servers[0])
pulumi.export("region", region.name.upper())
''',
"concat-and-index": '''
bucket = aws.s3.Bucket("data")
cluster = aws.eks.Cluster("eks", role_arn="arn:aws:iam::123456789012:role/eks",
                          vpc_config={"subnet_ids": ["subnet-1", "subnet-2"]})
pulumi.export("ca", cluster.certificate_authority.data)
pulumi.export("kubeconfig", pulumi.Output.concat("https://", cluster.endpoint, "/", bucket.arn))
pulumi.export("arnPrefix", bucket.arn.apply(lambda arn: "prefix-" + arn))
endpoint = aws.ec2.VpcEndpoint("sts", vpc_id="vpc-1", service_name="com.amazonaws.us-east-1.sts",
                              vpc_endpoint_type="Interface")
pulumi.export("dns", endpoint.dns_entries[0]["dns_name"])
pulumi.export("firstChar", bucket.id.apply(lambda i: i[0]))
''',
"apply-chains": '''
key = aws.kms.Key("key", enable_key_rotation=True)
bucket = aws.s3.Bucket("data")
policy = pulumi.Output.all(bucket.arn, key.arn).apply(lambda args: json.dumps({"Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [args[0], args[0] + "/*"],
                   "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
aws.s3.BucketPolicy("policy", bucket=bucket.id, policy=policy)
nested = bucket.arn.apply(lambda arn: key.key_id.apply(lambda kid: f"{arn}:{kid}".split(":")[-1]))
pulumi.export("nested", nested)
pulumi.export("len", bucket.bucket.apply(len))
''',
}
HELPERS = '''
import pulumi
import pulumi_aws as aws


def vpc_with_subnets(name, zones):
    vpc = aws.ec2.Vpc(name, cidr_block="10.1.0.0/16")
    subnets = [aws.ec2.Subnet(f"{name}-{z}", vpc_id=vpc.id, availability_zone=f"us-east-1{z}",
                              cidr_block=vpc.cidr_block.apply(lambda c, i=i: c.replace("0.0/16", f"{i}.0/24")))
               for i, z in enumerate(zones)]
    return vpc, subnets
'''
# The fewest resources each program registers (the Stack and the default provider included; reads such as a
# StackReference are not registrations).
MIN_RESOURCES = {"component": 5, "awsx-style-helper": 6, "dynamic-provider": 3, "stack-reference": 3,
                 "data-sources": 4, "concat-and-index": 5, "apply-chains": 5}


def _write(root: Path, name: str, body: str) -> Path:
    d = root / name
    d.mkdir()
    (d / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    (d / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n")
    prelude = "import json\nimport pulumi\nimport pulumi_aws as aws\n"
    if name == "awsx-style-helper":  # the helper lives in an installed library, not in the program
        lib = d / "vendor" / "site-packages"
        lib.mkdir(parents=True)
        (lib / "helpers.py").write_text(HELPERS)
        prelude = ("import sys, pathlib\nsys.path.insert(0, str(pathlib.Path(__file__).parent / 'vendor' / "
                   "'site-packages'))\n" + prelude)
    (d / "__main__.py").write_text(prelude + textwrap.dedent(body))
    return d


@pytest.fixture(scope="module")
def checks(tmp_path_factory) -> dict[str, tuple[int, dict, str]]:
    root = tmp_path_factory.mktemp("shapes")

    def run(name: str) -> tuple[int, dict, str]:
        project = _write(root, name, SHAPES[name])
        proc = subprocess.run([sys.executable, "-m", "mlgov", "check", str(project), "--format", "json"],
                              capture_output=True, text=True, timeout=300, env=dict(os.environ, NO_COLOR="1"))
        return proc.returncode, json.loads(proc.stdout) if proc.stdout else {}, proc.stderr

    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(SHAPES, pool.map(run, SHAPES), strict=True))


@pytest.mark.parametrize("shape", list(SHAPES))
def test_the_gate_decides_in_both_modes(checks, shape):
    code, report, stderr = checks[shape]
    assert code in (0, 1), stderr
    assert report["error"] is None
    evaluated = report["summary"]["resources"]
    assert set(evaluated) == {"preview", "update"}
    assert min(evaluated.values()) >= MIN_RESOURCES[shape], evaluated
    assert "Traceback" not in stderr


def test_stack_reference_outputs_are_unknown_offline_and_said_so(checks):
    _, report, _ = checks["stack-reference"]
    assert any("stack reference 'acme/network/prod'" in w for w in report["warnings"])


def test_findings_point_at_the_declaring_line_in_the_user_s_program(checks):
    _, report, _ = checks["apply-chains"]
    lines = {(v["name"], v["file"], v["line"]) for v in report["violations"] if v["type"].startswith("aws:")}
    assert ("data", "__main__.py", 6) in lines, lines  # the prelude is three lines, the body starts blank
