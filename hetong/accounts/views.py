from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hetong.audit.services import record
from hetong.core.errors import DomainError
from hetong.core.forms import add_domain_error

from . import services
from .forms import LoginForm, PasswordForm, PreferencesForm, TokenForm
from .models import Scope


class LoginView(auth_views.LoginView):
    # django-axes counts the failures of AuthenticationForm and answers with accounts/locked_out.html.
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PasswordForm
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        # The parent saves the password and calls update_session_auth_hash: this session stays signed in,
        # every other session of the user is logged out.
        with transaction.atomic():
            response = super().form_valid(form)
            record(actor=self.request.user, verb="user.password_change", target=self.request.user)
        messages.success(self.request, _("Your password was changed."))
        return response


def _profile(request, *, form=None, token_form=None, secret=None, status=200):
    user = request.user
    form = form or PreferencesForm(initial={
        "display_name": user.display_name, "language": user.language, "time_zone": user.time_zone})
    return render(request, "accounts/profile.html", {
        "form": form, "token_form": token_form or TokenForm(), "new_secret": secret,
        "tokens": user.api_tokens.order_by("-created_at"), "scope_label": Scope(user.scope).label,
    }, status=status)


@login_required
def profile(request):
    if request.method != "POST":
        return _profile(request)
    form = PreferencesForm(request.POST)
    if form.is_valid():
        try:
            services.update_preferences(request.user, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
            return _profile(request, form=form, status=exc.status)
        messages.success(request, _("Your preferences were saved."))
        return redirect("accounts:profile")
    return _profile(request, form=form, status=400)


@login_required
@require_POST
def token_create(request):
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _profile(request, token_form=form, status=400)
    _token, secret = services.create_api_token(request.user, by=request.user, name=form.cleaned_data["name"])
    # Rendered, not redirected: the secret exists only in this response and is never stored.
    return _profile(request, secret=secret, status=201)


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(request.user.api_tokens, pk=pk, revoked_at__isnull=True)
    services.revoke_api_token(token, by=request.user)
    messages.success(request, _("The token was revoked; programs using it can no longer sign in."))
    return redirect("accounts:profile")


@require_POST
def language(request):
    code = request.POST.get("language", "")
    if code not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest(_("Unknown language."))
    if request.user.is_authenticated:
        services.update_preferences(request.user, by=request.user, language=code)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("core:home")
    response = redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, code, max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
