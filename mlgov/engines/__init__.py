"""Engines `mlgov check|audit --engine` can use besides the built-in emulation (`mlgov.gate`)."""
