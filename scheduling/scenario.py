"""Scenario files: the slot finder's whole input as JSON, and its answer as JSON.

A "why is there no slot?" report is reproduced from one file, without the
database (`python manage.py find_slots --scenario FILE.json`); `--call` builds
the same structure from a stored call. The format is in the README.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from .finder import KINDS, CallNeeds, InterpreterTime, Party, SearchRules, SlotSearch
from .windows import WindowError, parse_windows, parse_zone

SETTING_KEYS = ("buffer_minutes", "min_notice_minutes", "horizon_days", "step_minutes", "limit")


class ScenarioError(ValueError):
    """Input the finder can't run on; the message is one line saying what is wrong."""


def parse_instant(text, what: str) -> datetime:
    if not isinstance(text, str):
        raise ScenarioError(f"{what}: expected a UTC time like 2027-03-26T09:00:00Z")
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ScenarioError(
            f"{what}: {text!r} is not a UTC time like 2027-03-26T09:00:00Z"
        ) from exc
    if moment.tzinfo is None:
        raise ScenarioError(f"{what}: {text!r} has no zone; end it with Z")
    return moment


def languages(value, what: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ScenarioError(f"{what}: languages must be a list of ISO 639-1 codes")
    return frozenset(v.strip().lower() for v in value)


def _section(data: dict, key: str) -> dict:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ScenarioError(f"'{key}' must be an object")
    return value


def _windows(owner: dict, key: str, what: str):
    try:
        return parse_windows(owner.get(key))
    except WindowError as exc:
        raise ScenarioError(f"{what}.{key}: {exc}") from exc


def _zone(owner: dict, what: str) -> str:
    try:
        parse_zone(owner.get("time_zone"))
    except WindowError as exc:
        raise ScenarioError(f"{what}: {exc}") from exc
    return owner["time_zone"]


def _int(value, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ScenarioError(f"{what} must be a whole number from {low} to {high}")
    return value


def parse_scenario(data, defaults: SearchRules) -> dict:
    """Keyword arguments for `find_slots` from a decoded scenario file."""
    if not isinstance(data, dict):
        raise ScenarioError("the scenario must be a JSON object")
    now = parse_instant(data.get("now"), "now")
    call = _section(data, "call")
    kind = call.get("kind")
    if kind not in KINDS:
        raise ScenarioError(f"unknown kind {kind!r}; use one of: {', '.join(sorted(KINDS))}")
    needs = CallNeeds(
        kind=kind,
        minutes=_int(call.get("minutes"), "call.minutes", 1, 24 * 60),
        languages=languages(call.get("languages"), "call"),
        client_languages=languages(call.get("client_languages"), "call.client_languages"),
        member_languages=languages(call.get("member_languages"), "call.member_languages"),
    )
    given = data.get("settings") or {}
    if not isinstance(given, dict):
        raise ScenarioError("'settings' must be an object")
    unknown = set(given) - set(SETTING_KEYS)
    if unknown:
        raise ScenarioError(f"unknown setting {sorted(unknown)[0]!r}")
    values = asdict(defaults)
    limits = {"step_minutes": (1, 60), "horizon_days": (1, 366), "limit": (1, 1000)}
    for key, value in given.items():
        values[key] = _int(value, f"settings.{key}", *limits.get(key, (0, 7 * 24 * 60)))
    parties = {}
    for role in ("client", "member"):
        owner = _section(data, role)
        parties[role] = Party(_zone(owner, role), _windows(owner, "windows", role))
    raw = data.get("interpreters")
    if not isinstance(raw, list):
        raise ScenarioError("'interpreters' must be a list")
    interpreters = []
    for index, item in enumerate(raw):
        what = f"interpreters[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str | int):
            raise ScenarioError(f"{what}: needs an 'id'")
        sessions = []
        for n, session in enumerate(item.get("sessions") or []):
            if not isinstance(session, dict):
                raise ScenarioError(f"{what}.sessions[{n}] must be an object")
            start = parse_instant(session.get("starts_at"), f"{what}.sessions[{n}].starts_at")
            end = parse_instant(session.get("ends_at"), f"{what}.sessions[{n}].ends_at")
            if end <= start:
                raise ScenarioError(f"{what}.sessions[{n}]: ends_at is not after starts_at")
            sessions.append((start, end))
        interpreters.append(
            InterpreterTime(
                id=item["id"],
                time_zone=_zone(item, what),
                languages=languages(item.get("languages"), what),
                hours=_windows(item, "hours", what),
                extra=_windows(item, "extra", what),
                off=_windows(item, "off", what),
                sessions=tuple(sessions),
            )
        )
    return {
        "now": now,
        "call": needs,
        "client": parties["client"],
        "member": parties["member"],
        "interpreters": interpreters,
        "rules": SearchRules(**values),
    }


def utc_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def result_as_data(result: SlotSearch) -> dict:
    return {
        "slots": [
            {
                "starts_at": utc_text(slot.starts_at),
                "ends_at": utc_text(slot.ends_at),
                "interpreter": slot.interpreter,
            }
            for slot in result.slots
        ],
        "reason": result.reason,
        "message": result.message,
    }
