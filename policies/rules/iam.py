"""iam rules (being written)."""

RULES = ()
