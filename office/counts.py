"""How many of a thing, in words that agree with the number.

Django's admin writes "23 " + the model's plural name, which Russian (three
plural forms: 1 звонок, 2 звонка, 5 звонков) gets wrong for most numbers. Each
model the office counts has its own ngettext phrase here; any other model is
counted as records, which reads right in both languages.
"""

from django.utils.translation import ngettext


def _phrases():
    # Written out in full so makemessages and translators see every phrase.
    return {
        "calls.call": lambda n: ngettext("%(count)s call", "%(count)s calls", n),
        "calls.session": lambda n: ngettext("%(count)s session", "%(count)s sessions", n),
        "accounts.user": lambda n: ngettext("%(count)s person", "%(count)s people", n),
        "agents.agency": lambda n: ngettext("%(count)s agency", "%(count)s agencies", n),
        "agents.member": lambda n: ngettext("%(count)s member", "%(count)s members", n),
        "notifications.notification": lambda n: ngettext(
            "%(count)s message", "%(count)s messages", n
        ),
        "notifications.operatortask": lambda n: ngettext("%(count)s task", "%(count)s tasks", n),
        "duty.dispute": lambda n: ngettext("%(count)s dispute", "%(count)s disputes", n),
        "billing.entry": lambda n: ngettext(
            "%(count)s ledger entry", "%(count)s ledger entries", n
        ),
        "recordings.recording": lambda n: ngettext(
            "%(count)s recording", "%(count)s recordings", n
        ),
    }


def count_of(label_lower: str, count: int) -> str:
    """ "23 calls" / "23 звонка" for the model `label_lower` ("calls.call")."""
    phrase = _phrases().get(label_lower)
    if phrase is None:
        return ngettext("%(count)s record", "%(count)s records", count) % {"count": count}
    return phrase(count) % {"count": count}
