"""The ML-dataset governance CrossGuard pack: rule records, their checks and the SDK adapter.

Importing it starts nothing: only `policies/__main__.py` serves (`pack.serve()`), the pack directory's entry point.
"""
