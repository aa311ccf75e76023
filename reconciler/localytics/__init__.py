"""Localytics: the HTTP client, wire normalization and the provider."""
