from django.apps import AppConfig


class ClientPagesConfig(AppConfig):
    """The client's pages: the dashboard, the balance, ordering, a call."""

    name = "client_pages"
