"""Janus's configuration folder (rooms.janus_config): written from deploy/janus/, and
the one way bin/run, the browser test and bench_rooms start Janus on it."""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import stat
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rooms import janus
from rooms.janus_config import JanusStartError, janus_binary, janus_running, render, start

EVENTS_URL = "http://127.0.0.1:9/rooms/janus-events/"


def _config(folder, name: str) -> str:
    return (folder / name).read_text()


def test_the_folder_holds_every_file_filled_in_and_readable_by_its_owner_only(tmp_path, settings):
    settings.JANUS_ADMIN_KEY = "admin-key-of-this-test"
    settings.JANUS_EVENTS_USER = "janus-user"
    settings.JANUS_EVENTS_PASSWORD = "events-password-of-this-test"
    folder = render(tmp_path / "conf", events_url=EVENTS_URL, http_port=18765)

    names = sorted(path.name for path in folder.iterdir())
    assert names == [
        "janus.eventhandler.sampleevh.jcfg",
        "janus.jcfg",
        "janus.plugin.videoroom.jcfg",
        "janus.transport.http.jcfg",
        "janus.transport.websockets.jcfg",
    ]
    for path in folder.iterdir():
        left = set(re.findall(r"@[A-Z_0-9]+@", path.read_text())) - {"@NAME@"}  # @NAME@: a comment
        assert not left, (path.name, left)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700

    main = _config(folder, "janus.jcfg")
    assert f'configs_folder = "{folder}"' in main
    assert "broadcast = true" in main  # event handlers on
    assert 'admin_key = "admin-key-of-this-test"' in _config(folder, "janus.plugin.videoroom.jcfg")
    events = _config(folder, "janus.eventhandler.sampleevh.jcfg")
    assert "enabled = true" in events
    assert f'backend = "{EVENTS_URL}"' in events
    assert 'backend_user = "janus-user"' in events
    assert 'backend_pwd = "events-password-of-this-test"' in events
    http = _config(folder, "janus.transport.http.jcfg")
    assert "port = 18765" in http and 'ip = "127.0.0.1"' in http
    assert "admin_http = false" in http
    assert "ws = false" in _config(folder, "janus.transport.websockets.jcfg")


def test_a_value_cannot_break_out_of_its_quoted_string(tmp_path, settings):
    settings.JANUS_ADMIN_KEY = 'key"\nadmin_key = "other'
    folder = render(tmp_path / "conf", events_url=EVENTS_URL, http_port=18765)
    lines = _config(folder, "janus.plugin.videoroom.jcfg").splitlines()
    assert [line.strip() for line in lines if "admin_key" in line] == [
        'admin_key = "keyadmin_key = other"'
    ]


def test_starting_refuses_a_port_someone_else_listens_on(tmp_path):
    # Debian's own janus.service (on /etc/janus) listens on 8088: talking to it
    # would create rooms whose joins and leaves never reach the product.
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(JanusStartError, match=f"Port {port} is already in use"):
            start(
                tmp_path / "conf",
                events_url=EVENTS_URL,
                log_file=tmp_path / "j.log",
                http_port=port,
            )
    assert not (tmp_path / "conf").exists()  # nothing written, nothing started


class _EventsEndpoint(BaseHTTPRequestHandler):
    received: list[tuple[str, object]] = []

    def do_POST(self):  # noqa: N802 -- http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append((self.headers.get("Authorization", ""), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def events_endpoint():
    _EventsEndpoint.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EventsEndpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/rooms/janus-events/"
    server.shutdown()
    server.server_close()


def test_a_janus_started_on_the_folder_is_ours_guards_rooms_and_posts_its_events(
    tmp_path, settings, events_endpoint
):
    if janus_binary() is None:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("REQUIRE_SERVICES=1 but Janus is not installed")
        pytest.skip("needs Janus (apt-get install janus)")
    settings.JANUS_ADMIN_KEY = "admin-key-of-this-test"
    settings.JANUS_EVENTS_USER = "janus"
    settings.JANUS_EVENTS_PASSWORD = "events-password-of-this-test"
    with janus_running(tmp_path / "janus", events_url=events_endpoint) as server:
        settings.JANUS_URL = server.url
        info = janus.info()
        assert info["server-name"] == server.server_name
        assert list(info["plugins"]) == ["janus.plugin.videoroom"]
        assert list(info["events"]) == ["janus.eventhandler.sampleevh"]

        # Without the admin key nobody creates a room; with it the product does.
        refused = janus.videoroom(
            {"request": "create", "room": 10_999_001, "is_private": True}, tolerate=(429,)
        )
        assert refused.get("error") == "Missing mandatory element (admin_key)"
        wrong = janus.videoroom(
            {"request": "create", "room": 10_999_001, "admin_key": "guess"}, tolerate=(433,)
        )
        assert wrong.get("error") == "Unauthorized (wrong admin_key)"
        assert not janus.room_exists(10_999_001)
        janus.room_create(
            janus_id=10_999_002, pin="pin", secret="secret", rec_dir=str(tmp_path), tokens=["t"]
        )
        assert janus.room_exists(10_999_002)

        deadline = time.monotonic() + 15
        while not _EventsEndpoint.received and time.monotonic() < deadline:
            time.sleep(0.2)
    assert _EventsEndpoint.received, "Janus posted no event"
    credentials = base64.b64encode(b"janus:events-password-of-this-test").decode()
    assert {auth for auth, _ in _EventsEndpoint.received} == {f"Basic {credentials}"}
    posted = [event for _, batch in _EventsEndpoint.received for event in batch]
    assert any(
        event.get("event", {}).get("data", {}).get("event") == "created"
        and event["event"]["data"].get("room") == 10_999_002
        for event in posted
    ), posted
