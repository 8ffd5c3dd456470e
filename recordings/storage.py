"""The storage sealed recordings go to (the "recordings" alias of STORAGES)."""

from django.core.files.storage import storages


def recordings_storage():
    # Looked up on each use: tests and settings changes swap the alias.
    return storages["recordings"]
