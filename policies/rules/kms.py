"""kms rules (being written)."""

RULES = ()
