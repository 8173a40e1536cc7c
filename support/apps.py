from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "support"

    def ready(self) -> None:
        from core import navigation
        from organisations.models import Role

        navigation.register("My caseload", "support:caseload", roles=[Role.SOCIAL_WORKER, Role.TEAM_MANAGER], order=10)
        navigation.register("Team caseload", "support:team_caseload",
                            roles=[Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.AUDITOR], order=11)
        navigation.register("Due soon", "support:due_soon",
                            roles=[Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.AUDITOR], order=12)
        navigation.register("Approvals", "support:approvals", roles=[Role.TEAM_MANAGER], order=13)
        navigation.register("Case-system import", "ssd:upload", roles=[Role.DATA_MANAGER, Role.ADMINISTRATOR],
                            order=14)
        from . import home, wording  # noqa: F401  (home registers the home panels)
        wording.register()
