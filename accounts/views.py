"""Sign in and out, the language switch, and `home`, which sends each role to its page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.errors import DomainError

from . import services
from .models import Role

HOME_BY_ROLE = {
    Role.CLIENT: "client-dashboard",
    Role.AGENT: "agent-inbox",
    Role.INTERPRETER: "interpreter-day",
    Role.DUTY_MANAGER: "duty-desk",
}


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
def home(request):
    user = request.user
    if user.is_operator:
        return redirect("admin:index")
    if user.role in HOME_BY_ROLE:
        return redirect(HOME_BY_ROLE[user.role])
    return render(request, "accounts/home_other.html")


@require_POST
@login_required
def phone_update(request):
    """A person's own phone number (clients: the interpreter calls them on it)."""
    try:
        services.user_phone_set(user=request.user, phone=request.POST.get("phone", "")[:40])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your phone number is saved."))
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    return HttpResponseRedirect(next_url)


@require_POST
def language_switch(request):
    """Change the language: the profile of a signed-in person, a cookie for anyone."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response
