from django.apps import AppConfig


class AgentPagesConfig(AppConfig):
    """The agency agent's pages: requests, confirmation, alarms, the statement."""

    name = "agent_pages"
