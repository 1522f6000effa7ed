"""Decoding the exempted-finding convention from the four fields the engine carries."""

from __future__ import annotations

import pytest

from mlgov.diagnostics import ExemptionNote, exemption

FINDING = "Studio domains use VPC-only network access\naws:sagemaker:Domain 'studio': appNetworkAccessType is 'x'."


@pytest.mark.parametrize(("last", "note"), [
    ("exempted: legacy domain, ticket GOV-12 (expires 2027-06-30)", ExemptionNote("legacy domain, ticket GOV-12",
                                                                                   "2027-06-30")),
    ("exempted: legacy domain (with parentheses) (no expiry)", ExemptionNote("legacy domain (with parentheses)", None)),
])
def test_an_advisory_finding_ending_with_the_exempted_line_is_an_exemption(last, note):
    assert exemption(f"{FINDING}\n{last}", "advisory") == note


@pytest.mark.parametrize(("message", "enforcement"), [
    (FINDING, "advisory"),
    (f"{FINDING}\nexempted: reason (expires 2027-06-30)", "mandatory"),  # exemptions never block
    (f"{FINDING}\nexempted: reason (expires soon)", "advisory"),
    (f"exempted: reason (no expiry)\n{FINDING}", "advisory"),  # only the last line counts
])
def test_anything_else_is_not(message, enforcement):
    assert exemption(message, enforcement) is None
