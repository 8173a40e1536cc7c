from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"

    def ready(self) -> None:
        from core import navigation
        from organisations.models import Role

        from . import home  # noqa: F401

        navigation.register("ASF claims", "claims:queue", order=40, roles=(
            Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.FINANCE_OFFICER, Role.AUDITOR))
