"""Smartech campaigns in a reviewer's words (`Provider.describe`).

Who: the panel lists and segments by name, key and size (`send.audience`),
or no one yet for a draft; app push also names its apps. What: an email's
sender, subject and preheader and the panel template that is its body; an
app push's panel template. When: `send.at` as a date in the zone it is
written in, or as soon as it is applied, and the frequency capping. Status:
draft (reaches no one), scheduled or live. Both a spec's payload and a live
body (`wire.comparable_campaign`: `audience: ["list:11"]`, `send: true`) are
read, so an update says each changed field before → after in the same words.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from reconciler.describe import Context, Piece, Their, count, joined, plain, say
from reconciler.plan.model import Phrase, Words

WHO_PATHS = ("audience", "send.audience", "send_audience")


def describe_campaign(payload: Mapping[str, Any], context: Context) -> Words:
    push = payload.get("channel") == "apn"
    send = payload.get("send")
    if "campaign" in payload and send:  # an app push body kept in git: that send went out
        send = True
    # app push: `campaign` digests the create fields, each in words here (name, apps, …)
    made = ("campaign",) if push else ()
    out = [say("name", "name", Their(str(payload.get("name", ""))), paths=("name", *made)),
           _status(send), say("who", "who", *_who(payload, context), paths=WHO_PATHS,
                               short=joined([_audience(i, context)[1:2]
                                             for i in _audience_ids(payload)], last=" or "))]
    if push:
        apps: list[list[Piece]] = [[Their(str(a))] for a in payload.get("app_ids") or ()]
        out.append(say("apps", "who", *joined(apps, last=" and "),
                       paths=("app_ids", *made)))
    out.append(say("when", "when", *_when(send, push), paths=("send",)))
    out += _what(payload, push)
    tags: list[list[Piece]] = [[Their(str(t))] for t in payload.get("tags") or () if t != "reconciler"]
    if tags:
        out.append(say("tags", "other", *joined(tags, last=", "), paths=("tags", *made)))
    out.append(say("channel", "other", "app push" if push else "email",
                   paths=("channel", *made)))
    return tuple(out)


def schedule(payload: Mapping[str, Any]) -> dict[str, Any] | None:
    """The plan JSON's `schedule`: when the send block goes out, as written."""
    send = payload.get("send")
    if not isinstance(send, Mapping):
        return None
    return {"at": send.get("at", "now"),
            "frequency_capping": bool(send.get("frequency_capping", True))}


# --- who -----------------------------------------------------------------
def _who(payload: Mapping[str, Any], context: Context) -> list[Piece]:
    ids = _audience_ids(payload)
    if not ids:
        return ["no one yet: a draft has no audience until the spec gets a send: block"]
    noun = "" if len(ids) == 1 else "anyone in "
    return [noun, *joined([_audience(i, context) for i in ids], last=" or ")]


def _audience_ids(payload: Mapping[str, Any]) -> list[str]:
    """Live ids (`list:11`) from a payload's resolved pairs or a live body's `audience`."""
    pairs = payload.get("send_audience")
    if isinstance(pairs, list):
        return [p if isinstance(p, str) else f"{p[0]}:{p[1]}" for p in pairs]
    listed = payload.get("audience")
    if isinstance(listed, list):
        return [str(i) for i in listed]
    send = payload.get("send")  # an app push body kept in git: the send block as written
    refs = send.get("audience") if isinstance(send, Mapping) else None
    return [f"{r.get('type')}:{r.get('id')}" if isinstance(r, Mapping) else f"<audience:{r}>"
            for r in refs or ()]


def _audience(live_id: str, context: Context) -> list[Piece]:
    """`segment *Lapsed buyers* (lapsed-buyers, 3,000 users)`."""
    key = live_id[1:-1] if live_id.startswith("<") else live_id
    kind, _, number = key.partition(":")
    known = context.get(key)
    if known is None:
        return [f"{kind} {number or key} (not referenced by an audiences/ file)"]
    size = (known.reach or {}).get("user_count")
    facts = [known.key or f"id {number}",
             count(int(size), "user") if size is not None else "size not counted"]
    noun = f"{kind} " if kind in ("list", "segment") else ""  # a key: its type is the panel's
    return [noun, Their(known.name), f" ({', '.join(facts)})"]


