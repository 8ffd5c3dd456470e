"""What video rooms cost this machine: `manage.py bench_rooms [--rooms 1 2 4] [--seconds 30]`.

For 1, 2 and 4 concurrent three-party rooms it prints Janus's and the
product's CPU and memory: CPU as the seconds of CPU each process (with its
children) used during the measuring window, while every page sends and
receives (from /proc: the process's own user + system time, which other load
on the machine does not inflate the way it inflates wall time), also as
cores (CPU seconds per second of the window); memory as resident set size
(RSS, MB) at the window's end. The same is printed for Chromium (all pages),
which here shares the machine but on a real call runs on the people's own
computers, and the joining phase is measured apart from the call.

Everything runs here: a throw-away PostgreSQL database (made and dropped
like the tests' one), the product's web server (`runserver --insecure`, so
the page's static files need no collecting; its Celery tasks go nowhere, the
recording's mixing after a call is bench_recordings' matter), Janus started
by rooms.janus_config on loopback, and Chromium pages with a fake camera and
microphone (3 per room: client, member's side, interpreter), which join
through their own links exactly as people do.

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
from django.db import OperationalError, connection, connections
from django.urls import reverse
from django.utils import timezone

from rooms import links, services
from rooms.janus_config import free_port, janus_binary, janus_running
from rooms.models import Party

CHROMIUM = "/usr/bin/chromium"
PAGE_TIMEOUT_MS = 240_000

# Each page keeps a list of its peer connections, so the command can read what
# they sent and received (RTCPeerConnection.getStats), i.e. what Janus forwarded.
KEEP_PEER_CONNECTIONS = """
(() => {
  const Original = window.RTCPeerConnection;
  if (!Original) return;
  const kept = (window.__benchPeerConnections = []);
  window.RTCPeerConnection = class extends Original {
    constructor(...args) { super(...args); kept.push(this); }
  };
})();
"""
# [bytes sent, bytes received, packets sent, packets received] over the page's
# open connections (RTP payload bytes: a little under what goes on the wire).
MEDIA_COUNTS = """
async () => {
  const total = [0, 0, 0, 0];
  for (const pc of window.__benchPeerConnections || []) {
    if (pc.connectionState === "closed") continue;
    (await pc.getStats()).forEach((r) => {
      if (r.type === "outbound-rtp") {
        total[0] += r.bytesSent || 0; total[2] += r.packetsSent || 0;
      }
      if (r.type === "inbound-rtp") {
        total[1] += r.bytesReceived || 0; total[3] += r.packetsReceived || 0;
      }
    });
  }
  return total;
}
"""


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children still running (Linux /proc)."""
    return _own_cpu_seconds([pid, *_children(pid)])


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children still running, in MB."""
    return _own_rss_mb([pid, *_children(pid)])


def _chromium_pids() -> list[int]:
    """This command's Chromium processes (Playwright's browser and its renderers)."""
    found = []
    for each in _children(os.getpid()):
        try:
            name = Path(f"/proc/{each}/comm").read_text().strip()
        except OSError:
            continue
        if name.startswith(("chrom", "headless")):
            found.append(each)
    return found


def _own_cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes only (not their children)."""
    total = 0.0
    for each in pids:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _own_rss_mb(pids: list[int]) -> float:
    total = 0
    for each in pids:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


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
        parser.add_argument("--seconds", type=int, default=30, help="measuring window per step")

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
            _drop_database(old_name)

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
                    try:
                        for count in counts:
                            rows.append(
                                self._step(browser, site, count, janus_pid, web.pid, seconds)
                            )
                            time.sleep(3)  # the last step's pages are gone from Janus
                    finally:
                        browser.close()
                        # Django's connections are per context, and Playwright's sync API
                        # runs us in its own: close the one opened here, or the database
                        # can't be dropped.
                        connections.close_all()
            finally:
                web.terminate()
                web.wait(timeout=10)
        self._report(rows, seconds)

    def _report(self, rows: list[dict], seconds: int) -> None:
        w = self.stdout.write
        w("")
        w(
            f"During the call ({seconds} s window; CPU s = seconds of CPU used in it, "
            "cores = CPU s per second; MB = resident memory at its end):"
        )
        w(
            f"{'rooms':>5} {'pages':>5} {'pictures':>8} | {'Janus CPU s':>11} {'cores':>5} "
            f"{'MB':>6} | {'product CPU s':>13} {'MB':>6} | {'Chromium CPU s':>14} {'MB':>7} "
            f"| load average"
        )
        for row in rows:
            w(
                f"{row['rooms']:>5} {row['pages']:>5} {row['playing']:>8} | "
                f"{row['janus_cpu']:>11.2f} {row['janus_cpu'] / row['elapsed']:>5.3f} "
                f"{row['janus_mb']:>6.1f} | {row['web_cpu']:>13.2f} {row['web_mb']:>6.1f} | "
                f"{row['chromium_cpu']:>14.1f} {row['chromium_mb']:>7.0f} | {row['load']}"
            )
        w("Media Janus forwarded in the window (from the pages' WebRTC statistics):")
        for row in rows:
            cores = row["janus_cpu"] / row["elapsed"]
            per_mbit = cores / max(row["janus_in_mbit"] + row["janus_out_mbit"], 1e-9)
            per_packet = cores / max(row["janus_packets"], 1e-9)
            w(
                f"{row['rooms']:>5} rooms: {row['janus_in_mbit']:.2f} Mbit/s in, "
                f"{row['janus_out_mbit']:.2f} Mbit/s out, {row['janus_packets']:.0f} packets/s; "
                f"Janus {1000 * per_mbit:.1f} ms CPU per Mbit, "
                f"{1e6 * per_packet:.0f} µs per packet (in + out)"
            )
        w("Joining (pages load, rooms are made, credentials issued, everyone connects):")
        for row in rows:
            w(
                f"{row['rooms']:>5} rooms: {row['join_seconds']:.1f} s; Janus "
                f"{row['join_janus_cpu']:.2f} CPU s, product {row['join_web_cpu']:.2f} CPU s, "
                f"Chromium {row['join_chromium_cpu']:.1f} CPU s"
            )
        biggest = max(rows, key=lambda row: row["rooms"])
        per_room = biggest["janus_cpu"] / biggest["elapsed"] / biggest["rooms"]
        w(
            f"Janus per three-party room at {biggest['rooms']} rooms: {1000 * per_room:.1f} ms "
            f"of CPU per second ({100 * per_room:.1f}% of one core); this machine has "
            f"{os.cpu_count()} cores, shared with the pages and whatever else runs."
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
        join_started = time.monotonic()
        janus_0, web_0 = _cpu_seconds(janus_pid), _cpu_seconds(web_pid)
        chromium_0 = _own_cpu_seconds(_chromium_pids())
        contexts, pages = [], []
        for _ in range(count):
            session = _video_session()
            for party in (Party.CLIENT, Party.MEMBER, Party.INTERPRETER):
                context = browser.new_context(base_url=site, viewport={"width": 640, "height": 480})
                context.add_init_script(KEEP_PEER_CONNECTIONS)
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
        # Every picture a page shows (its own and the two it receives) plays before measuring.
        deadline = time.monotonic() + 60
        while True:
            playing = sum(page.locator(".tile.playing").count() for page in pages)
            if playing >= 3 * len(pages) or time.monotonic() > deadline:
                break
            time.sleep(1)
        chromium = _chromium_pids()
        janus_1, web_1 = _cpu_seconds(janus_pid), _cpu_seconds(web_pid)
        chromium_1 = _own_cpu_seconds(chromium)
        join_seconds = time.monotonic() - join_started
        self.stdout.write(
            f"    all {len(pages)} pages in after {join_seconds:.0f} s; {playing} of "
            f"{3 * len(pages)} pictures playing; measuring {seconds} s (load average "
            f"{_load_average()})"
        )
        media_1 = _media_counts(pages)
        started = time.monotonic()
        time.sleep(seconds)
        elapsed = time.monotonic() - started
        janus_2, web_2 = _cpu_seconds(janus_pid), _cpu_seconds(web_pid)
        chromium_2 = _own_cpu_seconds(chromium)
        media = [
            after - before for before, after in zip(media_1, _media_counts(pages), strict=True)
        ]
        row = {
            "playing": f"{playing}/{3 * len(pages)}",
            "rooms": count,
            "pages": len(pages),
            "elapsed": elapsed,
            "janus_cpu": janus_2 - janus_1,
            "web_cpu": web_2 - web_1,
            "chromium_cpu": chromium_2 - chromium_1,
            "janus_mb": _rss_mb(janus_pid),
            "web_mb": _rss_mb(web_pid),
            "chromium_mb": _own_rss_mb(chromium),
            "load": _load_average(),
            "join_seconds": join_seconds,
            "join_janus_cpu": janus_1 - janus_0,
            "join_web_cpu": web_1 - web_0,
            "join_chromium_cpu": chromium_1 - chromium_0,
            # What Janus took in (the pages sent) and gave out (they received).
            "janus_in_mbit": 8 * media[0] / elapsed / 1e6,
            "janus_out_mbit": 8 * media[1] / elapsed / 1e6,
            "janus_packets": (media[2] + media[3]) / elapsed,
        }
        self.stdout.write(
            f"    media through Janus: {row['janus_in_mbit']:.2f} Mbit/s in, "
            f"{row['janus_out_mbit']:.2f} out, {row['janus_packets']:.0f} packets/s"
        )
        self.stdout.write(
            f"    Janus {row['janus_cpu']:.2f} CPU s, {row['janus_mb']:.1f} MB; product "
            f"{row['web_cpu']:.2f} CPU s, {row['web_mb']:.1f} MB; Chromium "
            f"{row['chromium_cpu']:.1f} CPU s"
        )
        for page in pages:
            page.get_by_test_id("leave").click()
        for context in contexts:
            context.close()
        return row


def _media_counts(pages) -> list[float]:
    """MEDIA_COUNTS summed over the pages (see there)."""
    total = [0.0] * 4
    for page in pages:
        for index, value in enumerate(page.evaluate(MEDIA_COUNTS)):
            total[index] += value
    return total


def _drop_database(old_name: str) -> None:
    """Drop the throw-away database; the web server's sessions may take a moment to go."""
    connections.close_all()
    for attempt in range(10):
        try:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            return
        except OperationalError:
            if attempt == 9:
                raise
            time.sleep(1)


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _video_session():
    """A confirmed video call due in 5 minutes, made through the product's services."""
    from tests.rooms_support import video_session

    now = timezone.now()
    return video_session(starts_at=now + timedelta(minutes=5), now=now - timedelta(days=1))
