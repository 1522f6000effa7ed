"""CloudTrail rules: a secure trail, and S3 data events (read and write) on every dataset bucket."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ml_dataset_governance.policies.datasets import BUCKET_TYPES, DATASET_PARAMS, is_dataset_bucket
from ml_dataset_governance.policies.frameworks import AWS_CONFIG, CIS, FSBP, NIST
from ml_dataset_governance.policies.model import Finding, Resource, Rule, Stack
from ml_dataset_governance.policies.values import (
    NeedsValue,
    Unverifiable,
    as_bool,
    as_list,
    contains_unknown,
    is_unknown,
    present,
)

TRAIL = "aws:cloudtrail/trail:Trail"
S3_OBJECT = "AWS::S3::Object"


# --- Trail settings ----------------------------------------------------------------------------------

def _trail_multi_region(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    if as_bool(r.get("isMultiRegionTrail")) is not True:
        yield "isMultiRegionTrail is not true (AWS defaults to a single-region trail); expected true."


def _trail_log_validation(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    if as_bool(r.get("enableLogFileValidation")) is not True:
        yield "enableLogFileValidation is not true (AWS defaults to false); expected true so log tampering is caught."


def _trail_kms(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    if not present(r.props, "kmsKeyId"):  # a key created in the same deployment is set, though unknown in preview
        yield "kmsKeyId is not set; expected log files encrypted with a customer-managed KMS key."


def _trail_logging(r: Resource, _params: Mapping[str, Any]) -> Iterator[str]:
    if as_bool(r.get("enableLogging")) is False:
        yield "enableLogging is false; expected the trail to be logging."


CLOUDTRAIL_TRAIL_SECURE = Rule(
    id="cloudtrail-trail-secure",
    title="CloudTrail trails are multi-region, logging, validated and KMS-encrypted",
    severity="medium",
    enforcement="advisory",
    frameworks=(FSBP("CloudTrail.1"), FSBP("CloudTrail.2"), FSBP("CloudTrail.4"), CIS("3.1"), CIS("3.2"),
                CIS("3.5"), NIST("AU-9")),
    rationale=(
        "The audit trail is the evidence of who touched which dataset: it must see every region, be "
        "tamper-evident (log file validation) and be encrypted with a key whose use is itself logged. Each "
        "setting is checked on its own, so an unknown KMS key ARN in preview does not hide the others."
    ),
    remediation=(
        "    aws.cloudtrail.Trail(\"audit\", s3_bucket_name=audit_bucket.id, is_multi_region_trail=True,\n"
        "        enable_log_file_validation=True, enable_logging=True, kms_key_id=audit_key.arn)"
    ),
    checks=(_trail_multi_region, _trail_log_validation, _trail_kms, _trail_logging),
    resource_types=(TRAIL,),
    tags=("logging", "audit"),
)


# --- S3 data events ----------------------------------------------------------------------------------

COVERS, NO, MAYBE = "covers", "no", "maybe"
_S3_ARN = re.compile(r"^arn:([^:]*):s3:::(.*)$", re.DOTALL)
_ALL_S3 = re.compile(r"^arn:[^:]*:s3(:::)?$")
_RW = {"All": (True, True), "ReadOnly": (True, False), "WriteOnly": (False, True)}


@dataclass(frozen=True)
class _Match:
    status: str  # COVERS, NO, MAYBE
    read: bool | None  # None: unknown
    write: bool | None
    from_dependency: bool = False  # MAYBE only because the ARNs, derived from the bucket, are unknown


def _bucket_names(bucket: Resource) -> set[str]:
    props = bucket.props if isinstance(bucket.props, Mapping) else {}
    names = set()
    for key in ("bucket", "id"):
        value = props.get(key)
        if isinstance(value, str) and value and not is_unknown(value):
            names.add(value)
    arn = props.get("arn")
    if isinstance(arn, str) and not is_unknown(arn):
        m = _S3_ARN.match(arn)
        if m and m.group(2):
            names.add(m.group(2))
    return names


def _classic_value_covers(value: str, names: set[str]) -> bool:
    """`arn:aws:s3:::` (or `arn:aws:s3`) is every bucket; `arn:aws:s3:::b/` or `...:::b` all of bucket b."""
    if _ALL_S3.match(value):
        return True
    m = _S3_ARN.match(value)
    if not m:
        return False
    bucket, _, prefix = m.group(2).partition("/")
    return bucket in names and prefix == ""


def _classic(selector: Any, names: set[str]) -> _Match:
    if is_unknown(selector) or not isinstance(selector, Mapping):
        return _Match(MAYBE if is_unknown(selector) else NO, None, None)
    rw_type = selector.get("readWriteType")
    if is_unknown(rw_type):
        read, write = None, None
    else:
        read, write = _RW.get(rw_type if isinstance(rw_type, str) else "All" if rw_type is None else "", (False, False))
    unknown_type = unknown_values = False
    resources = selector.get("dataResources")
    if is_unknown(resources):
        return _Match(MAYBE, read, write)
    for resource in as_list(resources):
        if is_unknown(resource):
            unknown_values = True
            continue
        if not isinstance(resource, Mapping):
            continue
        kind = resource.get("type")
        if is_unknown(kind):
            unknown_type = True
            continue
        if kind != S3_OBJECT:
            continue
        values = resource.get("values")
        for value in ([values] if is_unknown(values) else as_list(values)):
            if is_unknown(value):
                unknown_values = True
            elif isinstance(value, str) and _classic_value_covers(value, names):
                return _Match(COVERS, read, write)
    if unknown_type:
        return _Match(MAYBE, read, write)
    if unknown_values:
        return _Match(MAYBE, read, write, from_dependency=True)
    return _Match(NO, read, write)


def _arn_base(value: str) -> str:
    parts = value.split(":")
    return f"arn:{parts[1] if len(parts) > 2 else 'aws'}:s3:::"


def _starts(value: str, names: set[str]) -> bool:
    """True if an ARN `startsWith` value selects every object of the bucket (or of every bucket)."""
    base = _arn_base(value)
    return base.startswith(value) or any(f"{base}{n}/".startswith(value) for n in names)


def _excludes(value: str, names: set[str]) -> bool | None:
    """Whether an ARN exclusion (notStartsWith/notEquals) can remove objects of the bucket; None: cannot tell."""
    base = _arn_base(value)
    if base.startswith(value):
        return True
    if not names:
        return None
    return any(f"{base}{n}/".startswith(value) or value.startswith(f"{base}{n}/") for n in names)


_RESTRICTING_OK = ("eventCategory", "resources.type", "readOnly", "resources.ARN")


def _advanced(selector: Any, names: set[str]) -> _Match:
    fields = selector.get("fieldSelectors") if isinstance(selector, Mapping) else selector
    if is_unknown(fields):
        return _Match(MAYBE, None, None)
    by_field: dict[str, Mapping[str, Any]] = {}
    for fs in as_list(fields):
        if is_unknown(fs) or (isinstance(fs, Mapping) and is_unknown(fs.get("field"))):
            return _Match(MAYBE, None, None)
        if isinstance(fs, Mapping) and isinstance(fs.get("field"), str):
            if fs["field"] != "resources.ARN" and contains_unknown(fs):
                return _Match(MAYBE, None, None)
            by_field[fs["field"]] = fs

    def values(field: str, op: str) -> list[Any]:
        return as_list((by_field.get(field) or {}).get(op))

    if "Data" not in values("eventCategory", "equals") or S3_OBJECT not in values("resources.type", "equals"):
        return _Match(NO, None, None)
    read, write = True, True
    read_only = [str(v).lower() for v in values("readOnly", "equals")]
    if read_only and set(read_only) == {"true"}:
        write = False
    elif read_only and set(read_only) == {"false"}:
        read = False
    for field, fs in by_field.items():
        if field in _RESTRICTING_OK:
            continue
        if field == "eventSource" and set(fs) <= {"field", "equals"} and "s3.amazonaws.com" in values(field, "equals"):
            continue
        return _Match(NO, read, write)  # restricted to some events or identities: not every object access
    if "resources.ARN" not in by_field:
        return _Match(COVERS, read, write)
    if values("resources.ARN", "equals") or values("resources.ARN", "endsWiths") or \
            values("resources.ARN", "notEndsWiths"):
        return _Match(NO, read, write)  # specific objects only, or some excluded everywhere
    unknown = from_dependency = False
    for value in values("resources.ARN", "notStartsWiths") + values("resources.ARN", "notEquals"):
        excluded = None if is_unknown(value) else _excludes(value, names) if isinstance(value, str) else False
        if excluded is True:
            return _Match(NO, read, write)
        unknown = unknown or excluded is None
    starts = values("resources.ARN", "startsWiths")
    covered = not starts
    for value in starts:
        if is_unknown(value):
            from_dependency = True
        elif isinstance(value, str) and _starts(value, names):
            covered = True
    if covered and not unknown:
        return _Match(COVERS, read, write)
    if unknown or from_dependency:
        return _Match(MAYBE, read, write, from_dependency=from_dependency and not unknown)
    return _Match(NO, read, write)


def _trail_matches(trail: Resource, bucket: Resource, names: set[str]) -> list[tuple[str, _Match, bool]]:
    """(property, match, bucket-is-a-dependency-of-that-property) for every selector of a trail."""
    out: list[tuple[str, _Match, bool]] = []
    for prop, judge in (("eventSelectors", _classic), ("advancedEventSelectors", _advanced)):
        selectors = trail.props.get(prop) if isinstance(trail.props, Mapping) else None
        depends = bucket.urn in trail.property_dependencies.get(prop, ())
        if is_unknown(selectors):
            out.append((prop, _Match(MAYBE, None, None, from_dependency=depends), depends))
            continue
        for selector in as_list(selectors):
            out.append((prop, judge(selector, names), depends))
    return out


def _coverage(bucket: Resource, trails: list[Resource]) -> tuple[set[str], set[str]]:
    """(modes surely covered, modes that might be covered) among {"read", "write"}."""
    names = _bucket_names(bucket)
    covered: set[str] = set()
    maybe: set[str] = set()
    for trail in trails:
        groups: dict[str, list[_Match]] = {}
        for prop, match, depends in _trail_matches(trail, bucket, names):
            modes = {"read": match.read, "write": match.write}
            if match.status == COVERS:
                covered |= {m for m, on in modes.items() if on is True}
                maybe |= {m for m, on in modes.items() if on is None}
            elif match.status == MAYBE:
                if match.from_dependency:
                    # Unknown ARNs can only name this bucket if they are derived from it.
                    if depends:
                        groups.setdefault(prop, []).append(match)
                else:
                    maybe |= {m for m, on in modes.items() if on is not False}
        # The bucket feeds this property, so one of its selectors with unknown ARNs names it: a mode on which
        # all of them agree is covered; one some of them cover might be.
        for matches in groups.values():
            for mode in ("read", "write"):
                flags = [getattr(m, mode) for m in matches]
                if all(f is True for f in flags):
                    covered.add(mode)
                elif any(f is not False for f in flags):
                    maybe.add(mode)
    return covered, maybe - covered


def _dataset_data_events(stack: Stack, params: Mapping[str, Any]) -> Iterator[Finding]:
    unknown: list[str] = []
    trails = []
    for trail in stack.of_type(TRAIL):
        logging = trail.props.get("enableLogging") if isinstance(trail.props, Mapping) else None
        if as_bool(logging) is not False:
            trails.append(trail)
    for bucket in stack.of_type(*BUCKET_TYPES):
        try:
            if not is_dataset_bucket(bucket, params):
                continue
        except NeedsValue as exc:
            unknown.append(f"{bucket.name}.{exc.path}")
            continue
        covered, maybe = _coverage(bucket, trails)
        missing = [m for m in ("read", "write") if m not in covered]
        if not missing:
            continue
        if all(m in maybe for m in missing):
            unknown.append(f"{bucket.name}.trail.eventSelectors")
            continue
        what = " and ".join(missing)
        yield Finding(bucket.urn, f"no logging CloudTrail trail records S3 data events ({what}) for every object of "
                                  "this dataset bucket; expected an event selector with AWS::S3::Object data "
                                  "resources covering the bucket for read and write.")
    yield from (Unverifiable(path) for path in dict.fromkeys(unknown))


CLOUDTRAIL_DATASET_DATA_EVENTS = Rule(
    id="cloudtrail-dataset-data-events",
    title="Every dataset bucket is covered by CloudTrail S3 data events for read and write",
    severity="high",
    enforcement="advisory",
    frameworks=(CIS("3.8"), CIS("3.9"), FSBP("S3.22"), FSBP("S3.23"),
                AWS_CONFIG("cloudtrail-s3-dataevents-enabled"), NIST("AU-2")),
    rationale=(
        "Management events do not record object reads and writes: without S3 data events there is no trace of "
        "who downloaded a dataset. Coverage comes from classic event selectors (read_write_type All, or "
        "ReadOnly and WriteOnly selectors, with AWS::S3::Object values `arn:aws:s3:::` or "
        "`arn:aws:s3:::<bucket>/`) or advanced selectors (eventCategory Data, resources.type AWS::S3::Object, "
        "optional readOnly and resources.ARN startsWith), across all logging trails of the stack. In a first "
        "preview the ARNs are unknown: a selector whose values depend on the bucket (property dependencies) "
        "counts for it. A trail managed elsewhere (an organization trail) is not visible here: exempt the "
        "bucket with that reason."
    ),
    remediation=(
        "    aws.cloudtrail.Trail(\"audit\", ..., event_selectors=[{\n"
        "        \"read_write_type\": \"All\", \"include_management_events\": True,\n"
        "        \"data_resources\": [{\"type\": \"AWS::S3::Object\",\n"
        "                            \"values\": [dataset_bucket.arn.apply(lambda a: f\"{a}/\")]}]}])"
    ),
    checks=(_dataset_data_events,),
    stack=True,
    params=dict(DATASET_PARAMS),
    tags=("logging", "audit", "s3"),
)


RULES = (CLOUDTRAIL_TRAIL_SECURE, CLOUDTRAIL_DATASET_DATA_EVENTS)
