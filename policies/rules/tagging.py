"""tagging rules (being written)."""

RULES = ()
