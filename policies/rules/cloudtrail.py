"""cloudtrail rules (being written)."""

RULES = ()
