from django.conf import settings
from django.http import HttpRequest

from . import navigation


def service(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    role = getattr(user, "role", "") if getattr(user, "is_authenticated", False) else ""
    return {
        "service_name": settings.SERVICE_NAME,
        "service_phase": settings.PHASE,
        "navigation": navigation.items_for(role, request.path) if role else [],
    }
