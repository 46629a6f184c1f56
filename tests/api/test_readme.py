"""The README's "Connect another system" examples run against the demo data that
``make run`` seeds, with the demo key ``seed_demo`` prints: each curl command's
request (method, path, headers, body) goes through Django's test client, and its
status is the one the comment above it gives in brackets."""

from __future__ import annotations

import io
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from api.services import DEMO_KEY

README = Path(__file__).resolve().parents[2] / "README.md"

pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.both_dbs]


@dataclass
class Example:
    command: str
    status: int
    answer: str
    method: str = "GET"
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None


def _section() -> str:
    text = README.read_text()
    start = text.index("## Connect another system")
    section = text[start : text.index("\n## ", start + 1)]
    return section.split("```sh\n", 1)[1].split("\n```", 1)[0]


def readme_examples() -> list[Example]:
    """Every ``$ curl`` command of the section, the status in brackets of the
    comment above it ("(201)"; a comment with two gives them in order), and the
    answer printed under it."""
    lines = _section().splitlines()
    examples: list[Example] = []
    statuses: list[int] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("#"):
            found = [int(code) for code in re.findall(r"\((\d{3})\)", line)]
            if found:
                statuses = found
            index += 1
            continue
        if not line.startswith("$ curl"):
            index += 1
            continue
        command = line[2:]
        while command.endswith("\\"):
            index += 1
            command = command[:-1] + " " + lines[index].strip()
        index += 1
        answer = []
        while index < len(lines) and lines[index] and lines[index][0] not in "#$":
            answer.append(lines[index])
            index += 1
        assert statuses, f"No (status) in a comment above: {command}"
        examples.append(Example(command, statuses.pop(0), "\n".join(answer)))
    for example in examples:
        words = shlex.split(example.command.replace("$KEY", DEMO_KEY))
        assert words[0] == "curl"
        words = words[1:]
        while words:
            word = words.pop(0)
            if word == "-s":
                continue
            if word == "-X":
                example.method = words.pop(0)
            elif word == "-H":
                name, _sep, value = words.pop(0).partition(":")
                example.headers[name.strip()] = value.strip()
            elif word == "-d":
                example.body = words.pop(0)
            elif word.startswith("http"):
                example.url = word
            else:
                raise AssertionError(f"Unknown curl option {word}: {example.command}")
    return examples


def test_the_readme_has_examples_of_every_endpoint_family():
    examples = readme_examples()
    paths = {urlsplit(example.url).path for example in examples}
    assert "/api/v1/events" in paths
    assert "/api/v1/expirations" in paths
    assert "/api/v1/customers/customer@example.com/credit" in paths
    assert all(example.url.startswith("http://127.0.0.1:8000/") for example in examples)
    assert len(examples) >= 12


def test_the_readme_examples_run_against_the_demo_data(client):
    out = io.StringIO()
    call_command("seed_demo", customers=25, stdout=out)
    assert DEMO_KEY in out.getvalue()
    # The second seed keeps the one key (and prints it again).
    again = io.StringIO()
    call_command("seed_demo", customers=25, stdout=again)
    assert DEMO_KEY in again.getvalue()
    from api.models import ApiKey

    assert ApiKey.objects.filter(prefix="demo").count() == 1

    for example in readme_examples():
        parts = urlsplit(example.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = dict(example.headers)
        content_type = headers.pop("Content-Type", None)
        kwargs = {"headers": headers}
        if example.body is not None:
            kwargs.update(data=example.body, content_type=content_type)
        response = client.generic(example.method, path, **kwargs)
        assert response.status_code == example.status, (
            example.command,
            response.content,
        )
        documented = re.search(r'"code": "([a-z_]+)"', example.answer)
        if documented:
            assert response.json()["error"]["code"] == documented.group(1)
        else:
            assert "error" not in response.json(), response.content
