"""Which documented forms a Localytics env is written in: reconciler.yaml, then doctor.

`audience_key` set in the env's reconciler.yaml always wins (nothing cached
beats the files); otherwise a `reconciler doctor --write` finding for the env
chooses, and the plan says so; otherwise the OpenAPI's `audience`. A finding
only picks between the two documented keys, never changes what a spec means.
"""

from __future__ import annotations

from reconciler.config import LoadedConfig
from reconciler.doctor import load_findings
from reconciler.localytics.config import LocalyticsEnv
from reconciler.localytics.normalize import AUDIENCE_KEYS


def audience_key(loaded: LoadedConfig) -> tuple[str, tuple[str, ...]]:
    """(the key saved audiences are written under, plan notes saying where it came from)."""
    env = LocalyticsEnv.of(loaded.env)
    if "audience_key" in env.model_fields_set:
        return env.audience_key, ()
    findings = load_findings(loaded.state_dir, loaded.env_name)
    chosen = findings.choice("audience_key", AUDIENCE_KEYS) if findings else None
    if findings is None or chosen is None or chosen == env.audience_key:
        return env.audience_key, ()  # a finding that changes nothing goes unmentioned
    return chosen, (findings.note("audience key", chosen, loaded.config_dir),)