# --- when, status ----------------------------------------------------------
def _when(send: Any, push: bool) -> list[Piece]:
    if send is None or send is False:
        return ["not sent: a draft until the spec gets a send: block"]
    if not isinstance(send, Mapping):  # a live body: sent or scheduled, its time not read back
        return ["already executed" if push else "already scheduled or sent"]
    verb = "executes" if push else "sends"
    at = send.get("at", "now")
    pieces: list[Piece] = ([f"{verb} once, as soon as it is applied"] if at == "now"
                           else [f"{verb} once, on ", *_moment(at)])
    capping = send.get("frequency_capping", True)
    pieces.append(", within the account's frequency capping" if capping
                  else ", ignoring the account's frequency capping")
    return pieces


def _status(send: Any) -> Phrase:
    if send is None or send is False:
        text: list[Piece] = ["draft: reaches no one"]
    elif not isinstance(send, Mapping):
        text = ["live: executed or scheduled, it cannot change"]
    elif send.get("at", "now") == "now":
        text = ["goes live: sends as soon as it is applied"]
    else:
        text = ["scheduled for ", *_moment(send["at"]), " once applied"]
    return say("status", "status", *text, paths=("send",))


def _moment(value: Any) -> list[Piece]:
    """`20 Mar 2027 at 09:00 UTC`, in the zone it is written in (`+01:00` stays +01:00)."""
    try:
        t = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return [Their(str(value))]
    offset = t.utcoffset()
    if offset is None:
        zone = "UTC"
    else:
        minutes = int(offset.total_seconds() // 60)
        sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
        zone = "UTC" if not minutes else f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return [f"{t.day} {t:%b} {t.year} at {t:%H:%M} {zone}"]


# --- what ------------------------------------------------------------------
def _what(payload: Mapping[str, Any], push: bool) -> list[Phrase]:
    template = str(payload.get("template_id"))
    if push:
        out = [say("message", "what", "the panel's app push template ", Their(template),
                   paths=("template_id", "campaign"))]
        send = payload.get("send")
        extra = send.get("personalization") if isinstance(send, Mapping) else None
        if isinstance(extra, Mapping) and extra:
            pairs: list[list[Piece]] = [[Their(str(k)), " = ", Their(str(v))]
                                        for k, v in extra.items()]
            out.append(say("personalization", "what", *joined(pairs, last=", "),
                           paths=("send.personalization",)))
        return out
    sender = payload.get("sender_details")
    s: Mapping[str, Any] = sender if isinstance(sender, Mapping) else {}
    out = [say("from", "what", Their(str(s.get("sender_name", ""))), " <",
               Their(str(s.get("sender_email", ""))), ">", paths=("sender_details",)),
           say("subject", "what", Their(str(payload.get("subject_line") or "")),
               paths=("subject_line",), block=True)]
    if payload.get("preheader"):
        out.append(say("preheader", "what", Their(str(payload["preheader"])),
                       paths=("preheader",), block=True))
    out.append(say("body", "what", "the panel's email template ", Their(template),
                   paths=("template_id",)))
    return out


# --- field-table values in words ----------------------------------------------
CHANNELS = {"email": "email", "apn": "app push"}


def show_value(kind: str, path: str, value: Any, payload: Mapping[str, Any]) -> str | None:
    """A field-table value as the cards say it: `send` as when it sends, `send.at` in the
    zone it is written in, the capping and channel in words, the app push's fingerprint
    of what it was created with as what it stands for."""
    push = payload.get("channel") == "apn"
    if path == "send":
        return plain(_when(payload.get("send"), push))
    if path == "send.at":
        return plain(["as soon as it is applied"] if value == "now" else _moment(value))
    if path == "send.frequency_capping" and isinstance(value, bool):
        return ("within" if value else "ignoring") + " the account's frequency capping"
    if path == "channel":
        return CHANNELS.get(str(value))
    if path == "campaign" and push:
        return "a fingerprint of the apps, name, template and tags it was created with"
    return None
