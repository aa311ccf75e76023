"""Stream spec files: models chosen by the env's provider, maxima, file:line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import load_config
from reconciler.errors import SpecErrors
from reconciler.workspace import load_workspace
from tests.helpers import FIXTURES, run_cli

CONFIG = "default_env: s\nenvs:\n  s: {provider: stream, api_url: sandbox, vars: {app: Acme}}\n"


def repo(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "reconciler.yaml").write_text(CONFIG)
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def problems(tmp_path: Path, files: dict[str, str]) -> list[str]:
    root = repo(tmp_path, files)
    with pytest.raises(SpecErrors) as info:
        load_workspace(load_config(root / "reconciler.yaml"), warn=lambda _l: None)
    shown = [(Path(p.location.path), p) for p in info.value.problems]  # relative to cwd
    return [f"{path.relative_to(root) if path.is_absolute() else path}:{p.location.line}: "
            f"{p.message}" for path, p in shown]


CAMPAIGN = "name: C\nsender_id: bot\nmessage_template: {text: hi}\n"


def test_a_stream_env_loads_segments_and_campaigns(tmp_path: Path) -> None:
    root = repo(tmp_path, {
        "audiences/a.yaml": "type: user\nname: A\nall_users: true\n",
        "campaigns/promo/c.yaml": "name: C\nsender_id: bot\nsegments: [a]\n"
        "message_template: {text: 'Hi {{ receiver.name }} from {{ vars.app }}'}\n",
    })
    ws = load_workspace(load_config(root / "reconciler.yaml"))
    assert [(s.kind, s.key) for s in ws] == [("segment", "a"), ("campaign", "promo/c")]
    campaign = ws.get("campaign:promo/c")
    assert campaign is not None and campaign.depends_on == ("segment:a",)
    assert campaign.body["message_template"]["text"] == "Hi {{ receiver.name }} from Acme"


def test_exclusive_fields_maxima_and_unknown_keys_point_at_lines(tmp_path: Path) -> None:
    many = ", ".join(f"s{i}" for i in range(26))
    found = problems(tmp_path, {
        "audiences/both.yaml": "type: user\nname: B\nall_users: true\nfilter: {a: 1}\n",
        "audiences/chan.yaml": "type: user\nname: C\nall_sender_channels: true\n",
        "audiences/long.yaml": f"type: user\nname: {'n' * 129}\ntarget_ids: [x]\n",
        "campaigns/two.yaml": CAMPAIGN + "segments: [both]\nuser_ids: [u]\n",
        "campaigns/many.yaml": CAMPAIGN + f"segments: [{many}]\n",
        "campaigns/typo.yaml": CAMPAIGN + "segments: [bothh]\nsend: {at: soon}\n",
        "campaigns/ok.yaml": CAMPAIGN + "segments: [chan]\ncreate_channels: true\n",
    })
    text = "\n".join(found)
    assert "audiences/both.yaml:1: give exactly one of filter, all_users" in text
    assert "audiences/chan.yaml:3: all_sender_channels needs type channel" in text
    assert "audiences/long.yaml:2:" in text and "128" in text
    assert "campaigns/two.yaml:1: give exactly one of segments and user_ids" in text
    assert "campaigns/many.yaml:4:" in text and "25" in text
    assert "campaigns/typo.yaml:5:" in text and "'soon' is not an ISO 8601" in text
    assert "campaigns/ok.yaml:5: create_channels needs channel_template" in text


def test_unknown_segment_key_suggests_the_file(tmp_path: Path) -> None:
    found = problems(tmp_path, {
        "audiences/norway.yaml": "type: user\nname: N\nall_users: true\n",
        "campaigns/c.yaml": CAMPAIGN + "segments: [norwy]\n",
    })
    assert found == ["campaigns/c.yaml:4: unknown segment key 'norwy': no file "
                     "audiences/norwy.yaml (did you mean 'norway'?)"]


def test_localytics_envs_keep_their_models(tmp_path: Path) -> None:
    (tmp_path / "reconciler.yaml").write_text(
        "envs:\n  l: {api_url: sandbox, org_id: 1, app_id: a}\n")
    (tmp_path / "audiences").mkdir()
    (tmp_path / "audiences/a.yaml").write_text("type: user\nname: A\nall_users: true\n")
    with pytest.raises(SpecErrors) as info:
        load_workspace(load_config(tmp_path / "reconciler.yaml"))
    assert any("unknown field 'type'" in p.message for p in info.value.problems)


def test_the_example_validates_and_schemas_exist() -> None:
    code, out, err = run_cli(["validate", "--config", "stream/reconciler.yaml"], FIXTURES)
    assert (code, err) == (0, "")
    assert out == "valid: 3 segments, 2 campaigns (env stream-demo)\n"
    code, out, _ = run_cli(["schema", "--kind", "stream-campaign"], FIXTURES)
    assert code == 0 and '"send"' in out and '"maxItems": 25' in out


def test_the_example_plans_and_applies_in_process(tmp_path: Path) -> None:
    import json
    import shutil

    shutil.copytree(FIXTURES / "stream", tmp_path / "ex")
    args = ["--config", "ex/reconciler.yaml", "--env", "stream-demo"]
    code, out, err = run_cli(["plan", *args, "--format", "json"], tmp_path)
    assert code == 0, err
    plan = json.loads(out)
    assert plan["summary"]["create"] == 5
    assert [c["key"] for c in plan["changes"] if c["go_live"]] == ["beta-survey"]
    code, _, err = run_cli(["apply", *args, "--auto-approve"], tmp_path)
    assert code == 0, err
    assert (tmp_path / "ex" / ".reconciler" / "sandbox-stream.db").exists()
    code, out, err = run_cli(["plan", *args, "--detailed-exitcode"], tmp_path)
    assert code == 0, out + err
