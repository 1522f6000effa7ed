"""End-to-end: the `mlgov` command as a subprocess on small programs, packs and exports the tests write.

Every CLI run of the module is started at once by the `runs` fixture (a few at a time) and the
tests assert on the finished processes: one `mlgov check` costs 2-4 s, so running them side by
side keeps the module well under a minute.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SECRET = "SSO-hunter2-do-not-print"  # a secret value that a rule message would echo
EXPORT_SECRET = "plaintext-export-secret-4711"
KMS = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = "arn:aws:iam::123456789012:role/studio-exec"

PRELUDE = f"""
import json
import pulumi
import pulumi_aws as aws

TAGS = {{"classification": "internal", "owner": "ml-platform", "project": "e2e"}}
KMS = "{KMS}"
ROLE = "{ROLE}"


def domain(name="studio", auth_mode="IAM", **overrides):
    args = dict(
        auth_mode=auth_mode, domain_name=name, subnet_ids=["subnet-0a1b2c3d"], vpc_id="vpc-0a1b2c3d",
        app_network_access_type="VpcOnly", kms_key_id=KMS, tags=TAGS,
        default_user_settings=aws.sagemaker.DomainDefaultUserSettingsArgs(
            execution_role=ROLE, security_groups=["sg-0a1b2c3d"],
            sharing_settings=aws.sagemaker.DomainDefaultUserSettingsSharingSettingsArgs(
                notebook_output_option="Disabled")),
    )
    args.update(overrides)
    return aws.sagemaker.Domain(name, **args)


def notebook(name="nb", **overrides):
    args = dict(instance_type="ml.t3.medium", role_arn=ROLE, subnet_id="subnet-0a1b2c3d",
                security_groups=["sg-0a1b2c3d"], root_access="Disabled", direct_internet_access="Disabled",
                kms_key_id=KMS, tags=TAGS, platform_identifier="notebook-al2023-v1",
                instance_metadata_service_configuration=aws.sagemaker.NotebookInstanceInstanceMetadataServiceConfigurationArgs(
                    minimum_instance_metadata_service_version="2"))
    args.update(overrides)
    return aws.sagemaker.NotebookInstance(name, **args)
"""

PROGRAMS = {
    # Compliant: a component, a Studio domain and a notebook, configured as the pack wants.
    "compliant": """
class Team(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("e2e:index:Team", name, None, opts)
        self.domain = domain(opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})

team = Team("team")
notebook()
cfg = pulumi.Config()
pulumi.export("owner", cfg.require_object("settings")["owner"])
""",
    # One control broken per program, each in a different resource shape.
    "domain-public": 'domain(app_network_access_type=None)\n',
    "notebook-internet": 'notebook(direct_internet_access=None)\n',
    "sg-open": """
aws.ec2.SecurityGroupRule("ssh-from-anywhere", type="ingress", from_port=22, to_port=22, protocol="tcp",
                          cidr_blocks=["0.0.0.0/0"], security_group_id="sg-0a1b2c3d")
""",
    "bucket-policy-public": """
aws.s3.BucketPolicy("public-read", bucket="datasets-bucket", policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                   "Resource": "arn:aws:s3:::datasets-bucket/*"}]}))
""",
    # Only an advisory finding: passes by default, fails with --fail-on advisory or a strict config.
    "advisory-only": """
aws.ec2.Subnet("public-subnet", vpc_id="vpc-0a1b2c3d", cidr_block="10.0.0.0/24", map_public_ip_on_launch=True,
               tags=TAGS)
""",
    # A secret that a rule message would echo (authMode is reported with its value), plus secret outputs.
    "secret": f"""
domain(auth_mode=pulumi.Output.secret("{SECRET}"), app_network_access_type=None)
pulumi.export("token", pulumi.Output.secret("{SECRET}"))
print("program output must not corrupt a report on stdout")
""",
    "plain-bucket": 'aws.s3.Bucket("raw-data", tags=TAGS)\n',
    "raises": 'raise RuntimeError("boom-from-the-program")\n',
    # Fails in update mode only: preview's findings must still be reported.
    "raises-in-update": """
domain(app_network_access_type=None)
if not pulumi.runtime.is_dry_run():
    raise KeyError("update-only-failure")
