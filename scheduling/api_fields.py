"""The API's windows field: a list of window objects, checked like every other door."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .windows import WEEKDAYS, WindowError
from .windows_text import normalise

WINDOW_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "days": {
                "type": "array",
                "items": {
                    "type": "string",
                    "enum": list(WEEKDAYS),
                },
            },
            "from": {"type": "string", "example": "09:00"},
            "to": {"type": "string", "example": "18:00"},
        },
        "required": ["from", "to"],
    },
    "description": (
        "Weekly windows {days, from: HH:MM, to: HH:MM (24:00 allowed)} or dated windows "
        "{from: YYYY-MM-DDTHH:MM, to: YYYY-MM-DDTHH:MM}, local time in the owner's zone."
    ),
}


@extend_schema_field(WINDOW_SCHEMA)
class WindowsField(serializers.Field):
    default_error_messages = {"bad": "{problem}"}

    def __init__(self, **kwargs):
        if not kwargs.get("read_only"):
            kwargs.setdefault("required", False)
            kwargs.setdefault("default", list)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, list) or len(data) > 50:
            self.fail("bad", problem="a list of at most 50 windows")
        try:
            return normalise(data)
        except WindowError as exc:
            self.fail("bad", problem=str(exc))

    def to_representation(self, value):
        return value or []
