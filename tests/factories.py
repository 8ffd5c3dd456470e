"""factory-boy factories for the domain."""

from datetime import UTC, datetime

import factory

from accounts.models import Role, User
from agents.models import Agency, Member


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = Role.CLIENT
    time_zone = "America/New_York"
    password = factory.django.Password("pass-123-word")


class ClientFactory(UserFactory):
    role = Role.CLIENT
    # A phone call needs the client's number (Ofcom's drama range, never real).
    phone = factory.Sequence(lambda n: f"+44207946{n % 1000:04d}")


class InterpreterFactory(UserFactory):
    role = Role.INTERPRETER
    time_zone = "Europe/Kyiv"
    phone = "+380441234567"


class OperatorFactory(UserFactory):
    role = Role.OPERATOR
    time_zone = "Europe/Berlin"


class DutyManagerFactory(UserFactory):
    role = Role.DUTY_MANAGER
    on_duty = True
    phone = "+380445556677"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    city = "Kharkiv"
    country = "UA"
    email = factory.Sequence(lambda n: f"agency{n}@example.org")
    time_zone = "Europe/Kyiv"


class AgentFactory(UserFactory):
    role = Role.AGENT
    agency = factory.SubFactory(AgencyFactory)
    time_zone = "Europe/Kyiv"
    language = "ru"
    phone = "+380501112233"


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    agency = factory.SubFactory(AgencyFactory)
    reference = factory.Sequence(lambda n: f"M-{n:04d}")
    full_name = factory.Faker("name")
    time_zone = "Europe/Kyiv"


def aware(*args) -> datetime:
    """A UTC datetime, for readable test data."""
    return datetime(*args, tzinfo=UTC)
