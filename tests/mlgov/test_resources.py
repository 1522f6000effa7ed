"""mlgov.resources: a registered resource's provider reference."""

from __future__ import annotations

from mlgov.resources import RecordedResource


def test_the_provider_urn_is_the_reference_without_its_id():
    r = RecordedResource(urn="urn:x", type="t", name="n", custom=True,
                         provider="urn:pulumi:dev::p::pulumi:providers:aws::default::prov-id-1")
    assert r.provider_urn == "urn:pulumi:dev::p::pulumi:providers:aws::default"
    assert RecordedResource(urn="urn:y", type="t", name="m", custom=True).provider_urn is None
