"""Netcore Smartech campaigns as a third platform.

`hosts` maps an env to Netcore's per-region hosts; `client` is the only code
that knows Smartech's URLs and bodies; `provider` maps specs to it (email by
unique name through the v4 list, app push by the id pinned in git);
`session` opens it for an env. Imported only when an env says
`provider: smartech`. Everything the public docs did not show is marked
ASSUMED here and in docs/specs/smartech.md.
"""
