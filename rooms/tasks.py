"""Celery tasks of the video rooms: thin wrappers that take ids and call the services."""

from __future__ import annotations

from celery import shared_task

from common.errors import DomainError

from . import services
from .janus import RoomServerDown
from .recording import MixError


@shared_task(name="rooms.clock", acks_late=True)
def room_clock(session_id: int) -> str:
    """Run a session's media clock (queued ROOM_EMPTY_END_SECONDS after a leave)."""
    try:
        return services.room_clock_run(session_id=session_id)
    except DomainError as exc:
        return exc.code  # moved on meanwhile (ended by hand, cancelled)


@shared_task(name="rooms.sweep_empty", acks_late=True)
def sweep_empty() -> list[int]:
    return services.rooms_sweep_empty()


@shared_task(
    name="rooms.close",
    acks_late=True,
    autoretry_for=(RoomServerDown,),
    retry_backoff=30,
    max_retries=5,
)
def room_close(room_id: int) -> None:
    services.room_close_on_server(room_id=room_id)


@shared_task(
    name="rooms.recording_mix",
    acks_late=True,
    autoretry_for=(MixError,),
    retry_backoff=60,
    max_retries=6,
    soft_time_limit=4 * 3600,
)
def room_recording_mix(room_id: int) -> str:
    """Mix, check and attach the room's recording; safe to run again after a crash."""
    return services.room_recording_process(room_id=room_id)
