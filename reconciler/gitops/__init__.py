"""GitOps glue: what the GitHub workflows post, decided in Python so the YAML stays thin.

`comment` builds the pull-request comment (or drift-issue body) of one env,
`labels` decides the plan labels of a pull request, `driftpr` (with
`driftbody`) turns dashboard edits into one drift pull request per env,
`issue` keeps one drift issue per env for drift a pull request cannot carry,
`staterecord` keeps each env's durable record (a ref of the repository: pins
before each send, the last applied commit), `pins` proposes apply's pinned ids
as a pull request (a copy), `guard` and `trees` decide whether a CI run may
apply, `pending` tells merged, not yet applied from drift, `gh` runs the GitHub
CLI. `reconciler gitops …` exposes them.
"""
