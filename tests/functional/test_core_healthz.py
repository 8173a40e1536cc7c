import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


class TestHealthz:
    def test_reports_database_and_broker_without_sign_in(self, client):  # type: ignore[no-untyped-def]
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}

    def test_reports_an_unreachable_broker_as_503(self, client):  # type: ignore[no-untyped-def]
        with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0"):
            response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["broker"] == "unreachable"
        assert response.json()["database"] == "ok"

    def test_shows_no_data(self, client):  # type: ignore[no-untyped-def]
        assert set(client.get("/healthz").json()) == {"status", "database", "broker"}
