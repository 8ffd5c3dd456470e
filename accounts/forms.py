"""Forms about people: signing in, their preferences, their address, a forgotten password."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from common import timezones


class BoundedUsernameMixin:
    """Django's sign-in form sets the username's max_length after the field is
    built, so nothing checks it: a 256-character name reaches the backends and
    django-axes' record of the failure (255 characters in the database),
    which fails. Check it like any field: too long is a form error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class SignInForm(BoundedUsernameMixin, AuthenticationForm):
    pass


class PreferencesForm(forms.Form):
    """The language and time zone a person reads everything in."""

    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"] = timezones.time_zone_form_field(label=_("Time zone"))


class EmailChangeForm(forms.Form):
    new_email = forms.EmailField(label=_("New email address"), max_length=254)
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
