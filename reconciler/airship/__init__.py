"""Airship (REST API v3): segments (audiences/), pipelines and scheduled pushes
(campaigns/). Facts and their sources: docs/specs/airship.md."""
