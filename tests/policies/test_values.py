"""Reading property values as the engine sends them: paths, unknown sentinels, documents, the Unverifiable marker."""

from __future__ import annotations

import pytest
from ml_dataset_governance.policies.values import (
    UNKNOWN,
    UNKNOWN_SENTINELS,
    MalformedDocument,
    NeedsValue,
    Unverifiable,
    as_bool,
    as_document,
    as_number,
    get,
    known,
    present,
    unverifiable,
)

TREE = {"a": {"b": [{"c": "x"}, UNKNOWN]}, "n": 3600.0, "u": UNKNOWN}


@pytest.mark.parametrize(("path", "value"), [("a.b.0.c", "x"), ("a.b.-2.c", "x"), ("n", 3600.0), ("a.b.5", None),
                                             ("a.x.y", None), ("n.x", None), (["a", "b", 0, "c"], "x")])
def test_get_reads_paths_and_gives_the_default_when_missing(path, value):
    assert get(TREE, path) == value


@pytest.mark.parametrize("path", ["u", "u.deeper", "a.b.1", "a.b.1.c"])
def test_get_raises_needs_value_on_an_unknown_anywhere_on_the_path(path):
    with pytest.raises(NeedsValue) as caught:
        get(TREE, path)
    assert caught.value.path == path


@pytest.mark.parametrize("sentinel", sorted(UNKNOWN_SENTINELS))
def test_every_sdk_sentinel_is_unknown(sentinel):
    assert not known({"v": sentinel}, "v") and present({"v": sentinel}, "v")


def test_present_and_known():
    assert present(TREE, "n") and not present({"v": ""}, "v") and not present({}, "v") and present(TREE, "u")
    assert known(TREE, "n") and not known(TREE, "u")


def test_the_marker_for_a_caught_needs_value_keeps_its_path():
    assert unverifiable(NeedsValue("tags"), "bucket-a: ") == Unverifiable("bucket-a: tags")


@pytest.mark.parametrize(("raw", "expected"), [
    ('{"Statement": []}', {"Statement": []}), ({"Statement": []}, {"Statement": []}), (None, None), ("", None)])
def test_as_document_reads_text_or_objects(raw, expected):
    assert as_document(raw) == expected


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", 3.0])
def test_as_document_rejects_what_is_not_a_json_object(raw):
    with pytest.raises(MalformedDocument):
        as_document(raw)


def test_as_document_on_an_unknown_part_needs_the_value():
    with pytest.raises(NeedsValue, match="assumeRolePolicy"):
        as_document({"Statement": [{"Principal": UNKNOWN}]}, "assumeRolePolicy")


def test_scalar_coercions():
    assert (as_bool("TRUE"), as_bool("no"), as_bool(1.0)) == (True, None, None)
    assert (as_number("30"), as_number(True), as_number("x"), as_number(7)) == (30.0, None, None, 7.0)
