"""Sign-out of a council-account session: recorded, and continued at the provider (RP-initiated logout) where it
offers an end-session endpoint. Connected in SsoConfig.ready()."""

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from . import client, selectors
from .services import sign_in as sign_in_services
from .views import SESSION_ID_TOKEN, SESSION_PROVIDER, _ip


@receiver(user_logged_out, dispatch_uid="sso.sign_out")
def continue_sign_out_at_the_provider(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or user is None or not hasattr(request, "session"):
        return
    provider_pk = request.session.get(SESSION_PROVIDER)
    if not provider_pk:
        return
    provider = selectors.provider_by_id(pk=provider_pk)
    id_token = request.session.get(SESSION_ID_TOKEN, "")
    continues_at = ""
    if provider is not None and id_token:
        try:
            config = client.discovery(provider)
        except client.ProviderUnavailable:
            config = {}
        continues_at = client.end_session_url(
            config=config, provider=provider, id_token=id_token,
            return_to=request.build_absolute_uri(reverse("login")),
        )
    sign_in_services.sign_out_record(
        user=user, provider=provider, ip=_ip(request), now=timezone.now(),
        detail="continued at the provider" if continues_at else "",
    )
    if continues_at:
        request.sign_out_continues_at = continues_at  # type: ignore[attr-defined]
