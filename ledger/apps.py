from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"

    def ready(self) -> None:
        from core import navigation
        from organisations.models import Role

        from . import home  # noqa: F401

        navigation.register(
            "Ledger",
            "ledger:accounts",
            roles=(Role.FINANCE_OFFICER, Role.TEAM_MANAGER, Role.AUDITOR, Role.LEAD_COMMISSIONER),
            order=80,
        )
