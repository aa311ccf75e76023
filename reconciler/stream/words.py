"""Stream Chat segments and campaigns in a reviewer's words (`Provider.describe`).

Who: the segments by name and size, or the listed users; the sender. What: the
message text, whole, and the channel a campaign creates. When: `send.at` as a
date, `now`, or not sent (draft). Filters in words where they are simple
(`country is NO`); other operators are shown as written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from reconciler.describe import Context, Piece, Their, count, joined, moment, say
from reconciler.plan.model import Phrase, Words
from reconciler.stream.normalize import comparable_campaign, comparable_segment

OPERATORS = {"$eq": "is", "$ne": "is not", "$in": "is one of", "$nin": "is none of",
             "$gt": "is above", "$gte": "is at least", "$lt": "is below", "$lte": "is at most",
             "$exists": "exists:", "$contains": "contains"}
LISTED = 10  # listed users named before "and N more"


def describe_segment(payload: Mapping[str, Any], context: Context) -> Words:
    body = comparable_segment(payload)
    noun = "channels" if body.get("type") == "channel" else "users"
    pieces: list[Piece]
    if body.get("all_users"):
        pieces = ["all users of the app"]
    elif body.get("all_sender_channels"):
        pieces = ["every channel of the sender"]
    elif isinstance(body.get("filter"), Mapping):
        pieces = [f"{noun} whose ", *_filter(body["filter"])]
    else:
        pieces = _listed(body.get("target_ids") or [], noun)
    out = [say("name", "name", Their(str(body.get("name", ""))), paths=("name",)),
           say("who", "who", *pieces, paths=("type", "filter", "all_users",
                                            "all_sender_channels", "target_ids"))]
    if body.get("description"):
        out.append(say("description", "other", Their(str(body["description"])),
                       paths=("description",)))
    return tuple(out)


def describe_campaign(payload: Mapping[str, Any], context: Context) -> Words:
    body = comparable_campaign(payload)
    out = [say("name", "name", Their(str(body.get("name", ""))), paths=("name",)),
           _status(payload.get("send"), payload.get("status")),
           _who(body, context), _when(payload.get("send"), payload.get("status"))]
    template = body.get("message_template")
    text = template.get("text") if isinstance(template, Mapping) else None
    if text is not None:
        out.append(say("message", "what", Their(str(text)), paths=("message_template.text",),
                       block=True))
    out += _message_extras(template if isinstance(template, Mapping) else {})
    out += _channels(body)
    out += _delivery(body)
    if body.get("description"):
        out.append(say("description", "other", Their(str(body["description"])),
                       paths=("description",)))
    return tuple(out)


def _who(body: Mapping[str, Any], context: Context) -> Phrase:
    ids = body.get("segment_ids") or []
    pieces: list[Piece]
    if body.get("user_ids"):
        pieces = _listed(body["user_ids"], "users")
    else:
        noun = "segment " if len(ids) == 1 else "anyone in the segments "
        pieces = [noun, *joined([_segment(str(i), context) for i in ids], last=" or ")]
    short = joined([_segment(str(i), context)[:1] for i in ids], last=" or ")
    if body.get("sender_id"):
        pieces += [", from ", Their(str(body["sender_id"]))]
    return say("who", "who", *pieces, paths=("segment_ids", "user_ids", "sender_id"),
               short=None if body.get("user_ids") else short)


def _segment(sid: str, context: Context) -> list[Piece]:
    known = context.get(sid)
    if known is None:
        return [Their(sid), " (not managed here)"]
    size = (known.reach or {}).get("size")
    facts = [known.key or sid]
    if known.was:
        facts.append(f"now named {known.was!r} live")
    if size is not None:
        facts.append(count(int(size), "user") + (" before this plan" if known.changed else ""))
    else:
        facts.append("created in this run, size known after apply" if known.new
                     else "size not counted by Stream")
    if known.changed:
        facts.append("changed in this plan: the new size is known after apply")
    return [Their(known.name), f" ({', '.join(facts)})"]


def _when(send: Any, status: Any) -> Phrase:
    pieces: list[Piece]
    if isinstance(send, Mapping):
        at = send.get("at")
        pieces = (["as soon as it is applied"] if at in (None, "now")
                  else ["at ", moment(at)])
        if send.get("stop_at"):
            pieces += [", stops at ", moment(send["stop_at"])]
    elif send or status not in (None, "draft"):
        pieces = ["already started" + (f" ({status})" if status else "")]
    else:
        pieces = ["not sent: a draft until the spec gets a send: block"]
    return say("when", "when", *pieces, paths=("send",))


def _status(send: Any, status: Any) -> Phrase:
    """Whether it reaches anyone: a spec's send block, or a live campaign's status."""
    pieces: list[Piece]
    if isinstance(send, Mapping):
        at = send.get("at")
        pieces = (["goes live: sends as soon as it is applied"] if at in (None, "now")
                  else ["scheduled for ", moment(at), " once applied"])
    elif send or status not in (None, "draft"):
        pieces = ["live: started" + (f" ({status})" if status else "") + ", it cannot change"]
    else:
        pieces = ["draft: reaches no one"]
    return say("status", "status", *pieces, paths=("send",))


def _message_extras(template: Mapping[str, Any]) -> list[Phrase]:
    """What travels with the text: attachments, custom data, a poll, searchability."""
    out = []
    files = [a for a in template.get("attachments") or () if isinstance(a, Mapping)]
    if files:
        shown: list[list[Piece]] = [[Their(str(a.get("image_url") or a.get("asset_url")
                                               or a.get("title_link") or a.get("type")))]
                                    for a in files]
        out.append(say("attachments", "what", *joined(shown, last=", "),
                       paths=("message_template.attachments",)))
    if template.get("custom"):
        out.append(say("message data", "what", *_pairs(template["custom"]),
                       paths=("message_template.custom",)))
    if template.get("poll_id"):
        out.append(say("poll", "what", "with the poll ", Their(str(template["poll_id"])),
                       paths=("message_template.poll_id",)))
    if template.get("searchable") is not None:
        out.append(say("search", "other", "searchable" if template["searchable"]
                       else "not searchable", paths=("message_template.searchable",)))
    return out


def _channels(body: Mapping[str, Any]) -> list[Phrase]:
    """The channel a campaign creates per receiver, and how the sender sees it."""
    out = []
    channel = body.get("channel_template")
    if body.get("create_channels") and isinstance(channel, Mapping):
        cid: list[Piece] = [", id ", Their(str(channel["id"]))] if channel.get("id") else []
        team: list[Piece] = [", team ", Their(str(channel["team"]))] if channel.get("team") \
            else []
        members = [str(m) for m in channel.get("members") or ()]
        members += [str(m.get("user_id")) for m in channel.get("members_template") or ()
                    if isinstance(m, Mapping)]
        with_: list[Piece] = ([", with ", *joined([[Their(m)] for m in members], last=" and ")]
                              if members else [])
        out.append(say("channel", "what", "creates a channel per receiver, type ",
                       Their(str(channel.get("type"))), *cid, *team, *with_,
                       paths=("create_channels", "channel_template")))
        if channel.get("custom"):
            out.append(say("channel data", "what", *_pairs(channel["custom"]),
                           paths=("channel_template.custom",)))
    shows = {"include": "the sender is added to every channel",
             "exclude": "the sender is not added to the channels"}
    pieces: list[Piece] = [shows[str(body["sender_mode"])]] if body.get("sender_mode") in shows \
        else []
    if body.get("sender_visibility"):
        pieces.append(f"{'; ' if pieces else ''}the channels are {body['sender_visibility']} "
                      "for the sender")
    if body.get("show_channels"):
        pieces.append(f"{'; ' if pieces else ''}the created channels are shown")
    if pieces:
        out.append(say("sender", "other", *pieces,
                       paths=("sender_mode", "sender_visibility", "show_channels")))
    return out


def _delivery(body: Mapping[str, Any]) -> list[Phrase]:
    skipped = [w for flag, w in (("skip_push", "no push notification"),
                                 ("skip_webhook", "no webhooks")) if body.get(flag)]
    if not skipped:
        return []
    return [say("push", "what", "; ".join(skipped), paths=("skip_push", "skip_webhook"))]


def _pairs(data: Any) -> list[Piece]:
    """`key = value` pairs of custom data; a nested value as it is written."""
    items = data.items() if isinstance(data, Mapping) else []
    return joined([[Their(str(k)), " = ", Their(v if isinstance(v, str) else
                                                json.dumps(v, ensure_ascii=False))]
                   for k, v in items], last=", ")


def _listed(ids: list[Any], noun: str) -> list[Piece]:
    shown: list[list[Piece]] = [[Their(str(i))] for i in ids[:LISTED]]
    more = [f" and {len(ids) - LISTED:,} more"] if len(ids) > LISTED else []
    return [f"{len(ids):,} listed {noun}: ", *joined(shown, last=", "), *more]


def _filter(f: Mapping[str, Any]) -> list[Piece]:
    """`country is NO and age is at least 18`; an operator we do not know is shown as written."""
    parts: list[list[Piece]] = []
    for field, cond in f.items():
        if isinstance(cond, Mapping) and len(cond) == 1:
            op, value = next(iter(cond.items()))
            values = value if isinstance(value, list) else [value]
            parts.append([Their(str(field)), f" {OPERATORS.get(op, op)} ",
                          *joined([[Their(str(v))] for v in values], last=", ")])
        else:
            parts.append([Their(str(field)), " is ", Their(str(cond))])
    return joined(parts, last=" and ")


# --- field-table values in words ----------------------------------------------
FLAGS = {"create_channels": ("creates a channel per receiver", "no channel per receiver"),
         "show_channels": ("the created channels are shown", "the created channels are hidden"),
         "skip_push": ("no push notification", "with a push notification"),
         "skip_webhook": ("no webhooks", "webhooks are called"),
         "searchable": ("searchable", "not searchable"),
         "all_users": ("all users of the app", "only the users its filter or list selects")}
SENDER_MODES = {"include": "the sender is added to every channel",
                "exclude": "the sender is not added to the channels"}


def show_value(kind: str, path: str, value: Any, payload: Mapping[str, Any]) -> str | None:
    """A field-table value as the cards say it: `send` as when it sends (in UTC, as
    `send.at` is written), a flag as what it does."""
    key = path.rsplit(".", 1)[-1]
    if path == "send":
        return "".join(_when(payload.get("send"), payload.get("status")).parts)
    if key in FLAGS and isinstance(value, bool):
        return FLAGS[key][0 if value else 1]
    if path.startswith("filter.") and key in OPERATORS and isinstance(value, bool):
        return f"{OPERATORS[key]} {'true' if value else 'false'}"  # a profile flag's value
    if key == "sender_mode":
        return SENDER_MODES.get(str(value))
    if key == "sender_visibility":
        return f"the channels are {value} for the sender"
    return None
