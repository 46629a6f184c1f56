from django.core.management.base import BaseCommand

from webhooks.services import webhooks_run


class Command(BaseCommand):
    help = "Sends the webhook deliveries that are due (what the beat job does)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seconds",
            type=float,
            default=45,
            help="Stop starting new batches after this many seconds (default 45).",
        )

    def handle(self, *args, seconds: float, **options):
        report = webhooks_run(seconds=max(seconds, 0))
        self.stdout.write(
            f"{report.sent} deliveries sent: {report.delivered} delivered, "
            f"{report.retrying} to retry, {report.failed} failed"
        )
        for url in report.disabled:
            self.stdout.write(f"disabled after 3 days of failures: {url}")
