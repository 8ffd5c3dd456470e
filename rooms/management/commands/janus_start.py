"""Start Janus with this product's configuration (see rooms/janus_config.py); bin/run uses it.

manage.py janus_start var/janus --log var/log/janus.log --http-port 8088 \\
    --events-url http://127.0.0.1:8000/rooms/janus-events/

Writes the folder, starts Debian's janus on it, waits until that Janus (not
another one on the port) answers, and prints `<pid> <API URL>` for the
caller, who stops it by the pid. Janus keeps running after this command
exits. Fails with a sentence (exit status 1) when it can't.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from rooms.janus_config import JanusStartError, start


class Command(BaseCommand):
    help = "Write Janus's configuration folder and start Janus on it; prints its pid and URL."

    def add_arguments(self, parser):
        parser.add_argument("conf_dir")
        parser.add_argument("--log", required=True, help="Janus's log file.")
        parser.add_argument("--http-port", type=int, default=8088)
        parser.add_argument("--http-ip", default="127.0.0.1")
        parser.add_argument(
            "--events-url",
            default="",
            help="Where Janus posts its events (default: SITE_URL + the events endpoint).",
        )
        parser.add_argument("--rtp-ports", default="20000-20999")

    def handle(self, *args, **options):
        events_url = options["events_url"] or (
            settings.SITE_URL.rstrip("/") + reverse("room-janus-events")
        )
        try:
            server = start(
                options["conf_dir"],
                events_url=events_url,
                log_file=options["log"],
                http_port=options["http_port"],
                http_ip=options["http_ip"],
                rtp_ports=options["rtp_ports"],
            )
        except JanusStartError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{server.pid} {server.url}")
