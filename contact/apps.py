from django.apps import AppConfig


class ContactConfig(AppConfig):
    name = "contact"
    verbose_name = "Letterbox contact"

    def ready(self) -> None:
        from core import navigation
        from organisations.models import Role

        from . import home, wording  # noqa: F401  (home registers the home panels)

        navigation.register(
            "Letterbox", "contact:dashboard",
            roles=(Role.LETTERBOX_COORDINATOR, Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.AUDITOR,
                   Role.PROVIDER_STAFF), order=35,
        )
        wording.register()
