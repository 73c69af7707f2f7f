"""The fingerprint of the text the fixture pages give, for the text-rules guard.

``python tests/support/text_rules.py --record`` writes ``tests/fixtures/text_rules.json``
(the fingerprint with the ``extract.TEXT_RULES`` it was made under); run it after moving
``TEXT_RULES`` (tests/test_text_rules.py says when).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from monitor import extract
from monitor.pipeline.pages import compared_lines

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GOLDEN = FIXTURES / "text_rules.json"


def fingerprint() -> str:
    """sha256 of the compared text of every fixture page (extract/ and pairs/), in order."""
    digest = hashlib.sha256()
    for page in sorted([*FIXTURES.glob("extract/*.html"), *FIXTURES.glob("pairs/*.html")]):
        sidecar = page.with_suffix(".json")
        meta = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}
        url = meta.get("url", "https://partner.example/page")
        parsed = extract.page(
            page.read_bytes(), url, charset=meta.get("charset"), selector=meta.get("selector")
        )
        lines = compared_lines(parsed)
        digest.update(f"{page.parent.name}/{page.name}\n".encode())
        digest.update("\n".join(lines).encode())
        digest.update(b"\n\n")
    return digest.hexdigest()


def golden() -> dict[str, object]:
    return dict(json.loads(GOLDEN.read_text(encoding="utf-8")))


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        raise SystemExit("usage: python tests/support/text_rules.py --record")
    record = {"text_rules": extract.TEXT_RULES, "sha256": fingerprint()}
    GOLDEN.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"recorded {GOLDEN}: {record}")
