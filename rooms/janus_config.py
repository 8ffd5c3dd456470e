"""Janus's configuration folder for this product, rendered from deploy/janus/.

The .jcfg files there are Janus's own format with @NAME@ placeholders; this
fills them (from settings and the caller) and writes a folder Janus is
started with (`janus -F <folder>`): bin/run, the browser test's fixture and
the container all use the same files.
"""

from __future__ import annotations

import contextlib
import glob
import shutil
import socket
import subprocess  # noqa: S404 -- starts Debian's janus for tests and benchmarks
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

SOURCE = Path(settings.BASE_DIR) / "deploy" / "janus"


def janus_lib_dir() -> str:
    """Where Debian put Janus's plugins (the folder depends on the architecture)."""
    found = sorted(glob.glob("/usr/lib/*/janus/plugins"))
    return str(Path(found[0]).parent) if found else "/usr/lib/janus"


def _plain(value: str) -> str:
    """A value inside a quoted string of the config: no quote or line break can end it."""
    return value.replace('"', "").replace("\n", "").replace("\\", "")


def render(
    out_dir: Path,
    *,
    events_url: str,
    http_port: int | None = None,
    http_ip: str = "127.0.0.1",
    websockets_port: int | None = None,
    rtp_ports: str = "20000-20999",
    loopback_only: bool = False,
    nat_1_1: str = "",
) -> Path:
    """Write the folder; `loopback_only` keeps ICE on `lo` (tests, one machine)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    port = http_port or urlsplit(settings.JANUS_URL).port or 8088
    nat = []
    if loopback_only:
        nat.append('ice_enforce_list = "lo"')
    if nat_1_1:
        nat.append(f'nat_1_1_mapping = "{_plain(nat_1_1)}"')
    values = {
        "CONFIG_DIR": str(out_dir),
        "LIB_DIR": janus_lib_dir(),
        "ADMIN_KEY": settings.JANUS_ADMIN_KEY,
        "EVENTS_URL": events_url,
        "EVENTS_USER": settings.JANUS_EVENTS_USER,
        "EVENTS_PASSWORD": settings.JANUS_EVENTS_PASSWORD,
        "HTTP_PORT": str(port),
        "HTTP_IP": http_ip,
        "WS_ON": "true" if websockets_port else "false",
        "WS_PORT": str(websockets_port or 8188),
        "RTP_PORTS": rtp_ports,
        "NAT_LINES": "\n\t".join(nat),
    }
    for source in SOURCE.glob("*.jcfg"):
        text = source.read_text()
        for name, value in values.items():
            text = text.replace(f"@{name}@", value if name == "NAT_LINES" else _plain(value))
        (out_dir / source.name).write_text(text)
    return out_dir


def janus_binary() -> str | None:
    return shutil.which("janus")


def free_port() -> int:
    """A TCP port nobody listens on now (for a Janus of a test or a benchmark)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class JanusServer:
    url: str
    pid: int


@contextlib.contextmanager
def janus_running(
    work_dir: Path,
    *,
    events_url: str,
    http_port: int | None = None,
    rtp_ports: str = "42000-42999",
    loopback_only: bool = True,
    start_timeout: float = 20.0,
) -> Iterator[JanusServer]:
    """Start Janus with this product's configuration in `work_dir`; yield its API URL and pid.

    For the browser test and the benchmark: its own config folder, log and port,
    stopped (SIGTERM, then SIGKILL) on the way out.
    """
    work_dir = Path(work_dir)
    port = http_port or free_port()
    conf = render(
        work_dir / "conf",
        events_url=events_url,
        http_port=port,
        rtp_ports=rtp_ports,
        loopback_only=loopback_only,
    )
    log_file = work_dir / "janus.log"
    binary = janus_binary()
    if binary is None:
        raise RuntimeError("Janus is not installed (apt-get install janus)")
    process = subprocess.Popen(  # noqa: S603 -- Debian's janus, our own config
        [binary, "-C", str(conf / "janus.jcfg"), "-F", str(conf), "-L", str(log_file), "-o", "-N"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/janus"
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                with urllib.request.urlopen(url + "/info", timeout=1):  # noqa: S310 -- our URL
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Janus did not start; see {log_file}") from None
                time.sleep(0.2)
        yield JanusServer(url=url, pid=process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
