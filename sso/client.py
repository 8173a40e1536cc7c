"""The OpenID Connect client, per identity provider, on mozilla-django-oidc (docs/decisions/0018).

mozilla-django-oidc reads one provider from settings; here each of its settings comes from the `IdentityProvider`
row instead (its documented `get_settings` hook), the endpoints and keys from the issuer's discovery document, and
the ID token check is widened to the issuer and audience (the library checks signature, expiry and nonce)."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import requests
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import absolutify, import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationRequestView
from requests.exceptions import HTTPError, RequestException

from .models import IdentityProvider

TIMEOUT_SECONDS = 10
DISCOVERY_CACHE_SECONDS = 300
CLOCK_SKEW_SECONDS = 60
CALLBACK_URL_NAME = "sso:callback"
# Asymmetric only (the library verifies RS* and ES* against the provider's published keys); never "none" or HS*.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384")


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be read, or does not name this issuer."""


class TokenRejected(Exception):
    """The code exchange or the ID token failed; `code_rejected` tells which (the provider refused the code)."""

    def __init__(self, detail: str, *, code_rejected: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code_rejected = code_rejected


def discovery(provider: IdentityProvider) -> dict[str, Any]:
    """The issuer's `.well-known/openid-configuration`, cached for a few minutes. Its `issuer` must be ours exactly
    (OpenID Connect Discovery 4.3), or a provider could hand out another's endpoints."""
    key = f"sso:discovery:{provider.issuer}"
    config = cache.get(key)
    if config is None:
        url = f"{provider.issuer.rstrip('/')}/.well-known/openid-configuration"
        try:
            response = requests.get(url, timeout=TIMEOUT_SECONDS)
            response.raise_for_status()
            config = response.json()
        except (RequestException, ValueError) as exc:
            raise ProviderUnavailable(f"could not read {url}: {exc}") from exc
        if config.get("issuer") != provider.issuer:
            raise ProviderUnavailable(f"the discovery document names issuer {config.get('issuer')!r}")
        cache.set(key, config, DISCOVERY_CACHE_SECONDS)
    return dict(config)


def _settings_for(provider: IdentityProvider, attr: str, *args: Any) -> Any:
    per_provider = {
        "OIDC_RP_SCOPES": provider.scopes,
        "OIDC_USE_PKCE": True,
        "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
        "OIDC_USE_NONCE": True,
        "OIDC_AUTHENTICATION_CALLBACK_URL": CALLBACK_URL_NAME,
        "OIDC_REDIRECT_FIELD_NAME": "next",
        "OIDC_VERIFY_SSL": True,
        "OIDC_TIMEOUT": TIMEOUT_SECONDS,
        "OIDC_AUTH_REQUEST_EXTRA_PARAMS": {},
    }
    if attr in per_provider:
        return per_provider[attr]
    return import_from_settings(attr, *args)


class ProviderSignInStart(OIDCAuthenticationRequestView):
    """The library's authorization request (state, nonce and PKCE kept in the session), for one provider; the
    state's session entry also names the provider, for the callback."""

    def __init__(self, *, provider: IdentityProvider, config: dict[str, Any]) -> None:
        self.provider = provider
        self.OIDC_OP_AUTH_ENDPOINT = config["authorization_endpoint"]
        self.OIDC_RP_CLIENT_ID = provider.client_id

    def get_settings(self, attr: str, *args: Any) -> Any:  # type: ignore[override]
        return _settings_for(self.provider, attr, *args)

    def get(self, request: HttpRequest) -> HttpResponse:  # type: ignore[override]
        response = super().get(request)
        state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
        request.session["oidc_states"][state]["provider"] = self.provider.pk
        request.session.modified = True
        return response


class ProviderClient(OIDCAuthenticationBackend):
    """The library's token exchange and ID token checks, for one provider. Not an authentication backend here:
    the sign-in service decides who the claims belong to."""

    def __init__(self, *, provider: IdentityProvider, config: dict[str, Any]) -> None:
        self.provider = provider
        self.config = config
        self.OIDC_OP_TOKEN_ENDPOINT = config["token_endpoint"]
        self.OIDC_OP_USER_ENDPOINT = config.get("userinfo_endpoint", "")
        self.OIDC_OP_JWKS_ENDPOINT = config["jwks_uri"]
        self.OIDC_RP_CLIENT_ID = provider.client_id
        self.OIDC_RP_CLIENT_SECRET = os.environ.get(provider.client_secret_env, "")
        offered = config.get("id_token_signing_alg_values_supported") or ["RS256"]
        self.OIDC_RP_SIGN_ALGO = next((alg for alg in SIGNING_ALGORITHMS if alg in offered), "RS256")
        self.OIDC_RP_IDP_SIGN_KEY = None

    def get_settings(self, attr: str, *args: Any) -> Any:  # type: ignore[override]
        if attr == "OIDC_TOKEN_USE_BASIC_AUTH":
            methods = self.config.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
            return "client_secret_basic" in methods
        return _settings_for(self.provider, attr, *args)

    def _accepted_header(self, token: Any) -> dict[str, Any]:
        """The token's header, if it names an algorithm we accept and the provider publishes: checked before any
        key is looked up, so a token signed with a shared secret (HS256) or none never reaches a key."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenRejected(f"the token cannot be read: {exc}") from exc
        offered = self.config.get("id_token_signing_alg_values_supported") or ["RS256"]
        if header.get("alg") not in SIGNING_ALGORITHMS or header.get("alg") not in offered:
            raise TokenRejected(f"the token is signed with {header.get('alg')!r}, which is not accepted")
        return header

    def verify_token(self, token: Any, **kwargs: Any) -> dict[str, Any]:
        self._accepted_header(token)
        return super().verify_token(token, **kwargs)

    def _verify_jws(self, payload: Any, key: Any) -> dict[str, Any]:
        """Signature (with the one algorithm we expect), issuer, audience, expiry and issue time; the library then
        checks the nonce."""
        header = self._accepted_header(payload)
        try:
            return jwt.decode(
                payload, key, algorithms=[header["alg"]], audience=self.provider.client_id,
                issuer=self.provider.issuer, leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenRejected("the token has expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise TokenRejected("the token was issued for another service (wrong audience)") from exc
        except jwt.InvalidIssuerError as exc:
            raise TokenRejected("the token comes from an unknown issuer") from exc
        except jwt.InvalidSignatureError as exc:
            raise TokenRejected("the token's signature does not match the provider's keys") from exc
        except jwt.PyJWTError as exc:
            raise TokenRejected(f"the token is not valid: {exc}") from exc

    def exchange(self, request: HttpRequest, *, code: str, nonce: str, code_verifier: str) -> tuple[dict, str]:
        """Trades the code for tokens at the provider, checks the ID token and returns its claims and the token."""
        self.request = request
        payload = {
            "client_id": self.OIDC_RP_CLIENT_ID,
            "client_secret": self.OIDC_RP_CLIENT_SECRET,
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": callback_url(request),
            "code_verifier": code_verifier,
        }
        try:
            tokens = self.get_token(payload)
        except HTTPError as exc:
            raise TokenRejected(_token_error(exc), code_rejected=True) from exc
        except RequestException as exc:
            raise TokenRejected(f"the provider could not be reached: {exc}", code_rejected=True) from exc
        id_token = tokens.get("id_token")
        if not id_token:
            raise TokenRejected("the provider sent no ID token")
        try:
            claims = self.verify_token(id_token, nonce=nonce)
        except SuspiciousOperation as exc:
            detail = "the token's nonce is not the one this sign-in sent" if "Nonce" in str(exc) else str(exc)
            raise TokenRejected(detail) from exc
        except (jwt.PyJWTError, RequestException, KeyError) as exc:
            raise TokenRejected(f"the token could not be checked: {exc}") from exc
        return claims, id_token


def _token_error(exc: HTTPError) -> str:
    try:
        body = exc.response.json() if exc.response is not None else {}
    except ValueError:
        body = {}
    error = body.get("error", "error")
    if error == "invalid_grant":
        return "the provider refused the code (already used, expired, or not issued to this service)"
    return f"the provider refused the code ({error})"


def callback_url(request: HttpRequest) -> str:
    from django.urls import reverse

    return absolutify(request, reverse(CALLBACK_URL_NAME))


def end_session_url(*, config: dict[str, Any], provider: IdentityProvider, id_token: str, return_to: str) -> str:
    """Where RP-initiated logout sends the browser, or '' when the provider offers none."""
    endpoint = config.get("end_session_endpoint")
    if not endpoint:
        return ""
    query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": return_to,
                       "client_id": provider.client_id})
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
