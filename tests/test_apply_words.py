"""Apply's own plan, made under the lease, is never shown: its changes are not put in
words (issue 29). Words and the field tables' values in words are CPU on the event loop
between the plan's last read and the first write (some 30 ms for 1,000 Smartech
campaigns); the report tells results, not the plan. Counted in the CLI's process,
through the real CLI against the served sandbox."""

from __future__ import annotations

from tests.smartech_repo import SmartechRepo, email_campaign, push_campaign
from tests.test_startup_guards import _RUN, run_probe

# Counts the platform's describe calls (a change put in words) and show_value calls (a
# field-table value in words).
_WORDS = _RUN.replace("SETUP", """
from reconciler.smartech.provider import SmartechProvider
calls = {"describe": 0, "show_value": 0}
def counted(name):
    method = getattr(SmartechProvider, name)
    def counting(self, *args, **kwargs):
        calls[name] += 1
        return method(self, *args, **kwargs)
    setattr(SmartechProvider, name, counting)
counted("describe")
counted("show_value")
""").replace("RESULT", "calls")


def words(repo: SmartechRepo, *args: str) -> dict[str, int]:
    (code, calls), stderr = run_probe(_WORDS, repo.root, {"SMARTECH_API_KEY": repo.key}, *args)
    assert code == 0, stderr
    return dict(calls)


def test_an_apply_puts_no_change_in_words_and_a_plan_each_once(
        smartech_repo: SmartechRepo) -> None:
    """Seen failing before (an auto-approved apply described each change once and said
    its field-table values in words)."""
    repo = smartech_repo
    repo.put("campaign", "push", push_campaign("Push"))
    repo.put("campaign", "news", email_campaign("News"))
    planned = words(repo, "plan", "--format", "json")
    assert planned["describe"] == 2 and planned["show_value"] > 0, planned
    assert words(repo, "apply", "--auto-approve", "--format", "json") == {
        "describe": 0, "show_value": 0}
    repo.put("campaign", "news", email_campaign("News", subject_line="Changed"))
    assert words(repo, "plan", "--format", "markdown")["describe"] == 2  # as planned, as live
