"""`reconciler import`: live objects → spec files, so the first plan is all noops.

`select` decides which live objects, `slugs` names their files, `document`
turns a live body into a spec document (`escape` keeps literal braces
literal), `existing` finds the specs a repo already has, `write` writes new
files or merges changed values into existing ones, and `run` drives it all
page by page so memory stays flat on large apps.
"""
