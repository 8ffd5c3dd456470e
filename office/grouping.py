"""The admin home grouped by daily work, with the security tables out of the way.

Django lists models by app (Accounts, Agents, Billing, ...); an operator thinks
in work: calls today, people, money, and rarely the machinery. Models not
named here land in "Other" so a new one is never hidden.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# (group title, [(app_label, object_name), ...]) in the order shown.
GROUPS = [
    (
        _("Daily work"),
        [
            ("calls", "Call"),
            ("calls", "Session"),
            ("notifications", "OperatorTask"),
            ("notifications", "Notification"),
        ],
    ),
    (
        _("Clients, agencies and staff"),
        [("accounts", "User"), ("agents", "Agency"), ("agents", "Member")],
    ),
    (
        _("Money"),
        [
            ("billing", "Account"),
            ("billing", "Entry"),
            ("billing", "CallCharge"),
            ("billing", "Tariff"),
            ("billing", "CommissionRule"),
        ],
    ),
]
# Sign-in security and API machinery: folded away at the bottom.
SECURITY_APPS = {"auth", "knox", "axes"}
SECURITY_MODELS = {("accounts", "ApiToken")}


def grouped_app_list(app_list: list[dict]) -> dict:
    """{"groups": [(title, [model dicts])], "security": [...], "other": [...]} from
    AdminSite.get_app_list(request) (only what this person may see)."""
    models = {
        (app["app_label"], model["object_name"]): model
        for app in app_list
        for model in app["models"]
    }
    placed = set()
    groups = []
    for title, keys in GROUPS:
        rows = [models[key] for key in keys if key in models]
        placed.update(key for key in keys if key in models)
        if rows:
            groups.append((title, rows))

    def is_security(key):
        return key[0] in SECURITY_APPS or key in SECURITY_MODELS

    security = [m for key, m in models.items() if is_security(key) and key not in placed]
    other = [m for key, m in models.items() if key not in placed and not is_security(key)]
    return {"groups": groups, "security": security, "other": other}
