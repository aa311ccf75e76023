"""Stream Chat's Campaign API (campaigns and segments) as a second platform.

`client` is the only code that knows Stream's URLs; `provider` maps specs to
it; `normalize` makes both sides comparable; `session` opens it for an env.
Imported only when an env says `provider: stream`.
"""
