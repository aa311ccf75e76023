"""GitOps glue: what the GitHub workflows post, decided in Python so the YAML stays thin.

`comment` builds the pull-request comment (or drift-issue body) of one env,
`labels` decides the plan labels of a pull request, `issue` keeps one drift
issue per env, `gh` runs the GitHub CLI. `reconciler gitops …` exposes them.
"""
