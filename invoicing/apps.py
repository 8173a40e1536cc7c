from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"

    def ready(self) -> None:
        from core import navigation
        from organisations.models import Role

        from . import home, wording  # noqa: F401  (home registers the home panels)

        navigation.register("Invoices", "invoicing:provider_list", roles=(Role.PROVIDER_STAFF,), order=20)
        navigation.register("Provider invoices", "invoicing:queue", roles=(Role.FINANCE_OFFICER,), order=42)
        wording.register()
