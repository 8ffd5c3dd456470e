"""Janus's configuration folder for this product, rendered from deploy/janus/.

The .jcfg files there are Janus's own format with @NAME@ placeholders; this
fills them (from settings and the caller) and writes a folder Janus is
started with (`janus -F <folder>`): bin/run, the browser test's fixture and
the container all use the same files.
"""

from __future__ import annotations

import glob
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

SOURCE = Path(settings.BASE_DIR) / "deploy" / "janus"


def janus_lib_dir() -> str:
    """Where Debian put Janus's plugins (the folder depends on the architecture)."""
    found = sorted(glob.glob("/usr/lib/*/janus/plugins"))
    return str(Path(found[0]).parent) if found else "/usr/lib/janus"


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
        nat.append(f'nat_1_1_mapping = "{nat_1_1}"')
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
            text = text.replace(f"@{name}@", value.replace('"', ""))
        (out_dir / source.name).write_text(text)
    return out_dir
