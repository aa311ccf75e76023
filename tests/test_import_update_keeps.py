"""`import --update` rewrites only what live changed, in the author's terms: a changed text
keeps the `{{ vars.X }}` placeholders whose values it still holds, and fields the spec's
`ignore_changes` leaves to the dashboard keep the file's value. The drift pull request
relies on both, so its diff is the dashboard edit and nothing else."""

from __future__ import annotations

from typing import Any

from reconciler.importer.write import retemplate, updated_text
from reconciler.workspace.templating import Renderer

RENDER = Renderer({"store_name": "Acme Store", "scheme": "myapp"}, "prod")
SPEC = """\
# kept comment
name: Spring sale
status: draft
goal: monetize
ignore_changes: ["creatives[*].build_attributes.push_title"]
audiences:
  campaign_type: everyone
schedule:
  on_schedule:
    begin_date: "2027-01-15T09:00:00Z"
    starting_time_zone_id: 0
creatives:
  - title: A
    build_attributes:
      push_title: Sale
      push_message: "15% off at {{ vars.store_name }}"   # templated
      ll_deep_link_url: "{{ vars.scheme }}://sale"
"""


def live(message: str, title: str = "Sale", link: str = "myapp://sale") -> dict[str, Any]:
    return {"name": "Spring sale", "status": "draft", "goal": "monetize",
            "audiences": {"campaign_type": "everyone"},
            "schedule": {"on_schedule": {"begin_date": "2027-01-15T09:00:00Z",
                                         "starting_time_zone_id": 0}},
            "creatives": [{"title": "A", "build_attributes": {
                "push_title": title, "push_message": message, "ll_deep_link_url": link}}]}


def test_a_changed_text_keeps_its_placeholders_and_the_other_fields_stay() -> None:
    new = updated_text("campaign", SPEC, "c.yaml", live("20% off at Acme Store"), RENDER)
    assert new == SPEC.replace('"15% off at', '"20% off at')


def test_ignored_fields_keep_the_files_value() -> None:
    new = updated_text("campaign", SPEC, "c.yaml", live("15% off at Acme Store", title="Hi"),
                       RENDER)
    assert new is None  # the only difference is a field the spec leaves to the dashboard


def test_retemplate_only_when_it_renders_back_exactly() -> None:
    assert retemplate("{{ vars.scheme }}://sale", "myapp://shop", RENDER) == \
        "{{ vars.scheme }}://shop"
    assert retemplate("at {{ vars.store_name }}", "at Other Store", RENDER) is None
    assert retemplate("at {{ vars.store_name }}", "{{ Acme Store }}", RENDER) is None
    assert retemplate("no template", "Acme Store", RENDER) is None
