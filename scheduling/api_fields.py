"""The API's windows field: a list of window objects, checked like every other door."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .windows import WEEKDAYS, WindowError
from .windows_text import normalise

# As scheduling.windows reads them: a weekly window has days and HH:MM times
# (24:00 is the end of the day); a dated one has none and YYYY-MM-DDTHH:MM.
HHMM = r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$"
LOCAL = r"^[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d$"

WINDOW_SCHEMA = {
    "type": "array",
    "items": {
        "oneOf": [
            {
                "type": "object",
                "title": "Weekly window",
                "properties": {
                    "days": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "string", "enum": list(WEEKDAYS)},
                    },
                    "from": {"type": "string", "pattern": HHMM, "example": "09:00"},
                    "to": {"type": "string", "pattern": HHMM, "example": "18:00"},
                },
                "required": ["days", "from", "to"],
            },
            {
                "type": "object",
                "title": "Dated window",
                "properties": {
                    "from": {"type": "string", "pattern": LOCAL, "example": "2026-03-02T09:00"},
                    "to": {"type": "string", "pattern": LOCAL, "example": "2026-03-02T12:00"},
                },
                "required": ["from", "to"],
                "not": {"required": ["days"]},
            },
        ],
    },
    "maxItems": 50,
    "description": (
        "Weekly windows {days, from: HH:MM, to: HH:MM (24:00 allowed)} or dated windows "
        "{from: YYYY-MM-DDTHH:MM, to: YYYY-MM-DDTHH:MM}, local time in the owner's zone; "
        "`to` is after `from`."
    ),
}


@extend_schema_field(WINDOW_SCHEMA)
class WindowsField(serializers.Field):
    default_error_messages = {
        "bad": "{problem}",
        "empty": _("Give at least one window, e.g. {example}."),
    }

    def __init__(self, *, allow_empty: bool = True, **kwargs):
        """Optional (default: no windows) unless `required=True`; a required
        field with `allow_empty=False` also refuses an empty list."""
        self.allow_empty = allow_empty
        if not kwargs.get("read_only") and not kwargs.get("required"):
            kwargs.setdefault("required", False)
            kwargs.setdefault("default", list)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, list) or len(data) > 50:
            self.fail("bad", problem="a list of at most 50 windows")
        if not data and not self.allow_empty:
            self.fail("empty", example='{"days": ["mon", "fri"], "from": "09:00", "to": "18:00"}')
        try:
            return normalise(data)
        except WindowError as exc:
            self.fail("bad", problem=str(exc))

    def to_representation(self, value):
        return value or []


@extend_schema_field({**WINDOW_SCHEMA, "minItems": 1})
class RequiredWindowsField(WindowsField):
    """At least one window (an order: without them no time can be found)."""

    def __init__(self, **kwargs):
        super().__init__(required=True, allow_empty=False, **kwargs)
