"""Rule modules, one per AWS service. Each exposes `RULES`, a tuple of `policies.model.Rule`."""
