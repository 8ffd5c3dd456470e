"""Forms about people: signing in."""

from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


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
