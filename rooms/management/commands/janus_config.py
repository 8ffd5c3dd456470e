"""Write Janus's configuration folder for this product (see rooms/janus_config.py).

manage.py janus_config var/janus --events-url http://127.0.0.1:8000/rooms/janus-events/
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse

from rooms.janus_config import render


class Command(BaseCommand):
    help = "Write Janus's configuration folder (VideoRoom, event handler, transports)."

    def add_arguments(self, parser):
        parser.add_argument("out_dir")
        parser.add_argument(
            "--events-url",
            default="",
            help="Where Janus posts its events (default: SITE_URL + the events endpoint).",
        )
        parser.add_argument("--http-ip", default="127.0.0.1")
        parser.add_argument("--http-port", type=int, default=0, help="Default: JANUS_URL's port.")
        parser.add_argument("--websockets-port", type=int, default=0)
        parser.add_argument("--rtp-ports", default="20000-20999")
        parser.add_argument("--loopback-only", action="store_true")
        parser.add_argument("--nat-1-1", default="", help="The public address behind NAT.")

    def handle(self, *args, **options):
        events_url = options["events_url"] or (
            settings.SITE_URL.rstrip("/") + reverse("room-janus-events")
        )
        folder = render(
            options["out_dir"],
            events_url=events_url,
            http_ip=options["http_ip"],
            http_port=options["http_port"] or None,
            websockets_port=options["websockets_port"] or None,
            rtp_ports=options["rtp_ports"],
            loopback_only=options["loopback_only"],
            nat_1_1=options["nat_1_1"],
        )
        self.stdout.write(f"Janus configuration written to {folder}")