""",
    # Needs stack config given on the command line.
    "needs-config": """
cfg = pulumi.Config()
aws.s3.Bucket(cfg.require("bucketName"), tags=TAGS)
pulumi.export("token", cfg.require_secret("apiToken"))
""",
    "sleeps": 'import time\ntime.sleep(60)\n',
}

STACK_CONFIG = """config:
  aws:region: us-east-1
  settings:
    owner: ml-platform
    teams: [a, b]
  apiToken:
    secure: v1:AAAABBBBCCCC
"""

EXEMPTION = {"sagemaker-domain-vpc-only": {"exemptions": [
    {"resource": "studio", "reason": "legacy Studio domain, migrating to VpcOnly in Q3", "expires": "2099-12-31"}]}}

# A pack that is not this project's: a resource policy, a stack policy, and a policy that raises on a bucket.
OTHER_PACK = '''
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy, StackValidationPolicy


def no_rules(args, report_violation):
    if args.resource_type == "aws:ec2/securityGroupRule:SecurityGroupRule":
        report_violation("security group rules are not allowed here")


def count(args, report_violation):
    report_violation(f"{len(args.resources)} resources in the stack")


def explodes(args, report_violation):
    if args.resource_type == "aws:s3/bucket:Bucket":
        raise ValueError("validator bug")


PolicyPack("other-pack", enforcement_level=EnforcementLevel.MANDATORY, policies=[
    ResourceValidationPolicy(name="no-sg-rules", description="No SG rules", validate=no_rules),
    StackValidationPolicy(name="stack-size", description="Stack size is reported", validate=count,
                          enforcement_level=EnforcementLevel.ADVISORY),
    ResourceValidationPolicy(name="explodes", description="Raises on buckets", validate=explodes),
])
'''


def _export() -> dict:
    stack_urn = "urn:pulumi:prod::legacy::pulumi:pulumi:Stack::legacy-prod"
    provider_urn = "urn:pulumi:prod::legacy::pulumi:providers:aws::default_7_51_1"
    domain_urn = "urn:pulumi:prod::legacy::aws:sagemaker/domain:Domain::old-studio"
    policy_urn = "urn:pulumi:prod::legacy::aws:s3/bucketPolicy:BucketPolicy::locked"
    secret_sig = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
    domain_inputs = {"authMode": secret_sig | {"plaintext": json.dumps(EXPORT_SECRET)}, "domainName": "old",
                     "subnetIds": ["subnet-1"], "vpcId": "vpc-1", "kmsKeyId": KMS,
                     "tags": {"classification": "internal", "owner": "a", "project": "b"},
                     "defaultUserSettings": {"executionRole": ROLE,
                                             "sharingSettings": {"notebookOutputOption": "Disabled"}}}
    return {"version": 3, "deployment": {
        "manifest": {"time": "2025-01-01T00:00:00Z", "magic": "x", "version": "v3.272.0"},
        "secrets_providers": {"type": "passphrase"},
        "resources": [
            {"urn": stack_urn, "custom": False, "type": "pulumi:pulumi:Stack", "outputs": {}},
            {"urn": provider_urn, "custom": True, "id": "prov-1", "type": "pulumi:providers:aws",
             "inputs": {"region": "us-east-1"}, "outputs": {"region": "us-east-1"}, "parent": stack_urn},
            {"urn": domain_urn, "custom": True, "id": "d-123", "type": "aws:sagemaker/domain:Domain",
             "inputs": domain_inputs, "outputs": domain_inputs | {"id": "d-123"}, "parent": stack_urn,
             "provider": f"{provider_urn}::prov-1"},
            {"urn": policy_urn, "custom": True, "id": "b", "type": "aws:s3/bucketPolicy:BucketPolicy",
             "inputs": {"bucket": "b", "policy": secret_sig | {"ciphertext": "v1:ZZZZ"}},
             "outputs": {"bucket": "b", "policy": secret_sig | {"ciphertext": "v1:ZZZZ"}}, "parent": stack_urn,
             "provider": f"{provider_urn}::prov-1"},
        ]}}


@dataclass
class Run:
    args: list[str]
    code: int
    stdout: str
    stderr: str
    output_file: Path | None = None

    @property
    def report(self) -> dict:
        return json.loads(self.output_file.read_text() if self.output_file else self.stdout)

    def text(self) -> str:
        return self.output_file.read_text() if self.output_file else self.stdout

    def __str__(self) -> str:
        head = f"mlgov {' '.join(self.args)} -> {self.code}"
        return f"{head}\nstdout: {self.stdout[-3000:]}\nstderr: {self.stderr[-3000:]}"


def _write_project(root: Path, name: str, body: str) -> Path:
    d = root / name
    d.mkdir()
    (d / "Pulumi.yaml").write_text(f"name: e2e-{name}\nruntime:\n  name: python\n")
    (d / "Pulumi.dev.yaml").write_text(STACK_CONFIG)
    (d / "__main__.py").write_text(PRELUDE + textwrap.dedent(body))
    return d


def _mlgov(cwd: Path, *args: str, stdin: str | None = None, output: Path | None = None) -> Run:
    argv = [*args, *(["--output", str(output)] if output else [])]
    env = dict(os.environ, NO_COLOR="1")
    proc = subprocess.run([sys.executable, "-m", "mlgov", *argv], cwd=cwd, capture_output=True, text=True,
                          input=stdin, timeout=180, env=env)
    return Run(argv, proc.returncode, proc.stdout, proc.stderr, output)


@pytest.fixture(scope="module")
def projects(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("e2e")
    return {name: str(_write_project(root, name, body)) for name, body in PROGRAMS.items()}


@pytest.fixture(scope="module")
def runs(projects) -> dict[str, Run]:
    p = projects
    root = Path(p["compliant"]).parent
    work = root / "elsewhere"  # run from an unrelated cwd: the default pack must still be found
    work.mkdir()
    (root / "no-project").mkdir()

    strict = str(REPO / "examples" / "policy-config.strict.json")
    exempt = root / "exempt.json"
    exempt.write_text(json.dumps(EXEMPTION))
    bad_json = root / "bad.json"
    bad_json.write_text("{not json")
    bad_schema = root / "bad-schema.json"
    bad_schema.write_text(json.dumps({"sagemaker-domain-iam-auth": {"allowedAuthModes": "IAM"}}))
    unknown_policy = root / "unknown-policy.json"
    unknown_policy.write_text(json.dumps({"no-such-rule": "mandatory"}))
    bad_exemption = root / "bad-exemption.json"
    bad_exemption.write_text(json.dumps({"sagemaker-domain-vpc-only": {"exemptions": [
        {"resource": "studio", "reason": "legacy Studio domain, migrating", "expires": "2027-13-45"}]}}))
    unknown_param = root / "unknown-param.json"
    unknown_param.write_text(json.dumps({"sagemaker-domain-iam-auth": {"allowedAuthMode": ["IAM"]}}))
    no_stack_file = root / "no-stack-file"
    no_stack_file.mkdir()
    (no_stack_file / "Pulumi.yaml").write_text("name: bare\nruntime: python\n")
    (no_stack_file / "__main__.py").write_text("import pulumi\n")

    other_pack = root / "other-pack"
    other_pack.mkdir()
    (other_pack / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 2.3.4\n")
    (other_pack / "__main__.py").write_text(OTHER_PACK)
    broken_pack = root / "broken-pack"
    broken_pack.mkdir()
    (broken_pack / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (broken_pack / "__main__.py").write_text("raise ImportError('pack cannot import its rules')\n")
    not_a_pack = root / "not-a-pack"
    not_a_pack.mkdir()

    export = root / "export.json"
    export.write_text(json.dumps(_export()))
    v4 = root / "v4.json"
    v4.write_text(json.dumps(_export() | {"version": 4}))
    garbled = root / "garbled.json"
    garbled.write_text('{"version": 3, "deployment": {"resources": [{"urn": 42}]')
    no_urn = root / "no-urn.json"
    no_urn.write_text(json.dumps({"version": 3, "deployment": {"resources": [{"type": "x"}]}}))

    out = root / "out"
    upd = ("--mode", "update")
    jobs = {
        "compliant": lambda: _mlgov(work, "check", p["compliant"], "--format", "json"),
        "domain-public": lambda: _mlgov(work, "check", p["domain-public"], *upd, "--format", "json"),
        "notebook-internet": lambda: _mlgov(work, "check", p["notebook-internet"], *upd, "--format", "json"),
        "sg-open": lambda: _mlgov(work, "check", p["sg-open"], "--format", "json"),
        "bucket-policy-public": lambda: _mlgov(work, "check", p["bucket-policy-public"], *upd, "--format", "json"),
        "advisory": lambda: _mlgov(work, "check", p["advisory-only"], *upd, "--format", "json"),
        "advisory-fail-on": lambda: _mlgov(work, "check", p["advisory-only"], *upd, "--fail-on", "advisory",
                                           "--format", "json"),
        "advisory-strict": lambda: _mlgov(work, "check", p["advisory-only"], *upd, "--policy-config", strict,
                                          "--format", "json"),
        "exempted": lambda: _mlgov(work, "check", p["domain-public"], *upd, "--policy-config", str(exempt),
                                   "--format", "json"),
        "secret-json": lambda: _mlgov(work, "check", p["secret"], "--format", "json"),
        "secret-text": lambda: _mlgov(work, "check", p["secret"], *upd, "--format", "text"),
        "secret-sarif": lambda: _mlgov(work, "check", p["secret"], *upd, "--format", "sarif",
                                       output=out / "r.sarif"),
        "secret-junit": lambda: _mlgov(work, "check", p["secret"], *upd, "--format", "junit",
                                       output=out / "r.xml"),
        "secret-markdown": lambda: _mlgov(work, "check", p["secret"], *upd, "--format", "markdown"),
        "other-pack": lambda: _mlgov(work, "check", p["sg-open"], *upd, "--policy-pack", str(other_pack),
                                     "--format", "json"),
        "other-pack-raises": lambda: _mlgov(work, "check", p["plain-bucket"], *upd, "--policy-pack",
                                            str(other_pack)),
        "audit-stdin": lambda: _mlgov(work, "audit", "-", "--format", "json", stdin=export.read_text()),
        "audit-sarif": lambda: _mlgov(work, "audit", str(export), "--format", "sarif"),
        # could not decide: exit 2
        "raises": lambda: _mlgov(work, "check", p["raises"], *upd),
        "timeout": lambda: _mlgov(work, "check", p["sleeps"], *upd, "--timeout", "4"),
        "bad-json": lambda: _mlgov(work, "check", p["compliant"], "--policy-config", str(bad_json)),
        "bad-schema": lambda: _mlgov(work, "check", p["compliant"], *upd, "--policy-config", str(bad_schema)),
        "unknown-policy": lambda: _mlgov(work, "check", p["compliant"], *upd, "--policy-config",
                                         str(unknown_policy)),
        "no-project": lambda: _mlgov(work, "check", str(root / "no-project")),
        "not-a-pack": lambda: _mlgov(work, "check", p["compliant"], "--policy-pack", str(not_a_pack)),
        "broken-pack": lambda: _mlgov(work, "check", p["compliant"], *upd, "--policy-pack", str(broken_pack)),
        "audit-v4": lambda: _mlgov(work, "audit", str(v4)),
        "audit-garbled": lambda: _mlgov(work, "audit", str(garbled)),
        "audit-no-urn": lambda: _mlgov(work, "audit", str(no_urn)),
        "audit-missing": lambda: _mlgov(work, "audit", str(root / "missing.json")),
        "bad-usage": lambda: _mlgov(work, "check", "--mode", "sideways"),
        "rules": lambda: _mlgov(work, "rules", "--format", "json"),
        "other-pack-rules": lambda: _mlgov(work, "rules", "--policy-pack", str(other_pack), "--format", "json"),
        "other-pack-explain": lambda: _mlgov(work, "explain", "stack-size", "--policy-pack", str(other_pack)),
        "bad-exemption": lambda: _mlgov(work, "check", p["domain-public"], *upd, "--policy-config",
                                        str(bad_exemption)),
        "unknown-param": lambda: _mlgov(work, "check", p["compliant"], *upd, "--policy-config", str(unknown_param)),
        "several-reports": lambda: _mlgov(work, "check", p["secret"], *upd, "--format", "json", "-o",
                                          str(out / "m.json"), "--format", "sarif", "-o", str(out / "m.sarif"),
                                          "--format", "text"),
        "error-reports": lambda: _mlgov(work, "check", p["raises"], *upd, "--format", "json", "-o",
                                        str(out / "e.json"), "--format", "sarif", "-o", str(out / "e.sarif"),
                                        "--format", "junit", "-o", str(out / "e.xml")),
        "raises-in-update": lambda: _mlgov(work, "check", p["raises-in-update"], "--format", "json"),
        "config-flags": lambda: _mlgov(work, "check", p["needs-config"], *upd, "--config", "bucketName=from-cli",
                                       "--config-secret", "apiToken=cli-secret-value-42", "--format", "json"),
        "no-stack-file": lambda: _mlgov(work, "check", str(no_stack_file), *upd),
        "audit-text": lambda: _mlgov(work, "audit", str(export)),
        "rules-text": lambda: _mlgov(work, "rules"),
        "explain": lambda: _mlgov(work, "explain", "sagemaker-domain-vpc-only"),
        "explain-unknown": lambda: _mlgov(work, "explain", "sagemaker-domain-vpc-onyl"),
    }
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
        return {name: f.result() for name, f in futures.items()}


def _blocking(report: dict) -> list[dict]:
    return [v for v in report["violations"] if v["enforcement"] in ("mandatory", "remediate") and not v["unverifiable"]]


def _flagged(report: dict, mode: str = "update") -> set[tuple[str, str]]:
    return {(v["policy"], v["name"]) for v in _blocking(report) if mode in v["modes"]}


# -- verdicts ----------------------------------------------------------------------------------------

def test_compliant_program_passes_in_both_modes(runs):
    run = runs["compliant"]
    assert run.code == 0, run
    report = run.report
    assert _blocking(report) == [], run
    assert report["summary"]["passed"] is True
    assert set(report["summary"]["resources"]) == {"preview", "update"}
    # Stack, default provider, component, domain, notebook: every registration is analyzed.
    assert report["summary"]["resources"]["update"] >= 5
    assert any("apiToken" in w and "secure" in w for w in report.get("warnings", [])), report.get("warnings")
    assert "apiToken" in run.stderr and "mlgov: warning:" in run.stderr


@pytest.mark.parametrize(("case", "policy", "name", "type_"), [
    ("domain-public", "sagemaker-domain-vpc-only", "studio", "aws:sagemaker/domain:Domain"),
    ("notebook-internet", "sagemaker-notebook-no-direct-internet", "nb",
     "aws:sagemaker/notebookInstance:NotebookInstance"),
    ("sg-open", "ec2-security-group-no-public-ingress", "ssh-from-anywhere",
     "aws:ec2/securityGroupRule:SecurityGroupRule"),
    ("bucket-policy-public", "s3-bucket-policy-not-public", "public-read", "aws:s3/bucketPolicy:BucketPolicy"),
])
def test_each_broken_control_fails_the_gate(runs, case, policy, name, type_):
    run = runs[case]
    assert run.code == 1, run
    report = run.report
    assert (policy, name) in _flagged(report), run
    hit = next(v for v in _blocking(report) if v["policy"] == policy and v["name"] == name)
    assert hit["type"] == type_
    assert hit["urn"].endswith(f"::{type_}::{name}") and hit["urn"].startswith("urn:pulumi:dev::e2e-")
    assert "pulumi:pulumi:Stack$" not in hit["urn"]  # engine-shaped URNs
    assert hit["severity"] in ("low", "medium", "high", "critical") and hit["message"]
    # nothing else in the program is blocking: one control broken, one kind of finding
    assert {p for p, _ in _flagged(report)} == {policy}, run
    assert report["summary"]["blocking"] == len(_blocking(report)) >= 1


def test_sg_open_is_caught_in_preview_too(runs):
    report = runs["sg-open"].report
    assert ("ec2-security-group-no-public-ingress", "ssh-from-anywhere") in _flagged(report, "preview")
    # seen in both modes, reported once
    [finding] = [v for v in report["violations"] if v["policy"] == "ec2-security-group-no-public-ingress"]
    assert finding["modes"] == ["preview", "update"] and finding["mode"] == "preview"
    assert report["summary"]["blocking"] == 1


def test_advisory_passes_unless_fail_on_advisory_or_strict_config(runs):
    default, fail_on, strict = runs["advisory"], runs["advisory-fail-on"], runs["advisory-strict"]
    assert default.code == 0, default
    finding = [v for v in default.report["violations"] if v["policy"] == "ec2-subnet-no-public-ip"]
    assert finding and finding[0]["enforcement"] == "advisory" and finding[0]["name"] == "public-subnet"
    assert fail_on.code == 1, fail_on
    assert strict.code == 1, strict
    assert ("ec2-subnet-no-public-ip", "public-subnet") in _flagged(strict.report)


def test_exempted_finding_is_reported_and_does_not_fail(runs):
    run = runs["exempted"]
    assert run.code == 0, run
    exempted = [v for v in run.report["violations"] if v["enforcement"] == "exempted"]
    assert [(v["policy"], v["name"]) for v in exempted] == [("sagemaker-domain-vpc-only", "studio")], run
    assert "legacy Studio domain" in exempted[0]["exemption"] and not exempted[0]["message"].startswith("EXEMPTED")
    assert exempted[0]["severity"] == "critical"  # the exempted rule's severity, not the reporter's
    assert run.report["summary"]["exempted"] == 1
    assert not any(v["policy"].startswith("pack-") for v in run.report["violations"])


# -- reports -----------------------------------------------------------------------------------------

def test_json_contract(runs):
    report = runs["secret-json"].report
    assert runs["secret-json"].code == 1
    for v in report["violations"]:
        assert {"policy", "enforcement", "severity", "urn", "type", "name", "message", "mode"} <= set(v)
        assert v["enforcement"] in ("mandatory", "advisory", "remediate", "disabled", "exempted")
        assert v["mode"] in ("preview", "update")
    assert isinstance(report["summary"], dict) and report["summary"]["mandatory"] >= 2
    assert "program output must not corrupt" in runs["secret-json"].stderr


def test_every_format_renders_and_never_shows_secrets(runs):
    for case in ("secret-json", "secret-text", "secret-sarif", "secret-junit", "secret-markdown"):
        run = runs[case]
        assert run.code == 1, run
        assert SECRET not in run.text() and SECRET not in run.stdout and SECRET not in run.stderr, case
    # the rule echoes authMode's value: it is there, masked
    auth = [v for v in runs["secret-json"].report["violations"] if v["policy"] == "sagemaker-domain-iam-auth"]
    assert auth and all("[secret]" in v["message"] for v in auth)

    assert "sagemaker-domain-vpc-only" in runs["secret-text"].stdout
    assert "\x1b[" not in runs["secret-text"].stdout  # no color when not a terminal
    assert "sagemaker-domain-vpc-only" in runs["secret-markdown"].stdout

    sarif_run = runs["secret-sarif"]
    assert sarif_run.stdout == "" and "report written to" in sarif_run.stderr
    sarif = json.loads(sarif_run.text())
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert {"sagemaker-domain-vpc-only", "sagemaker-domain-iam-auth"} <= {r["ruleId"] for r in results}

    junit = ET.fromstring(runs["secret-junit"].text())
    failures = junit.findall(".//failure")
    assert failures and any("sagemaker-domain-vpc-only" in ET.tostring(f, encoding="unicode")
                            or "sagemaker-domain-vpc-only" in ET.tostring(junit, encoding="unicode")
                            for f in failures)


# -- any pack ----------------------------------------------------------------------------------------

def test_other_pack_resource_and_stack_policies(runs):
    run = runs["other-pack"]
    assert run.code == 1, run
    report = run.report
    assert report["pack"] == "other-pack" and report["pack_version"] == "2.3.4"
    assert ("no-sg-rules", "ssh-from-anywhere") in _flagged(report)
    stack = [v for v in report["violations"] if v["policy"] == "stack-size"]
    assert stack and stack[0]["enforcement"] == "advisory" and stack[0]["type"] == "pulumi:pulumi:Stack"


def test_rules_and_explain_of_another_pack(runs):
    listed = json.loads(runs["other-pack-rules"].stdout)
    assert [(r["id"], r["type"]) for r in listed] == [
        ("no-sg-rules", "resource"), ("stack-size", "stack"), ("explodes", "resource")]
    explain = runs["other-pack-explain"]
    assert explain.code == 0 and "stack-size: Stack size is reported" in explain.stdout, explain
    assert "the whole stack" in explain.stdout


# -- ergonomics --------------------------------------------------------------------------------------

def test_several_reports_in_one_run(runs, projects):
    run = runs["several-reports"]
    assert run.code == 1, run
    out = Path(projects["secret"]).parent / "out"
    assert json.loads((out / "m.json").read_text())["summary"]["blocking"] >= 1
    assert json.loads((out / "m.sarif").read_text())["version"] == "2.1.0"
    assert "FINDINGS" in run.stdout  # the format without an --output goes to stdout
    assert "json report written to" in run.stderr and "sarif report written to" in run.stderr


def test_every_report_file_holds_the_error_on_exit_2(runs, projects):
    run = runs["error-reports"]
    assert run.code == 2, run
    out = Path(projects["raises"]).parent / "out"
    doc = json.loads((out / "e.json").read_text())
    assert "boom-from-the-program" in doc["error"] and doc["passed"] is False
    invocation = json.loads((out / "e.sarif").read_text())["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert "boom-from-the-program" in invocation["toolExecutionNotifications"][0]["message"]["text"]
    error = ET.fromstring((out / "e.xml").read_text()).find(".//error")
    assert error is not None and "boom-from-the-program" in error.get("message")
    assert [line for line in run.stderr.splitlines() if line.startswith("mlgov: error:")] == [
        next(line for line in run.stderr.splitlines() if "boom-from-the-program" in line)]
    assert "__main__.py:" in run.stderr  # the user's file and line


def test_a_program_failing_in_one_mode_keeps_the_other_modes_findings(runs):
    run = runs["raises-in-update"]
    assert run.code == 2, run
    report = run.report
    assert "update-only-failure" in report["error"] and "__main__.py:" in report["error"]
    assert ("sagemaker-domain-vpc-only", "studio") in _flagged(report, "preview")
    assert "Traceback" not in run.stderr and len(run.stderr.splitlines()) < 10


def test_stack_config_from_the_command_line(runs):
    run = runs["config-flags"]
    assert run.code == 1, run  # decided: a bare bucket breaks the pack's bucket rules
    names = {v["name"] for v in run.report["violations"]}
    assert "from-cli" in names  # the program read bucketName from --config
    assert "apiToken" not in run.stderr  # given as a secret: no "cannot be decrypted" warning
    assert "cli-secret-value-42" not in run.stdout + run.stderr


def test_missing_stack_file_is_a_warning(runs):
    run = runs["no-stack-file"]
    assert run.code == 0, run
    assert "mlgov: warning: no stack config file Pulumi.dev.yaml" in run.stderr


def test_audit_reports_speak_of_state(runs):
    out = runs["audit-text"].stdout
    assert "state: 4 resources evaluated" in out, runs["audit-text"]
    assert "preview" not in out.lower() and "update" not in out.lower()
    assert "1 cannot be verified from the state" in out  # the encrypted bucket policy


# -- could not decide: exit 2, one clear line on stderr -----------------------------------------------

@pytest.mark.parametrize(("case", "needle"), [
    ("raises", "boom-from-the-program"),
    ("timeout", "timed out after 4s"),
    ("bad-json", "not valid JSON"),
    ("bad-schema", "allowedAuthModes"),
    ("unknown-policy", "no-such-rule"),
    ("no-project", "no Pulumi.yaml"),
    ("not-a-pack", "no PulumiPolicy.yaml"),
    ("broken-pack", "pack cannot import its rules"),
    ("other-pack-raises", "validator bug"),
    ("audit-v4", "unsupported deployment version 4"),
    ("audit-garbled", "not valid JSON"),
    ("audit-no-urn", "no `urn`"),
    ("audit-missing", "cannot read state file"),
    ("explain-unknown", "did you mean sagemaker-domain-vpc-only"),
    ("unknown-param", "did you mean 'allowedAuthModes'"),
    ("bad-exemption", "sagemaker-domain-vpc-only.exemptions.0.expires: '2027-13-45'"),
])
def test_undecidable_inputs_exit_2_with_one_line(runs, case, needle):
    run = runs[case]
    assert run.code == 2, run
    errors = [line for line in run.stderr.splitlines() if line.startswith("mlgov: error:")]
    assert len(errors) == 1 and needle in errors[0], run
    assert run.stdout == "", run
    assert "Traceback" not in run.stderr


def test_usage_error_exits_2(runs):
    assert runs["bad-usage"].code == 2 and "invalid choice" in runs["bad-usage"].stderr


# -- audit -------------------------------------------------------------------------------------------

def test_audit_export_from_stdin(runs):
    run = runs["audit-stdin"]
    assert run.code == 1, run
    report = run.report
    assert report["project"] == "legacy" and report["stack"] == "prod" and report["modes"] == ["audit"]
    assert ("sagemaker-domain-vpc-only", "old-studio") in _flagged(report, "audit")
    assert all(v["mode"] == "audit" for v in report["violations"])
    # the ciphertext policy document is unknown: its rule cannot verify it, and says so
    notes = [v for v in report["violations"] if v["name"] == "locked" and v["unverifiable"]]
    assert notes, run
    assert any("encrypted" in w for w in report["warnings"])
    # plaintext secrets from --show-secrets exports are redacted too
    assert EXPORT_SECRET not in run.stdout and EXPORT_SECRET not in run.stderr
    assert any("[secret]" in v["message"] for v in report["violations"] if v["policy"] == "sagemaker-domain-iam-auth")


def test_audit_export_file_as_sarif(runs):
    run = runs["audit-sarif"]
    assert run.code == 1, run
    assert json.loads(run.stdout)["version"] == "2.1.0"
    assert EXPORT_SECRET not in run.stdout


# -- catalog -----------------------------------------------------------------------------------------

def test_rules_and_explain(runs):
    """From the pack itself (GetAnalyzerInfo), whatever pack it is: here the bundled one."""
    from mlgov.testing import default_analyzer

    listed = json.loads(runs["rules"].stdout)
    assert [r["id"] for r in listed] == [p.name for p in default_analyzer().info().policies]
    assert {"id", "enforcement", "severity", "title", "type"} <= set(listed[0])
    assert "sagemaker-domain-vpc-only" in runs["rules-text"].stdout and runs["rules-text"].code == 0
    explain = runs["explain"]
    assert explain.code == 0
    for section in ("Description", "Remediation", "Frameworks", "Configuration", "VpcOnly"):
        assert section in explain.stdout, section


# -- the gate agrees with the in-process servicer -----------------------------------------------------

@pytest.mark.parametrize(("case", "run_name", "mode"), [
    ("domain-public", "domain-public", "update"),
    ("notebook-internet", "notebook-internet", "update"),
    ("sg-open", "sg-open", "preview"),
    ("sg-open", "sg-open", "update"),
    ("bucket-policy-public", "bucket-policy-public", "update"),
    ("secret", "secret-json", "preview"),
])
def test_gate_verdicts_agree_with_in_process_evaluate(runs, projects, case, run_name, mode):
    """Same program, same resources: the pack process over gRPC and `mlgov.testing.evaluate` in process."""
    from mlgov.diagnostics import to_violations
    from mlgov.project import load_project
    from mlgov.sources import ProgramSource
    from mlgov.testing import default_analyzer, evaluate

    loaded = ProgramSource(load_project(projects[case], "dev"), mode).load()
    result = evaluate(loaded.resources)
    expected = to_violations(result.diagnostics, mode=mode, info=default_analyzer().info(),
                             stack_urn=loaded.stack_urn, secrets=loaded.secrets)

    def key(v: dict) -> tuple:
        return (v["policy"], v["urn"], v["enforcement"], v["unverifiable"], v["message"])

    gate = sorted(key(v) for v in runs[run_name].report["violations"] if mode in v["modes"])
    assert gate == sorted(key(v.to_json()) for v in expected)
    assert gate  # every case has at least one finding
