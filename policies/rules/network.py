"""network rules (being written)."""

RULES = ()
