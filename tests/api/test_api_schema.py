"""The OpenAPI schema: valid OpenAPI 3, the same as the reviewed copy in docs/api/openapi-v1.yaml, served as JSON
and YAML, and documented on a page that keeps the Content Security Policy."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from openapi_spec_validator import validate

CHECKED_IN = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi-v1.yaml"


def generated() -> str:
    out = io.StringIO()
    call_command("spectacular", "--fail-on-warn", stdout=out)
    return out.getvalue()


def test_the_schema_is_valid_openapi_3():
    schema = yaml.safe_load(generated())
    assert schema["openapi"].startswith("3.")
    validate(schema)


def test_the_code_matches_the_reviewed_schema():
    assert CHECKED_IN.read_text() == generated(), (
        "The API's schema changed: review the difference and run "
        "`DJANGO_SETTINGS_MODULE=config.settings.test python manage.py spectacular --file docs/api/openapi-v1.yaml` "
        "to accept it (PostgreSQL's integer ranges).")


@pytest.mark.django_db
@pytest.mark.parametrize("fmt, content_type", [("json", "application/vnd.oai.openapi+json"),
                                               ("yaml", "application/vnd.oai.openapi")])
def test_the_schema_is_served_without_a_token(fmt, content_type):
    response = Client().get("/api/v1/schema/", {"format": fmt})
    assert response.status_code == 200 and response["Content-Type"].startswith(content_type)
    assert b"/api/v1/households/" in response.content


@pytest.mark.django_db
def test_the_docs_page_uses_only_the_sites_own_scripts():
    page = Client().get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>" not in html and "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    csp = page["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    script = Client().get("/api/v1/docs/", {"script": ""})
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert b"/api/v1/schema/" in script.content
