"""Caches of text that depends on settings: bounded, and emptied when a setting changes.

A formatted price or date depends on the value, the language and the
settings of the locale (USE_THOUSAND_SEPARATOR, the format modules, ...).
Django empties its own format caches when a setting changes (the
`setting_changed` signal, sent by override_settings); a cache of ours whose
text Django formatted must do the same, or it answers the old way or the new
way depending on which call came first.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.core.signals import setting_changed

_clearers: list[Callable[[], None]] = []


def settings_cache(maxsize: int):
    """functools.lru_cache(maxsize), emptied on every `setting_changed`."""

    def decorate(function):
        cached = functools.lru_cache(maxsize=maxsize)(function)
        _clearers.append(cached.cache_clear)
        return cached

    return decorate


def clear_all(**_kwargs) -> None:
    for clear in _clearers:
        clear()


setting_changed.connect(clear_all, dispatch_uid="common.caches.clear_all")
