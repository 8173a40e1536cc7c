from django.apps import AppConfig


class CommissioningConfig(AppConfig):
    name = "commissioning"

    def ready(self) -> None:
        from core import navigation
        from organisations.models import Role

        from . import home, wording  # noqa: F401  (home registers the home panels)

        navigation.register(
            "Referrals", "commissioning:to_send",
            roles=(Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.LEAD_COMMISSIONER, Role.AUDITOR), order=30,
        )
        navigation.register("Referrals to you", "commissioning:inbox", roles=(Role.PROVIDER_STAFF,), order=10)
        navigation.register(
            "Waiting times", "commissioning:waiting_times", roles=(Role.LEAD_COMMISSIONER,), order=45,
        )
        wording.register()
