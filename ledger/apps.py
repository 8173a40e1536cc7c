from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"

    def ready(self) -> None:
        from core import navigation
        from organisations.models import Role

        from . import home  # noqa: F401
        from .journals import tasks, wording  # noqa: F401  (the worker finds the journal tasks)

        navigation.register(
            "Ledger",
            "ledger:accounts",
            roles=(Role.FINANCE_OFFICER, Role.TEAM_MANAGER, Role.AUDITOR, Role.LEAD_COMMISSIONER),
            order=80,
        )
        navigation.register("Journals", "journals:batches", roles=(Role.FINANCE_OFFICER,), order=81)
        wording.register()
