from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API (/api/v1/), one module per audience."""

    name = "api"
