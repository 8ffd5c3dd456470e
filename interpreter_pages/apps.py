from django.apps import AppConfig


class InterpreterPagesConfig(AppConfig):
    """The interpreter's pages: the day, a session, attempts and outcome, availability."""

    name = "interpreter_pages"
