"""s3 rules (being written)."""

RULES = ()
