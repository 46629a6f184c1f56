"""``manage.py runall`` (make run): which processes, on which broker. The processes
themselves are started and stopped for real in CI's smoke test (.ci/run)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from core.management.commands.runall import runall_environment, runall_programs

ROOT = Path(__file__).resolve().parents[2]


def test_runall_environment_uses_the_filesystem_broker_unless_one_is_set():
    assert runall_environment({})["CELERY_BROKER_URL"] == "filesystem://"
    assert runall_environment({"CELERY_BROKER_URL": ""})["CELERY_BROKER_URL"] == (
        "filesystem://"
    )
    redis = {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}
    assert runall_environment(redis)["CELERY_BROKER_URL"] == redis["CELERY_BROKER_URL"]


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
        "'options': settings.CELERY_BROKER_TRANSPORT_OPTIONS}))"
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
