"""The ML-dataset governance CrossGuard pack: rule records, their checks and the SDK adapter.

Nothing here constructs a PolicyPack (that starts a server); see the root `__main__.py`.
"""
