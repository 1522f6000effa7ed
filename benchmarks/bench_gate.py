"""How long `mlgov check` takes, split into program run and policy evaluation, and how it grows with size.

    .venv/bin/python benchmarks/bench_gate.py [--resources 2000 10000] [--repeat 1] [--skip-bundled]

Runs `gate.check` in both modes (as `mlgov check` does: each mode in its own worker process, side by side) on the
bundled stack (`infra/`, Pulumi.dev.yaml) and on generated programs of N resources of mixed types (buckets with
their settings, KMS keys, IAM roles and policies, security groups and rules, SageMaker notebooks, components).
Per mode, from the workers' own timings:

- program: running the program under mocks with the recording monitor (registration order, URNs, secrets);
- pack start: launching the pack as the language host does until its port is read (overlapped with the program);
- policy: Configure, Analyze per resource, AnalyzeStack, diagnostics to findings;
- wall: the whole `gate.check` call (both modes together), as `mlgov check` spends it after interpreter start-up.

Then the growth of wall time from each size to the next, against the growth in resources. Not run by pytest.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mlgov import gate  # noqa: E402
from mlgov.pack import bundled_pack  # noqa: E402
from mlgov.project import load_project  # noqa: E402

GENERATED = '''
import json
import pulumi
import pulumi_aws as aws

N = int(pulumi.Config().require("groups"))
TAGS = {"classification": "internal", "owner": "bench", "project": "bench"}


class Group(pulumi.ComponentResource):
    def __init__(self, name, i):
        super().__init__("bench:index:Group", name, None, None)
        child = pulumi.ResourceOptions(parent=self)
        key = aws.kms.Key(f"{name}-key", enable_key_rotation=True, deletion_window_in_days=30, tags=TAGS, opts=child)
        bucket = aws.s3.Bucket(f"{name}-data", tags={**TAGS, "dataset": name}, opts=child)
        aws.s3.BucketPublicAccessBlock(f"{name}-pab", bucket=bucket.id, block_public_acls=True,
                                       block_public_policy=True, ignore_public_acls=True,
                                       restrict_public_buckets=True, opts=child)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-sse", bucket=bucket.id, rules=[{"apply_server_side_encryption_by_default": {
                "sse_algorithm": "aws:kms", "kms_master_key_id": key.arn}, "bucket_key_enabled": True}],
            opts=child)
        aws.s3.BucketVersioning(f"{name}-versioning", bucket=bucket.id,
                                versioning_configuration={"status": "Enabled"}, opts=child)
        aws.s3.BucketPolicy(f"{name}-policy", bucket=bucket.id, policy=bucket.arn.apply(lambda arn: json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})),
            opts=child)
        role = aws.iam.Role(f"{name}-role", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
            tags=TAGS, opts=child)
        aws.iam.RolePolicy(f"{name}-read", role=role.id, policy=bucket.arn.apply(lambda arn: json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"],
            "Resource": f"{arn}/*"}]})), opts=child)
        sg = aws.ec2.SecurityGroup(f"{name}-sg", vpc_id="vpc-0a1b2c3d", description="bench", tags=TAGS, opts=child)
        aws.ec2.SecurityGroupRule(f"{name}-https", type="ingress", from_port=443, to_port=443, protocol="tcp",
                                  cidr_blocks=["10.0.0.0/16"] if i % 10 else ["0.0.0.0/0"],
                                  security_group_id=sg.id, opts=child)
        aws.sagemaker.NotebookInstance(f"{name}-nb", instance_type="ml.t3.medium", role_arn=role.arn,
                                       subnet_id="subnet-0a1b2c3d", security_groups=[sg.id],
                                       root_access="Disabled", direct_internet_access="Disabled",
                                       kms_key_id=key.arn, tags=TAGS, opts=child)
        self.register_outputs({})


for i in range(N):
    Group(f"g{i:04d}", i)
'''
PER_GROUP = 12  # the component and its 11 resources


def _generated_project(root: Path, resources: int) -> Path:
    groups = max(1, -(-resources // PER_GROUP))
    (root / "Pulumi.yaml").write_text("name: bench\nruntime: python\n")
    (root / "Pulumi.dev.yaml").write_text(f"config:\n  aws:region: us-east-1\n  groups: {groups}\n")
    (root / "__main__.py").write_text(textwrap.dedent(GENERATED))
    return root


def _measure(project_dir: Path, label: str, repeat: int) -> list[tuple]:
    options = gate.GateOptions(pack=bundled_pack(), start_timeout=120, call_timeout=1800, timeout=None)
    best = None
    for _ in range(repeat):
        project = load_project(project_dir, "dev")
        t0 = time.perf_counter()
        report = gate.check(project, modes=gate.MODES, options=options)
        wall = time.perf_counter() - t0
        assert not report.errors, report.errors
        if best is None or wall < best[1]:
            best = (report, wall)
    report, wall = best
    t = report.timings
    return [(label, mode, report.resources_evaluated[mode], t[f"{mode}.program"], t[f"{mode}.pack_start"],
             t[f"{mode}.policy"], wall, sum(1 for v in report.violations if v.blocking() and mode in v.modes))
            for mode in gate.MODES]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, nargs="+", default=[2000, 10000],
                        help="resources in each generated program (default: 2000 10000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the fastest is kept")
    parser.add_argument("--skip-bundled", action="store_true", help="only the generated programs")
    args = parser.parse_args()

    rows: list[tuple] = []
    if not args.skip_bundled:
        rows += _measure(REPO, "bundled (infra/)", args.repeat)
    for size in args.resources:
        with tempfile.TemporaryDirectory(prefix="mlgov-bench-") as tmp:
            rows += _measure(_generated_project(Path(tmp), size), f"generated ({size}+)", args.repeat)

    header = ("stack", "mode", "resources", "program s", "pack start s", "policy s", "wall s (both)", "blocking")
    table = [header] + [(r[0], r[1], str(r[2]), f"{r[3]:.2f}", f"{r[4]:.2f}", f"{r[5]:.2f}", f"{r[6]:.2f}",
                         str(r[7])) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for i, row in enumerate(table):
        cells = zip(row, widths, strict=True)
        print("  ".join(cell.ljust(w) if j < 2 else cell.rjust(w) for j, (cell, w) in enumerate(cells)))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    for r in rows:
        per = (r[3] + r[5]) / max(r[2], 1) * 1000
        print(f"{r[0]} {r[1]}: {per:.2f} ms per resource (program {r[3] / max(r[2], 1) * 1000:.2f}, "
              f"policy {r[5] / max(r[2], 1) * 1000:.2f})")
    generated = [r for r in rows if r[0].startswith("generated") and r[1] == "update"]
    for small, large in zip(generated, generated[1:], strict=False):
        print(f"growth {small[2]} -> {large[2]} resources ({large[2] / small[2]:.1f}x): "
              f"wall {large[6] / small[6]:.1f}x, program {large[3] / small[3]:.1f}x, policy {large[5] / small[5]:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
