"""Every management command of ours answers ``--help`` (its subcommands too), in
English and in a translated language: a lazy help text once made it crash."""

import argparse
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import ManagementUtility, get_commands, load_command_class
from django.utils import translation

pytestmark = pytest.mark.both_dbs

BASE_DIR = Path(settings.BASE_DIR)


def our_commands() -> list[tuple[str, str]]:
    """(app, command) for the commands defined in this repository's apps (the
    virtualenv, often inside the repository, holds the libraries' commands)."""
    found = []
    for name, app in get_commands().items():
        module = __import__(app, fromlist=["__file__"])
        path = Path(module.__file__).resolve()
        if path.is_relative_to(BASE_DIR) and "site-packages" not in path.parts:
            found.append((app, name))
    return sorted(found)


def invocations() -> list[list[str]]:
    """``[command]`` for every command, ``[command, sub]`` for each subcommand."""
    result = []
    for app, name in our_commands():
        result.append([name])
        parser = load_command_class(app, name).create_parser("manage.py", name)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                result.extend([name, sub] for sub in action.choices)
    return result


def test_the_discovery_finds_the_commands_of_every_app():
    names = {name for _app, name in our_commands()}
    assert {
        "run_expirations",
        "run_gifts",
        "verify_balances",
        "balance",
        "seed_demo",
        "import_customers",
        "export_customers",
        "runall",
    } <= names
    assert "migrate" not in names
    assert ["balance", "credit"] in invocations()


@pytest.mark.parametrize("language", ["en", "it"])
@pytest.mark.parametrize("args", invocations(), ids=" ".join)
def test_command_help_prints_and_exits_zero(args, language, capsys):
    with translation.override(language), pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", *args, "--help"]).execute()
    assert exited.value.code in (0, None)
    out = capsys.readouterr().out
    assert out.startswith(f"usage: manage.py {' '.join(args)}")
    assert "--help" in out
