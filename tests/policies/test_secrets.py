"""Secret detection in scripts: kinds and lines, never values; variables and command substitutions pass."""

from __future__ import annotations

import base64

import pytest
from ml_dataset_governance.policies import secrets

KEY_ID = "ASIA" + "Q2W3E4R5T6Y7U8I9"


@pytest.mark.parametrize(("line", "kind"), [
    (f"aws configure set aws_access_key_id {KEY_ID}", "an AWS access key id"),
    ("aws_secret_access_key = " + "a" * 20 + "B/" + "c" * 18, "an AWS secret access key"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----", "a private key"),
    ("export GITHUB_TOKEN=ghp_" + "x" * 36, "a GitHub token"),
    ("DB_PASSWORD='s3cr3t-value'", "a password or token assignment"),
    ("pip install --index-url https://user:s3cr3tpw@pypi.corp/simple pkg", "credentials in a URL"),
])
def test_kinds_are_found(line, kind):
    assert secrets.findings(f"#!/bin/bash\n{line}\n") == [(kind, 2)]


@pytest.mark.parametrize("line", [
    "PASSWORD=$(aws secretsmanager get-secret-value --secret-id db --query SecretString --output text)",
    "password=$DB_PASSWORD",
    "git clone https://github.com/org/repo.git",
    "echo 'set your password in the console'",
])
def test_runtime_reads_and_plain_text_pass(line):
    assert secrets.findings(line) == []


def test_base64_content_is_decoded_and_other_text_kept():
    script = f"#!/bin/bash\nexport AWS_ACCESS_KEY_ID={KEY_ID}\n"
    assert secrets.decode(base64.b64encode(script.encode()).decode()) == script
    assert secrets.decode(script) == script
    assert secrets.decode("not base64!") == "not base64!"
