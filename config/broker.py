"""The embedded (filesystem) broker, made safe for a writer and a reader at once.

kombu's filesystem transport creates a message file and then writes it, while
a worker polling the folder may move and read the file in between; the worker
then dies on a half-written message (seen as JSONDecodeError after some half
hour of `bin/run`). Here a message is written under another folder and renamed
into place, so a reader only ever sees whole messages. The "filesystem://"
URL is pointed at this transport in config/celery.py.
"""

import os
import uuid
from time import monotonic

from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

INCOMING = ".incoming"


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        incoming = os.path.join(self.data_folder_out, INCOMING)
        os.makedirs(incoming, exist_ok=True)
        partial = os.path.join(incoming, name)
        try:
            with open(partial, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            # Same file system: the rename is atomic; readers see all or nothing.
            os.replace(partial, os.path.join(self.data_folder_out, name))
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot add a message to {queue!r}") from exc


class Transport(filesystem.Transport):
    Channel = Channel
