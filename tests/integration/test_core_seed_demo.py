import io
from datetime import date

import pytest
from django.apps import apps
from django.core.management import call_command

from organisations.models import Role, User

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models() if not m._meta.label.startswith(
        ("sessions.", "admin.", "axes.", "django_celery_results.", "contenttypes.", "auth.Permission"))}


class TestSeedDemo:
    def test_running_twice_leaves_the_same_counts_and_every_role(self):  # type: ignore[no-untyped-def]
        call_command("seed_demo", password="demo-password-123", stdout=io.StringIO())
        first = counts()
        call_command("seed_demo", password="another-password-456", stdout=io.StringIO())
        assert counts() == first
        assert User.objects.get(username="kent.social_worker").check_password("demo-password-123")
        for code in ("kent", "medway", "bexley"):
            for role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.FINANCE_OFFICER):
                user = User.objects.get(username=f"{code}.{role}")
                assert user.role == role and user.authority.short_code == code
        assert User.objects.get(username="raa.lead_commissioner").scope == "partnership"
        assert User.objects.get(username="raa.auditor").role == Role.AUDITOR
        assert User.objects.filter(role=Role.PROVIDER_STAFF).count() >= 5
        self.assert_letterbox_demo()

    def assert_letterbox_demo(self) -> None:  # type: ignore[no-untyped-def]
        from django.utils import timezone

        from contact.models import Arrangement, Exchange, ExchangeStatus

        for code in ("kent", "medway", "bexley"):
            assert User.objects.get(username=f"{code}.letterbox_coordinator").role == Role.LETTERBOX_COORDINATOR
            assert Arrangement.objects.filter(authority__short_code=code).count() >= 3
        assert Arrangement.objects.filter(provider__name="Barnardo's CAFIS", referral__isnull=False).exists()
        assert set(Exchange.objects.values_list("status", flat=True)) == set(ExchangeStatus.values)
        assert Exchange.objects.filter(status=ExchangeStatus.EXPECTED, overdue_date__lt=timezone.localdate(),
                                       reminded_date__isnull=False).exists()

    def test_a_generated_password_is_printed_once(self, monkeypatch):  # type: ignore[no-untyped-def]
        from core.demo import DemoContext
        from organisations import demo

        monkeypatch.delenv("DEMO_PASSWORD", raising=False)
        out = io.StringIO()
        demo.seed(DemoContext(today=date(2026, 11, 24), password="generated-1", password_generated=True, stdout=out))
        assert "shown once" in out.getvalue() and "generated-1" in out.getvalue()
        again = io.StringIO()
        demo.seed(DemoContext(today=date(2026, 11, 24), password="generated-2", password_generated=True,
                              stdout=again))
        assert "shown once" not in again.getvalue() and "generated-2" not in again.getvalue()
