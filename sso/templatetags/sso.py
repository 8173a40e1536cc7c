"""`{% sso_sign_in_options next %}`: the "Sign in with your council account" buttons on the sign-in page, one per
configured provider (the sign-in page belongs to organisations, which cannot import this app)."""

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from .. import selectors

register = template.Library()


@register.inclusion_tag("sso/_sign_in_options.html")
def sso_sign_in_options(next_url: str = "") -> dict[str, Any]:
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    return {"providers": [
        {"name": p.name, "url": reverse("sso:start", args=[p.slug]) + query}
        for p in selectors.providers_for_sign_in()
    ]}
