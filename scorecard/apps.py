from django.apps import AppConfig


class ScorecardConfig(AppConfig):
    name = "scorecard"
    verbose_name = "Scorecard and board returns"

    def ready(self) -> None:
        from core import navigation
        from organisations.models import Role

        from . import wording

        readers = (Role.TEAM_MANAGER, Role.LEAD_COMMISSIONER, Role.FINANCE_OFFICER, Role.AUDITOR)
        navigation.register("Scorecard", "scorecard:overview", roles=readers, order=60)
        wording.register()
