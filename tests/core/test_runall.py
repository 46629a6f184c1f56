"""``manage.py runall`` (make run): which processes, on which broker. The processes
themselves are started and stopped for real in CI's smoke test (.ci/run)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.management.commands import runall
from core.management.commands.runall import runall_environment, runall_programs

ROOT = Path(__file__).resolve().parents[2]


def test_runall_environment_uses_the_filesystem_broker_unless_one_is_set():
    addr = {"addrport": "127.0.0.1:8000"}
    assert runall_environment({}, **addr)["CELERY_BROKER_URL"] == "filesystem://"
    assert runall_environment({"CELERY_BROKER_URL": ""}, **addr)[
        "CELERY_BROKER_URL"
    ] == ("filesystem://")
    redis = {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}
    assert (
        runall_environment(redis, **addr)["CELERY_BROKER_URL"]
        == redis["CELERY_BROKER_URL"]
    )


@pytest.fixture
def started(monkeypatch):
    """What ``manage.py runall`` would start: the programs and their environment."""
    seen = {}

    def processes_run(programs, *, env, out):
        seen.update(programs=programs, env=env)
        return 0

    monkeypatch.setattr(runall, "processes_run", processes_run)
    monkeypatch.delenv("SITE_URL", raising=False)
    return seen


def test_runall_gives_all_its_processes_the_site_url_of_its_port(started, capsys):
    """make run PORT=8111: the worker's e-mails link to :8111 too."""
    call_command("runall", "127.0.0.1:8111", "--noreload")

    # One environment for the web server, the worker and beat.
    assert set(started["programs"]) == {"web", "worker", "beat"}
    assert started["env"]["SITE_URL"] == "http://127.0.0.1:8111"
    assert "http://127.0.0.1:8111" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("addrport", "site_url"),
    [
        ("8111", "http://127.0.0.1:8111"),
        ("0.0.0.0:8111", "http://127.0.0.1:8111"),
        ("localhost:9000", "http://localhost:9000"),
        ("[::1]:8000", "http://[::1]:8000"),
    ],
)
def test_runall_site_url_follows_the_address(started, addrport, site_url):
    call_command("runall", addrport, "--noreload")
    assert started["env"]["SITE_URL"] == site_url


def test_runall_keeps_a_site_url_the_user_set(started, monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://crm.example.com")
    call_command("runall", "127.0.0.1:8111", "--noreload")
    assert started["env"]["SITE_URL"] == "https://crm.example.com"


def test_runall_refuses_an_address_it_cannot_read(started):
    with pytest.raises(CommandError, match="not a port"):
        call_command("runall", "nowhere:", "--noreload")
    assert started == {}


def test_runall_programs_are_the_web_server_a_worker_and_beat():
    programs = runall_programs(addrport="127.0.0.1:8001", reload=False)

    assert list(programs) == ["web", "worker", "beat"]
    assert programs["web"].argv[-3:] == ["runserver", "127.0.0.1:8001", "--noreload"]
    assert "worker" in programs["worker"].argv
    assert "beat" in programs["beat"].argv
    assert "--noreload" not in runall_programs(addrport="x", reload=True)["web"].argv


def settings_in_a_process(env: dict[str, str]) -> dict:
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps({'eager': settings.CELERY_TASK_ALWAYS_EAGER, "
        "'options': settings.CELERY_BROKER_TRANSPORT_OPTIONS, "
        "'site_url': settings.SITE_URL}))"
    )
    environ = {
        key: value for key, value in os.environ.items() if key != "CELERY_BROKER_URL"
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_settings_filesystem_broker_is_not_eager_and_has_its_folders(tmp_path):
    seen = settings_in_a_process(
        {"CELERY_BROKER_URL": "filesystem://", "CELERY_FILESYSTEM_DIR": str(tmp_path)}
    )

    assert seen["eager"] is False
    assert seen["options"]["data_folder_in"] == str(tmp_path / "queue")
    assert seen["options"]["data_folder_out"] == str(tmp_path / "queue")
    assert (tmp_path / "queue").is_dir()
    assert (tmp_path / "control").is_dir()


def test_settings_without_a_broker_stay_eager_in_process():
    assert settings_in_a_process({})["eager"] is True


def test_settings_take_the_site_url_runall_sets():
    """The worker reads the SITE_URL runall put in its environment."""
    env = runall_environment({}, addrport="127.0.0.1:8111")
    assert settings_in_a_process({"SITE_URL": env["SITE_URL"]})["site_url"] == (
        "http://127.0.0.1:8111"
    )
