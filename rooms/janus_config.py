"""Janus's configuration folder for this product, and the one way to start Janus with it.

deploy/janus/*.jcfg are Janus's own format with @NAME@ placeholders; `render`
fills them (from settings and the caller) into a folder, and `start` runs
Debian's janus on that folder (`janus -C <folder>/janus.jcfg -F <folder>`),
checks that the Janus answering on the port is the one it started, and
returns its API URL and pid. bin/run (`manage.py janus_start`), the browser
test's fixture and `manage.py bench_rooms` (`janus_running`) all go through
these two functions; only the container (deploy/janus/entrypoint.sh, which has
no Python) fills the same files with sed.

What the folder holds: janus.jcfg (only the VideoRoom plugin, the HTTP and
WebSocket transports and the sample event handler load; media ports; ICE on
loopback for tests), the VideoRoom's admin key (only the product creates
rooms), the event handler posting the VideoRoom's joins and leaves to the
product with HTTP Basic credentials, the HTTP API on loopback unless told
otherwise (the admin API off).
"""

from __future__ import annotations

import contextlib
import glob
import json
import secrets
import shutil
import socket
import subprocess  # noqa: S404 -- starts Debian's janus, our own config
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

SOURCE = Path(settings.BASE_DIR) / "deploy" / "janus"
# Janus's "server-name"; each start adds a random suffix to recognise its own Janus.
SERVER_NAME = "interpreted-calls"


class JanusStartError(RuntimeError):
    """Janus could not be started; the message is a sentence for the person running it."""


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
    server_name: str = SERVER_NAME,
) -> Path:
    """Write the folder; `loopback_only` keeps ICE on `lo` (tests, one machine).

    The folder holds the admin key and the events password: readable by its owner only."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    out_dir.chmod(0o700)
    port = http_port or urlsplit(settings.JANUS_URL).port or 8088
    nat = []
    if loopback_only:
        nat.append('ice_enforce_list = "lo"')
    if nat_1_1:
        nat.append(f'nat_1_1_mapping = "{_plain(nat_1_1)}"')
    values = {
        "CONFIG_DIR": str(out_dir),
        "LIB_DIR": janus_lib_dir(),
        "SERVER_NAME": server_name,
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
    for source in sorted(SOURCE.glob("*.jcfg")):
        text = source.read_text()
        for name, value in values.items():
            text = text.replace(f"@{name}@", value if name == "NAT_LINES" else _plain(value))
        target = out_dir / source.name
        target.write_text(text)
        target.chmod(0o600)
    return out_dir


def janus_binary() -> str | None:
    return shutil.which("janus")


def janus_command(conf: Path, log_file: Path) -> list[str]:
    """Debian's janus on our folder: -C the main file, -F the plugins' files, a log, no colours."""
    binary = janus_binary()
    if binary is None:
        raise JanusStartError("Janus is not installed (apt-get install janus).")
    conf = Path(conf)
    return [
        binary,
        "-C",
        str(conf / "janus.jcfg"),
        "-F",
        str(conf),
        "-L",
        str(log_file),
        "-o",
        "-N",
    ]


def free_port() -> int:
    """A TCP port nobody listens on now (for a Janus of a test or a benchmark)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_taken(port: int, ip: str = "127.0.0.1") -> bool:
    """Someone already listens there (Debian's own janus.service listens on 8088)."""
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((ip if ip != "0.0.0.0" else "127.0.0.1", port)) == 0  # noqa: S104


@dataclass(frozen=True)
class JanusServer:
    url: str
    pid: int
    server_name: str
    conf: Path
    log_file: Path


def _server_name_at(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url + "/info", timeout=1) as answer:  # noqa: S310 -- our URL
            return json.load(answer).get("server-name")
    except (OSError, ValueError):
        return None


def start(
    conf_dir: Path,
    *,
    events_url: str,
    log_file: Path,
    http_port: int,
    http_ip: str = "127.0.0.1",
    rtp_ports: str = "20000-20999",
    loopback_only: bool = False,
    start_timeout: float = 20.0,
) -> JanusServer:
    """Write the folder, start Janus on it, and return once *that* Janus answers.

    Refuses a port someone else listens on (another Janus would take our
    requests and never post its events to us); raises JanusStartError with a
    sentence when Janus is missing, the port is taken or it does not come up.
    The caller stops it by its pid (bin/run does)."""
    return _launch(
        conf_dir,
        events_url=events_url,
        log_file=log_file,
        http_port=http_port,
        http_ip=http_ip,
        rtp_ports=rtp_ports,
        loopback_only=loopback_only,
        start_timeout=start_timeout,
    )[0]


def _launch(
    conf_dir: Path,
    *,
    events_url: str,
    log_file: Path,
    http_port: int,
    http_ip: str,
    rtp_ports: str,
    loopback_only: bool,
    start_timeout: float,
) -> tuple[JanusServer, subprocess.Popen]:
    if port_taken(http_port, http_ip):
        raise JanusStartError(
            f"Port {http_port} is already in use (Debian's own janus service, started with "
            "/etc/janus, listens on 8088: `sudo systemctl disable --now janus`, or choose "
            "another port)."
        )
    name = f"{SERVER_NAME}-{secrets.token_hex(4)}"
    conf = render(
        conf_dir,
        events_url=events_url,
        http_port=http_port,
        http_ip=http_ip,
        rtp_ports=rtp_ports,
        loopback_only=loopback_only,
        server_name=name,
    )
    log_file = Path(log_file)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(  # noqa: S603 -- Debian's janus, our own config
        janus_command(conf, log_file),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    host = "127.0.0.1" if http_ip in ("0.0.0.0", "") else http_ip  # noqa: S104
    url = f"http://{host}:{http_port}/janus"
    deadline = time.monotonic() + start_timeout
    while _server_name_at(url) != name:
        if process.poll() is not None or time.monotonic() > deadline:
            _stop_process(process)
            raise JanusStartError(f"Janus did not start; its log is {log_file}.")
        time.sleep(0.2)
    server = JanusServer(url=url, pid=process.pid, server_name=name, conf=conf, log_file=log_file)
    return server, process


def _stop_process(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


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
    """Janus for the browser test and the benchmark, started as `start` does in
    `work_dir` (its folder `conf/`, log `janus.log`, a free port), stopped
    (SIGTERM, then SIGKILL) on the way out."""
    work_dir = Path(work_dir)
    server, process = _launch(
        work_dir / "conf",
        events_url=events_url,
        log_file=work_dir / "janus.log",
        http_port=http_port or free_port(),
        http_ip="127.0.0.1",
        rtp_ports=rtp_ports,
        loopback_only=loopback_only,
        start_timeout=start_timeout,
    )
    try:
        yield server
    finally:
        _stop_process(process)
