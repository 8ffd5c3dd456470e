"""Form fields for windows and languages, shared by every form that asks for them
(the client's order, the agent's confirmation, the admin, the interpreter's page)."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .languages import UnknownLanguage, languages_text, parse_languages
from .windows import WindowError
from .windows_text import as_text, parse_text

WINDOWS_HELP = _(
    "One a line, in %(tz)s: days and hours (“mon-fri 09:00-18:00”, “sat 10:00-14:00”) "
    "or dates (“2027-03-29 15:00-20:00”)."
)


def _help(time_zone) -> str:
    return WINDOWS_HELP % {"tz": time_zone}


_windows_help = lazy(_help, str)


class WindowsField(forms.CharField):
    """Windows typed one a line (`scheduling.windows_text`); cleans to the JSON form."""

    widget = forms.Textarea

    def __init__(self, *, time_zone: str = "", **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 2000)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("rows", 3)
        self.widget.attrs.setdefault("placeholder", _("mon-fri 09:00-18:00"))
        self.widget.attrs.setdefault("autocapitalize", "off")
        if time_zone:
            self.set_time_zone(time_zone)

    def set_time_zone(self, time_zone: str) -> None:
        # Formatted when shown, so it reads in the reader's language (not the one
        # active when the form class was defined).
        self.help_text = _windows_help(time_zone)

    def prepare_value(self, value):
        return as_text(value, language=get_language() or "en") if isinstance(value, list) else value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        text = super().to_python(value)
        try:
            return parse_text(text)
        except WindowError as exc:
            raise forms.ValidationError(
                _("Can't read this: %(problem)s. Write for example “mon-fri 09:00-18:00”."),
                params={"problem": exc},
                code="bad_window",
            ) from exc

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value):
        return super().run_validators(as_text(value))

    def has_changed(self, initial, data):
        return as_text(initial or []) != as_text(self.to_python(data) if data else [])


class LanguagesField(forms.CharField):
    """Languages as people write them ("English, Russian", "en-ru"); cleans to "en, ru"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        try:
            return languages_text(parse_languages(text))
        except UnknownLanguage as exc:
            raise forms.ValidationError(
                _("“%(word)s” is not a language we know: write e.g. “en, ru”."),
                params={"word": exc.word},
                code="bad_language",
            ) from exc
