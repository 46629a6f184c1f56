"""``manage.py runall [ADDR:PORT]``: what ``make run`` starts.

The web server, a Celery worker and beat, as one command: their output in one stream
(each line names its process), Ctrl-C stops all three. With no ``CELERY_BROKER_URL``
they share kombu's filesystem broker (files under ``.run/broker``, no server), so
the periodic jobs run on beat's schedule as they do in production, and the tasks the
web server queues run in the worker.
"""

from __future__ import annotations

import os
import re
import signal
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.core.management.commands.runserver import naiveip_re
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commands import TranslatedCommand
from core.processes import Program, processes_run

FILESYSTEM_BROKER = "filesystem://"


def runall_programs(*, addrport: str, reload: bool) -> dict[str, Program]:
    """The processes ``runall`` starts, by name."""
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    celery = [sys.executable, "-m", "celery", "--app", "config"]
    web = [*manage, "runserver", addrport, *([] if reload else ["--noreload"])]
    return {
        # Ctrl-C, as in a terminal: the reloader and the server it runs both stop.
        "web": Program(web, stop_signal=signal.SIGINT, stop_group=True),
        # SIGTERM: Celery's warm shutdown. One pool process: SQLite has one writer
        # at a time anyway. No gossip, mingle or heartbeats: there is one worker.
        "worker": Program(
            [
                *celery,
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ]
        ),
        "beat": Program([*celery, "beat", "--loglevel", "INFO"]),
    }


# Listening on every address: links in e-mails name this machine's loopback.
UNSPECIFIED_ADDRESSES = {"0", "0.0.0.0", "[::]"}  # noqa: S104 - compared, not bound


def runall_site_url(addrport: str) -> str:
    """The web server's address as a URL: ``127.0.0.1:8111`` → ``http://127.0.0.1:8111``."""
    match = re.match(naiveip_re, addrport)
    if match is None:
        raise CommandError(
            _("%(addrport)s is not a port or an address:port.") % {"addrport": addrport}
        )
    host = match["addr"] or "127.0.0.1"
    if host in UNSPECIFIED_ADDRESSES:
        host = "127.0.0.1"
    return f"http://{host}:{match['port']}"


def runall_environment(environ: dict[str, str], *, addrport: str) -> dict[str, str]:
    """The processes' environment: the filesystem broker unless one is set, and
    ``SITE_URL`` (the address of links in e-mails, which the worker renders too)
    from the web server's address unless one is set."""
    env = dict(environ)
    if not env.get("CELERY_BROKER_URL"):
        env["CELERY_BROKER_URL"] = FILESYSTEM_BROKER
    if not env.get("SITE_URL"):
        env["SITE_URL"] = runall_site_url(addrport)
    env["PYTHONUNBUFFERED"] = "1"
    return env


class Command(TranslatedCommand):
    help = gettext_lazy(  # type: ignore[assignment]  # lazy: translated when shown
        "Runs the web server, a Celery worker and beat together (what make run "
        "starts); Ctrl-C stops them all. Without CELERY_BROKER_URL they share a "
        "broker kept in files under .run/broker."
    )
    # runserver runs the checks; the worker and beat load the same settings.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "addrport",
            nargs="?",
            default="127.0.0.1:8000",
            help=gettext_lazy("The web server's address (default 127.0.0.1:8000)."),  # type: ignore[arg-type]
        )
        parser.add_argument(
            "--noreload",
            action="store_false",
            dest="reload",
            help=gettext_lazy("Do not restart the web server when the code changes."),  # type: ignore[arg-type]
        )

    def handle(self, *, addrport: str, reload: bool, **options) -> None:
        env = runall_environment(dict(os.environ), addrport=addrport)
        self.stdout.write(
            _("Broker: %(broker)s. Ctrl-C stops everything.")
            % {"broker": env["CELERY_BROKER_URL"].split("://")[0]}
        )
        self.stdout.write(
            _("Links in e-mails: %(site_url)s.") % {"site_url": env["SITE_URL"]}
        )
        status = processes_run(
            runall_programs(addrport=addrport, reload=reload),
            env=env,
            out=sys.stdout,
        )
        if status:
            raise CommandError(
                _("A process ended (status %(status)d): everything was stopped.")
                % {"status": status},
                returncode=status,
            )
