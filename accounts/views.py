"""Sign in and out, the language switch, the person's own account page, a
forgotten password, and `home`, which sends each role to its page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import FormView

from common.addresses import client_ip
from common.errors import DomainError, NotFound
from common.forms import add_domain_error
from common.throttling import within_rate

from . import services, tasks
from .forms import EmailChangeForm, PasswordResetRequestForm, PreferencesForm, SignInForm
from .mail import queue_after_commit
from .models import Role

HOME_BY_ROLE = {
    Role.CLIENT: "client-dashboard",
    Role.AGENT: "agent-inbox",
    Role.INTERPRETER: "interpreter-day",
    Role.DUTY_MANAGER: "duty-desk",
}


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
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


# The person's own account: preferences, address, sign out everywhere.


@login_required
def account(request):
    user = request.user
    preferences = PreferencesForm(initial={"language": user.language, "time_zone": user.time_zone})
    email_form = EmailChangeForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "preferences":
            preferences = PreferencesForm(request.POST)
            if preferences.is_valid():
                try:
                    services.user_preferences_update(user=user, **preferences.cleaned_data)
                except DomainError as error:
                    add_domain_error(preferences, error)
                else:
                    translation.activate(user.language)
                    messages.success(request, _("Your preferences are saved."))
                    response = redirect("account")
                    response.set_cookie(
                        settings.LANGUAGE_COOKIE_NAME,
                        user.language,
                        samesite="Lax",
                        secure=request.is_secure(),
                    )
                    return response
        elif action == "email":
            email_form = EmailChangeForm(request.POST)
            if email_form.is_valid():
                try:
                    token = services.user_email_change_request(
                        user=user,
                        new_email=email_form.cleaned_data["new_email"],
                        password=email_form.cleaned_data["password"],
                    )
                except DomainError as error:
                    add_domain_error(email_form, error)
                else:
                    queue_after_commit(tasks.email_change_send, user_id=user.pk, token=token)
                    messages.success(
                        request,
                        _("We sent a link to the new address; follow it to make the change."),
                    )
                    return redirect("account")
        status = 400
    return render(
        request,
        "accounts/account.html",
        {"preferences": preferences, "email_form": email_form},
        status=status,
    )


@require_POST
@login_required
def sign_out_everywhere(request):
    services.user_sessions_end_all(user=request.user)
    auth_logout(request)
    messages.success(request, _("You are signed out on every device. Sign in again here."))
    return redirect("login")


def email_change_confirm(request, token):
    try:
        services.user_email_change_confirm(token=token)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        return render(request, "accounts/email_changed.html", {"error": error.message}, status=400)
    return render(request, "accounts/email_changed.html", {})


# A forgotten password: Django's own views, the request rate-limited and told
# the same thing whether or not the address has an account.

PASSWORD_RESETS_PER_ADDRESS = 3
PASSWORD_RESETS_PER_CLIENT = 10
PASSWORD_RESET_WINDOW_SECONDS = 3600


class PasswordResetRequestView(FormView):
    template_name = "accounts/password_reset_form.html"
    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("password-reset-sent")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        address_key = services.email_digest(email)
        allowed = within_rate(
            "password-reset-client",
            client_ip(self.request),
            limit=PASSWORD_RESETS_PER_CLIENT,
            seconds=PASSWORD_RESET_WINDOW_SECONDS,
        ) and within_rate(
            "password-reset-address",
            address_key,
            limit=PASSWORD_RESETS_PER_ADDRESS,
            seconds=PASSWORD_RESET_WINDOW_SECONDS,
        )
        if allowed:
            queue_after_commit(tasks.password_reset_send, email=email)
        # The same page either way: nobody learns whether the address has an
        # account, or that they hit the limit.
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password-reset-complete")
