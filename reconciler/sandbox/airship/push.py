"""`POST /api/push`, `/api/push/validate` and the channel lookup [OAS push, channels].

`/api/push/validate` checks a push object (or an array of up to 100) and sends nothing:
200 `{ok}` or 400 [OAS]. `/api/push` is a live send in Airship; the sandbox takes it for
`send-test` only, so beyond Airship's own checks it refuses (400) any audience that is
not named channels or named users (`channel`, `ios_channel`, `android_channel`,
`named_user`, alone or under one `or`): a sandbox guard, not an Airship rule. Each
accepted push is logged (`/_sandbox/sends`) and answered 202 `{ok, operation_id,
push_ids, message_ids, content_urls}` [OAS push response].

`GET /api/channels/{id}`: `{ok, channel}` for a device the project knows (registered
through `/_sandbox/channels`), else 404 [OAS channels]; what a doctor checks a test
recipient with.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import Response

from reconciler.sandbox.airship.audience import named_recipients
from reconciler.sandbox.airship.protocol import bad, not_found, ok
from reconciler.sandbox.airship.push_rules import check_push
from reconciler.sandbox.airship.routing import Call, Route
from reconciler.sandbox.airship.segments import exists

MAX_PUSHES = 100


def _pushes(call: Call) -> list[dict[str, Any]]:
    items = call.body if isinstance(call.body, list) else [call.body]
    if not items or len(items) > MAX_PUSHES:
        raise bad(f"Send 1 to {MAX_PUSHES} push objects")
    many = isinstance(call.body, list)
    return [check_push(item, f"[{i}]" if many else "push", exists(call.project))
            for i, item in enumerate(items)]


def validate_push(call: Call) -> Response:
    _pushes(call)
    return ok({"operation_id": call.op})


def send_push(call: Call) -> Response:
    pushes = _pushes(call)
    for i, push in enumerate(pushes):
        if named_recipients(push["audience"]) is None:
            raise bad("The sandbox sends only to named channels or named users (channel, "
                      "ios_channel, android_channel, named_user)", f"[{i}].audience")
    ids = [str(uuid.uuid4()) for _ in pushes]
    for ident, push in zip(ids, pushes, strict=True):
        call.project.log_send("push", ident, push)
    return ok({"operation_id": call.op, "push_ids": ids, "message_ids": [],
               "content_urls": []}, 202)


def get_channel(call: Call) -> Response:
    channel = call.project.channel(call.path["id"])
    if channel is None:
        raise not_found("channel", call.path["id"])
    return ok({"channel": channel})


ROUTES = (
    Route("POST", "/api/push", "push", send_push),
    Route("POST", "/api/push/validate", "push-validate", validate_push),
    Route("GET", "/api/channels/{id}", "channels-get", get_channel),
)
