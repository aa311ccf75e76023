"""The nested objects of a campaign request: `message_template` and `channel_template`.

Checked field by field against the OpenAPI (CampaignMessageTemplate,
CampaignChannelTemplate, CampaignChannelMember), so a template sent as a
string, a list where an object belongs, or an over-long list is a 400 that
names the field, never a 500.
"""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.stream.protocol import bad_input, checked, max_length

MESSAGE = {"text": "string", "attachments": "array", "custom": "object", "poll_id": "string",
           "searchable": "boolean"}
CHANNEL = {"type": "string", "id": "string", "team": "string", "custom": "object",
           "members": "array", "members_template": "array"}
MEMBER = {"user_id": "string", "channel_role": "string", "custom": "object"}


def check_templates(op: str, fields: dict[str, Any]) -> None:
    message = fields.get("message_template")
    if message is None:
        raise bad_input(op, "message_template is a required field")
    message = checked(op, message, MESSAGE, "message_template.")
    if not message.get("text"):
        raise bad_input(op, "message_template.text is a required field")
    attachments = message.get("attachments", [])
    if len(attachments) > 30 or not all(isinstance(a, dict) for a in attachments):
        raise bad_input(op, "message_template.attachments must be at most 30 objects")
    channel = fields.get("channel_template")
    if channel is not None:
        _check_channel(op, channel)


def _check_channel(op: str, channel: dict[str, Any]) -> None:
    channel = checked(op, channel, CHANNEL, "channel_template.")
    if not channel.get("type"):
        raise bad_input(op, "channel_template.type is a required field")
    max_length(op, channel, {"type": 64, "team": 1000})
    if channel.get("members") and channel.get("members_template"):
        # members_template is Stream's alternative to members (its campaign guide; the
        # SDK's PR #209): a channel takes one or the other, never both.
        raise bad_input(op, "channel_template.members and channel_template.members_template "
                        "cannot be used together")
    members = channel.get("members", [])
    if len(members) > 1000 or not all(isinstance(m, str) and m for m in members):
        raise bad_input(op, "channel_template.members must be at most 1000 user ids")
    template = channel.get("members_template", [])
    if len(template) > 1000 or not all(isinstance(m, dict) for m in template):
        raise bad_input(op, "channel_template.members_template must be at most 1000 objects")
    for member in template:
        if not checked(op, member, MEMBER, "channel_template.members_template[].").get(
                "user_id"):
            raise bad_input(op, "channel_template.members_template[].user_id is required")
