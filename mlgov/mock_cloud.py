"""Deprecated alias of `mlgov.cloud`, kept importable until every caller has switched."""

from mlgov.cloud import ACCOUNT_ID, CloudMocks, MockCloud, policy_document

__all__ = ["ACCOUNT_ID", "CloudMocks", "MockCloud", "policy_document"]
