"""The Airship sandbox's credentials, importable without FastAPI.

Each app key is its own project (a fresh key is a clean slate); every key shares one
master secret and one bearer token. Both are 22 word characters, the form the official
library checks keys and secrets against (`^[\\w-]{22}$`) [PY `client.py`].
"""

from __future__ import annotations

SANDBOX_MASTER_SECRET = "sandbox-master-secret0"
SANDBOX_TOKEN = "sandbox-bearer-token00"
