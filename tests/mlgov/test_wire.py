"""mlgov.wire: the engine's value encoding, without any pack."""

from __future__ import annotations

import json

from mlgov.wire import RESOURCE_SIG, SECRET_SIG, SIG_KEY, UNKNOWN, Unwrapper, is_unknown


def test_wire_secrets_are_unwrapped_and_remembered():
    unwrap = Unwrapper()
    value = {"a": {SIG_KEY: SECRET_SIG, "value": {"token": "s3cret", "n": 1.0}}, "b": [UNKNOWN, "plain"]}
    assert unwrap(value) == {"a": {"token": "s3cret", "n": 1.0}, "b": [UNKNOWN, "plain"]}
    assert unwrap.secret_values == {"s3cret"} and unwrap.encrypted == 0


def test_export_plaintext_and_ciphertext_secrets():
    unwrap = Unwrapper()
    plaintext = {SIG_KEY: SECRET_SIG, "plaintext": json.dumps(["x-secret"])}
    ciphertext = {SIG_KEY: SECRET_SIG, "ciphertext": "v1:abc"}
    assert unwrap([plaintext, ciphertext]) == [["x-secret"], UNKNOWN]
    assert unwrap.secret_values == {"x-secret"} and unwrap.encrypted == 1


def test_resource_references_become_the_id_or_the_urn():
    unwrap = Unwrapper()
    assert unwrap({SIG_KEY: RESOURCE_SIG, "urn": "urn:x", "id": "vpc-1"}) == "vpc-1"
    assert unwrap({SIG_KEY: RESOURCE_SIG, "urn": "urn:component", "id": ""}) == "urn:component"


def test_unknown_sentinels_of_every_type_and_no_other_string():
    assert is_unknown(UNKNOWN) and is_unknown("1c4a061d-8072-4f0a-a4cb-0ff528b18fe7")
    assert not is_unknown("04da6b54") and not is_unknown(None) and not is_unknown(1)
