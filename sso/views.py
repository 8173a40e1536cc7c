"""Sign-in with a council account: the start (off to the provider) and the callback (back with a code)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login

from organisations.access import role_required, second_factor_pending_allowed
from organisations.models import Role

from . import client, selectors, wording
from .models import IdentityProvider
from .rules import Refusal
from .services import sign_in as sign_in_services

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
SESSION_PROVIDER = "sso_provider"
SESSION_ID_TOKEN = "sso_id_token"  # noqa: S105 (a session key's name)


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _refused(request: HttpRequest, *, provider: IdentityProvider | None, reason: str, detail: str = "",
             outcome: sign_in_services.Outcome | None = None) -> HttpResponse:
    """The refusal page, after the refusal is recorded (unless the service already did) and any session ended."""
    if outcome is None:
        sign_in_services.sign_in_refuse(provider=provider, reason=reason, detail=detail, ip=_ip(request),
                                        now=timezone.now())
    if getattr(request.user, "is_authenticated", False):
        auth.logout(request)
    return render(request, "sso/refused.html", {
        "message": wording.refusal_message(reason), "provider": provider,
    }, status=403)


@second_factor_pending_allowed
@login_not_required
@never_cache
def start(request: HttpRequest, slug: str) -> HttpResponse:
    provider = selectors.provider_enabled(slug=slug)
    if provider is None:
        raise Http404("No such identity provider")
    try:
        config = client.discovery(provider)
    except client.ProviderUnavailable as exc:
        return _refused(request, provider=provider, reason=Refusal.PROVIDER_ERROR, detail=str(exc))
    return client.ProviderSignInStart(provider=provider, config=config).get(request)


@second_factor_pending_allowed
@login_not_required
@never_cache
def callback(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    states = request.session.get("oidc_states", {})
    entry = states.pop(state, None) if state else None
    request.session.modified = True
    provider = selectors.provider_by_id(pk=entry.get("provider", 0)) if entry else None
    if request.GET.get("error"):
        detail = f"{request.GET['error']}: {request.GET.get('error_description', '')}".strip(": ")
        return _refused(request, provider=provider, reason=Refusal.PROVIDER_ERROR, detail=detail[:400])
    if entry is None or provider is None:
        return _refused(request, provider=None, reason=Refusal.STATE_UNKNOWN,
                        detail="no sign-in in this browser matches the link")
    code = request.GET.get("code", "")
    if not code:
        return _refused(request, provider=provider, reason=Refusal.PROVIDER_ERROR, detail="no code in the answer")
    if "iss" in request.GET and request.GET["iss"] != provider.issuer:
        # RFC 9207: the answer names the issuer that sent it; another's answer is a mix-up attack.
        return _refused(request, provider=provider, reason=Refusal.TOKEN_INVALID,
                        detail=f"the answer comes from an unknown issuer {request.GET['iss'][:200]}")
    try:
        config = client.discovery(provider)
        claims, id_token = client.ProviderClient(provider=provider, config=config).exchange(
            request, code=code, nonce=entry.get("nonce", ""), code_verifier=entry.get("code_verifier") or "",
        )
    except client.ProviderUnavailable as exc:
        return _refused(request, provider=provider, reason=Refusal.PROVIDER_ERROR, detail=str(exc))
    except client.TokenRejected as exc:
        reason = Refusal.CODE_REJECTED if exc.code_rejected else Refusal.TOKEN_INVALID
        return _refused(request, provider=provider, reason=reason, detail=exc.detail)

    outcome = sign_in_services.sign_in_with_claims(provider=provider, claims=claims, ip=_ip(request),
                                                   now=timezone.now())
    if outcome.user is None:
        return _refused(request, provider=provider, reason=outcome.refusal, outcome=outcome)
    auth.login(request, outcome.user, backend=MODEL_BACKEND)
    if outcome.mfa:
        otp_login(request, sign_in_services.provider_mfa_device_for(user=outcome.user))
    request.session[SESSION_PROVIDER] = provider.pk
    request.session[SESSION_ID_TOKEN] = id_token
    target = request.session.pop("oidc_login_next", None) or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = settings.LOGIN_REDIRECT_URL
    return redirect(target)


@role_required(Role.AUDITOR, Role.ADMINISTRATOR)
def sign_in_events(request: HttpRequest) -> HttpResponse:
    """The sign-in trail of the council accounts the user's organisation may see."""
    events = selectors.sign_in_events_for(user=request.user)
    return render(request, "sso/sign_in_events.html", {"events": events, "shown": selectors.EVENTS_SHOWN})
