"""Source positions that travel with the data: YAML files read with the line and
column of every value, and pydantic errors mapped back onto them. Used by both
`config` (reconciler.yaml) and `spec` (spec files)."""
