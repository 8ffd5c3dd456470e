"""The embedded broker never hands a reader a half-written message."""

import os

from kombu import Connection

from config.broker import INCOMING, Transport


def test_filesystem_url_uses_the_atomic_transport(tmp_path):
    folder = str(tmp_path)
    options = {
        "data_folder_in": folder,
        "data_folder_out": folder,
        "control_folder": str(tmp_path / "control"),
    }
    with Connection("filesystem://", transport_options=options) as conn:
        assert isinstance(conn.transport, Transport)
        queue = conn.SimpleQueue("q")
        queue.put({"n": 1})
        # The message lands whole in the queue folder; nothing is left half-way.
        names = [n for n in os.listdir(folder) if n.endswith(".q.msg")]
        assert len(names) == 1
        assert os.listdir(os.path.join(folder, INCOMING)) == []
        assert queue.get(timeout=1).payload == {"n": 1}
        queue.close()


def test_a_message_being_written_is_invisible_to_readers(tmp_path):
    folder = str(tmp_path)
    options = {
        "data_folder_in": folder,
        "data_folder_out": folder,
        "control_folder": str(tmp_path / "control"),
    }
    os.makedirs(os.path.join(folder, INCOMING))
    # What a writer in the middle of its write looks like under this transport.
    with open(os.path.join(folder, INCOMING, "1_x.q.msg"), "wb") as half:
        half.write(b'{"body": "eyJ')
    with Connection("filesystem://", transport_options=options) as conn:
        channel = conn.default_channel
        try:
            channel._get("q")
        except Exception as exc:  # Empty, not a JSON error
            assert type(exc).__name__ == "Empty"
        else:
            raise AssertionError("a half-written message was read")
