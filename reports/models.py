"""What the reports need that no other app records: slot searches that found no interpreter.

Searches were not recorded anywhere, so "languages in demand with no
interpreter free" could not be answered. `calls.slots.call_slot_search` (the
one door of the slot finder: the admin's "Find a time", the week board, the
client's page and the API) announces a search that ended with no slot for want
of an interpreter (`calls.signals.slot_search_unmet`); `reports.listeners`
keeps one row per call, language and reason, with when it was first and last
seen. Minimal on purpose: no search input, no person, no times offered.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The finder's reasons that mean "no interpreter" (scheduling.finder).
NO_INTERPRETER_FOR_LANGUAGES = "no_interpreter_for_languages"
INTERPRETERS_BUSY = "interpreters_busy"
UNMET_REASONS = {
    NO_INTERPRETER_FOR_LANGUAGES: _("No interpreter speaks the languages"),
    INTERPRETERS_BUSY: _("All interpreters busy"),
}


class UnmetSearch(models.Model):
    """A call whose slot search found no interpreter, per language of the call.

    `language` is "" for a call without interpretation (any interpreter would do).
    """

    call_id = models.PositiveBigIntegerField(_("call"))
    language = models.CharField(_("language"), max_length=8, blank=True)
    reason = models.CharField(_("reason"), max_length=40, choices=list(UNMET_REASONS.items()))
    first_at = models.DateTimeField(_("first seen"))
    last_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("search without an interpreter")
        verbose_name_plural = _("searches without an interpreter")
        constraints = [
            models.UniqueConstraint(
                fields=["call_id", "language", "reason"], name="unmet_search_once_per_call"
            )
        ]
        indexes = [models.Index(fields=["first_at"])]

    def __str__(self) -> str:
        return f"{self.call_id} {self.language or '*'} {self.reason}"
