from collections.abc import Callable
from datetime import date

from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"

    def ready(self) -> None:
        from core import navigation
        from organisations.models import Role
        from support.selectors import set_asf_window_rule

        from . import home, wording  # noqa: F401  (home registers the home panels)
        from .rules import rules_on
        from .services.rule_sets import rule_sets_from_db

        # The due-soon list's "ASF application window closes" follows the rule set submission enforces.
        def window_rule() -> Callable[[date], int]:
            rule_sets = rule_sets_from_db(cached=True)
            return lambda on_date: rules_on(on_date, rule_sets).application_window_months

        set_asf_window_rule(window_rule)

        navigation.register("ASF claims", "claims:queue", order=40, roles=(
            Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.FINANCE_OFFICER, Role.AUDITOR))
        wording.register()
