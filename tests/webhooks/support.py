from __future__ import annotations

import re
from pathlib import Path

from webhooks.services import subscription_create

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def subscribe(url: str, events: list[str], user=None):
    return subscription_create(url=url, events=events, created_by=user)


def doc_verify_signature():
    """``verify_signature`` from the Python snippet in docs/webhooks.md, executed."""
    text = DOC.read_text()
    match = re.search(
        r"<!-- verify-snippet -->\s*```python\n(.*?)```\s*<!-- /verify-snippet -->",
        text,
        re.S,
    )
    assert match, "the verification snippet is missing from docs/webhooks.md"
    namespace: dict = {}
    exec(compile(match.group(1), str(DOC), "exec"), namespace)  # noqa: S102
    return namespace["verify_signature"]
