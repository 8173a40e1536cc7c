from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit and subject access"

    def ready(self) -> None:
        from core import navigation
        from organisations.models import Role

        navigation.register("Audit", "audit:search", roles=(Role.AUDITOR,), order=90)
