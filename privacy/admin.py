"""Export and erase from the admin: actions on people and members (privacy adds them,
as billing adds its statement action to agencies), and the audit of both."""

from __future__ import annotations

import io

from django.contrib import admin, messages
from django.contrib.admin.exceptions import NotRegistered
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from agents.models import Member
from common.admin import ReadOnlyAdmin
from common.errors import DomainError

from .erase import erase_refusal, person_erase
from .export import person_export
from .models import PrivacyRequest
from .subjects import Subject


def _subject(obj) -> Subject:
    return Subject("member" if isinstance(obj, Member) else "user", obj)


def _one(modeladmin, request, queryset):
    if queryset.count() != 1:
        modeladmin.message_user(request, _("Choose exactly one person."), messages.WARNING)
        return None
    return queryset.first()


@admin.action(description=gettext_lazy("Export their data (ZIP)"))
def export_person(modeladmin, request, queryset):
    obj = _one(modeladmin, request, queryset)
    if obj is None:
        return None
    subject = _subject(obj)
    buffer = io.BytesIO()
    person_export(subject=subject, out=buffer, actor=request.user)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    # Named by pseudonym: the person's name stays out of file names and logs.
    response["Content-Disposition"] = f'attachment; filename="{subject.pseudonym}-data.zip"'
    return response


@admin.action(description=gettext_lazy("Erase their data…"))
def erase_person(modeladmin, request, queryset):
    obj = _one(modeladmin, request, queryset)
    if obj is None:
        return None
    subject = _subject(obj)
    refusal = erase_refusal(subject)
    if request.POST.get("confirmed") == "yes" and not refusal:
        try:
            result = person_erase(subject=subject, actor=request.user)
        except DomainError as exc:
            modeladmin.message_user(request, exc.message, messages.ERROR)
        else:
            modeladmin.message_user(
                request, _("Erased; now known as %(alias)s.") % {"alias": result.pseudonym}
            )
        return None
    return TemplateResponse(
        request,
        "admin/privacy/erase_confirm.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": _("Erase this person's data?"),
            "obj": obj,
            "refusal": refusal,
            "action": "erase_person",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        },
    )


def offer_privacy_actions(site=admin.site) -> None:
    for model in (User, Member):
        try:
            model_admin = site.get_model_admin(model)
        except NotRegistered:
            continue
        actions = list(model_admin.actions or [])
        for action in (export_person, erase_person):
            if action not in actions:
                actions.append(action)
        model_admin.actions = actions


offer_privacy_actions()


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "subject_kind", "subject_pseudonym", "actor")
    list_filter = ("kind", "subject_kind")
