"""A guard instead of memory: the text-rules version moves whenever the text does.

Stored versions remember the rules that made their text (``extract.TEXT_RULES``); after
an upgrade that changes the text of pages, a version made by other rules is a quiet new
baseline. Forget to move the number and every watched page reports a false "changed".
This test hashes the compared text of the fixture pages and fails unless the recorded
hash and version move together.
"""

from __future__ import annotations

from support.text_rules import fingerprint, golden

from monitor.extract import TEXT_RULES

HOW = (
    "then record the new text: python tests/support/text_rules.py --record "
    "(and say so in the README's 'Upgrading')"
)


def test_the_text_rules_version_moves_with_the_text_of_the_fixture_pages() -> None:
    recorded = golden()
    same_text = fingerprint() == recorded["sha256"]
    same_version = recorded["text_rules"] == TEXT_RULES
    assert (same_text, same_version) == (True, True), (
        "the extraction or noise rules changed the compared text of the fixture pages: "
        f"move extract.TEXT_RULES (now {TEXT_RULES}), {HOW}"
        if not same_text and same_version
        else f"extract.TEXT_RULES moved to {TEXT_RULES}: {HOW}"
    )
