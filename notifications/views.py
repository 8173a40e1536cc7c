"""Letters on screen: download one (audited, checked against its stored hash), the outbox (what was sent or would
have been), and the endpoint for GOV.UK Notify's delivery receipts (its bearer token, no sign-in)."""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.audit import record_access
from core.downloads import private_response, stored_bytes
from core.models import AccessAction
from organisations.access import role_required
from organisations.models import Role

from . import selectors, services
from .models import Letter

# Provider staff receive their letters by post or email; no provider page lists letters yet, so none opens them here.
LETTER_READERS: tuple[str, ...] = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.AUDITOR, Role.FINANCE_OFFICER,
                                   Role.LEAD_COMMISSIONER)
OUTBOX_READERS: tuple[str, ...] = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.AUDITOR, Role.ADMINISTRATOR)


@role_required(*LETTER_READERS)
def letter_download(request: HttpRequest, pk: int) -> HttpResponse:
    letter = get_object_or_404(Letter.objects.for_user(request.user).select_related("household", "authority"), pk=pk)
    content = stored_bytes(letter.pdf, sha256=letter.content_hash, label=f"Letter {letter.reference}")
    record_access(user=request.user, obj=letter, action=AccessAction.DOWNLOAD, request=request,
                  family=letter.household or letter, authority=letter.authority)
    return private_response(content, content_type="application/pdf", filename=f"{letter.reference}.pdf", inline=True)


@role_required(*OUTBOX_READERS)
def outbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.outbox(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "notifications/outbox.html", {
        "page": page, "follow_ups": selectors.follow_ups_open(user=request.user)[:50],
        "uses_notify": bool(settings.NOTIFY_API_KEY),
    })


@login_not_required
@csrf_exempt
@require_POST
def notify_callback(request: HttpRequest) -> HttpResponse:
    token = settings.NOTIFY_CALLBACK_TOKEN
    given = request.headers.get("Authorization", "")
    if not token or not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return JsonResponse({"error": "Unauthorised"}, status=401)
    try:
        payload = json.loads(request.body)
    except ValueError:
        return JsonResponse({"error": "The body is not JSON"}, status=400)
    if not isinstance(payload, dict):
        return JsonResponse({"error": "The body is not a JSON object"}, status=400)
    try:
        message = services.message_record_receipt(payload=payload, now=timezone.now())
    except services.UnknownMessage as error:
        raise Http404(str(error)) from error
    return JsonResponse({"reference": message.reference, "status": message.status})
