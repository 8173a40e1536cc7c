from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "contracts"

    def ready(self) -> None:
        from core import navigation
        from organisations.models import Role

        from . import home, wording  # noqa: F401  (home registers the home panels)

        readers = (Role.LEAD_COMMISSIONER, Role.FINANCE_OFFICER, Role.AUDITOR)
        navigation.register("Contracts", "contracts:overview", roles=readers, order=40)
        navigation.register("Apportionments", "contracts:runs", roles=readers, order=41)
        navigation.register("Import usage", "contracts:usage_import", roles=(Role.FINANCE_OFFICER,), order=42)
        wording.register()
