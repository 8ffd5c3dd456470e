"""What video rooms cost this machine: `manage.py bench_rooms [--rooms 1 2 4] [--seconds 20]`.

For 1, 2 and 4 concurrent three-party rooms it prints Janus's and the
product's CPU (percent of one core, averaged over the measuring window) and
memory (resident, MB). Everything runs here: a throw-away PostgreSQL
database (made and dropped like the tests' one), the product's web server
(`runserver --insecure`, so the page's static files need no collecting),
Janus with this product's configuration on loopback, and Chromium pages with
a fake camera and microphone (3 per room: client, member's side, interpreter),
which join through their own links exactly as people do. The browsers' own
cost is not counted (on a real call they are on the people's machines), but
they share this machine's cores and so weigh on the figures.

Needs: PostgreSQL (DATABASE_URL), Janus, Chromium and Playwright (the test
extras), sox.
"""

from __future__ import annotations

import os
import subprocess  # noqa: S404 -- starts our own web server
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from rooms import links, services
from rooms.janus_config import free_port, janus_binary, janus_running
from rooms.models import Party

CHROMIUM = "/usr/bin/chromium"
PAGE_TIMEOUT_MS = 240_000


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children still running (Linux /proc)."""
    total = 0.0
    for each in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _rss_mb(pid: int) -> float:
    total = 0
    for each in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            for child in map(int, text):
                found += [child, *_children(child)]
    except OSError:
        pass
    return found


class Command(BaseCommand):
    help = "Janus's and the product's CPU and memory for 1, 2 and 4 concurrent three-party rooms."

    def add_arguments(self, parser):
        parser.add_argument("--rooms", type=int, nargs="+", default=[1, 2, 4])
        parser.add_argument("--seconds", type=int, default=20, help="measuring window per step")

    def handle(self, *args, rooms, seconds, **options):
        if not connection.vendor == "postgresql":
            raise CommandError("bench_rooms needs PostgreSQL: set DATABASE_URL=postgres://...")
        if janus_binary() is None or not settings.ROOMS_CLIENT_JS_READY:
            raise CommandError(
                "bench_rooms needs Janus and the page's libraries: "
                "apt-get install janus libjs-janus-gateway libjs-webrtc-adapter"
            )
        if not os.path.exists(CHROMIUM):
            raise CommandError(f"bench_rooms needs Chromium at {CHROMIUM}")
        self.stdout.write("==> a throw-away database (migrations, about a minute)")
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            with tempfile.TemporaryDirectory(prefix="bench-rooms-") as work:
                self._run(Path(work), rooms, seconds)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    def _run(self, work: Path, counts: list[int], seconds: int) -> None:
        from playwright.sync_api import sync_playwright

        from billing.defaults import ensure_spec_terms

        ensure_spec_terms()
        port = free_port()
        site = f"http://127.0.0.1:{port}"
        events_url = site + reverse("room-janus-events")
        janus_port = free_port()
        with janus_running(work / "janus", events_url=events_url, http_port=janus_port) as janus:
            web = self._web_server(port, janus.url, work)
            try:
                janus_pid = janus.pid
                wav = work / "voice.wav"
                subprocess.run(  # noqa: S603
                    [
                        "/usr/bin/sox",
                        "-n",
                        "-r",
                        "48000",
                        "-c",
                        "1",
                        str(wav),
                        "synth",
                        "120",
                        "sine",
                        "440",
                        "vol",
                        "0.5",
                    ],
                    check=True,
                )
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path=CHROMIUM,
                        headless=True,
                        args=[
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-background-networking",
                            "--use-fake-ui-for-media-stream",
                            "--use-fake-device-for-media-stream",
                            f"--use-file-for-fake-audio-capture={wav}",
                            "--allow-loopback-in-peer-connection",
                            "--disable-features=WebRtcHideLocalIpsWithMdns",
                        ],
                    )
                    rows = []
                    self._header()
                    for count in counts:
                        rows.append(self._step(browser, site, count, janus_pid, web.pid, seconds))
                        self._line(rows[-1])
                    browser.close()
            finally:
                web.terminate()
                web.wait(timeout=10)
        self.stdout.write(
            "CPU: percent of one core over the window, while every page sends and receives; "
            f"this machine has {os.cpu_count()} cores shared with whatever else runs."
        )

    def _header(self) -> None:
        self.stdout.write(
            f"{'rooms':>5} {'pages':>5} {'Janus CPU %':>11} {'Janus MB':>9} "
            f"{'product CPU %':>13} {'product MB':>10} {'pictures':>9}"
        )

    def _line(self, row) -> None:
        self.stdout.write(
            f"{row['rooms']:>5} {row['pages']:>5} {row['janus_cpu']:>11.1f} "
            f"{row['janus_mb']:>9.1f} {row['web_cpu']:>13.1f} {row['web_mb']:>10.1f} "
            f"{row['playing']:>9}"
        )

    def _web_server(self, port: int, janus_url: str, work: Path) -> subprocess.Popen:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "JANUS_URL": janus_url,
            "JANUS_PUBLIC_URL": janus_url,
            "SITE_URL": f"http://127.0.0.1:{port}",
            "ROOMS_RECORDINGS_DIR": str(work / "rooms"),
            "CELERY_BROKER_URL": "memory://",
            "DJANGO_DEBUG": "0",
        }
        web = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "manage.py",
                "runserver",
                f"127.0.0.1:{port}",
                "--noreload",
                "--insecure",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import urllib.request

        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                    return web
            except OSError:
                if time.monotonic() > deadline or web.poll() is not None:
                    web.kill()
                    raise CommandError("the product's web server did not start") from None
                time.sleep(0.5)

    def _step(self, browser, site: str, count: int, janus_pid: int, web_pid: int, seconds):
        self.stdout.write(f"==> {count} room(s), {3 * count} pages: joining")
        contexts, pages = [], []
        for _ in range(count):
            session = _video_session()
            for party in (Party.CLIENT, Party.MEMBER, Party.INTERPRETER):
                context = browser.new_context(base_url=site, viewport={"width": 640, "height": 480})
                context.set_default_timeout(PAGE_TIMEOUT_MS)
                page = context.new_page()
                token = services.room_link_token(session=session, party=party)
                page.goto(links.room_path(token))
                contexts.append(context)
                pages.append(page)
        for page in pages:
            page.locator("#preview[data-ready=true]").wait_for()
            page.get_by_test_id("join").click()
        for page in pages:
            page.get_by_test_id("tile").nth(2).wait_for(timeout=PAGE_TIMEOUT_MS)
        playing = sum(page.locator(".tile.playing").count() for page in pages)
        self.stdout.write(
            f"    all {len(pages)} pages in; {playing} of {3 * len(pages)} pictures playing; "
            f"measuring {seconds} s"
        )
        janus_before, web_before = _cpu_seconds(janus_pid), _cpu_seconds(web_pid)
        started = time.monotonic()
        time.sleep(seconds)
        elapsed = time.monotonic() - started
        row = {
            "playing": f"{playing}/{3 * len(pages)}",
            "rooms": count,
            "pages": len(pages),
            "janus_cpu": 100 * (_cpu_seconds(janus_pid) - janus_before) / elapsed,
            "web_cpu": 100 * (_cpu_seconds(web_pid) - web_before) / elapsed,
            "janus_mb": _rss_mb(janus_pid),
            "web_mb": _rss_mb(web_pid),
        }
        for page in pages:
            page.get_by_test_id("leave").click()
        for context in contexts:
            context.close()
        return row


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _video_session():
    """A confirmed video call due in 5 minutes, made through the product's services."""
    from tests.rooms_support import video_session

    now = timezone.now()
    return video_session(starts_at=now + timedelta(minutes=5), now=now - timedelta(days=1))
