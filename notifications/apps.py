from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        from core import navigation
        from organisations.models import Role

        navigation.register("Letters and messages", "notifications:outbox", order=90, roles=(
            Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.AUDITOR, Role.ADMINISTRATOR))
        from . import (
            tasks,  # noqa: F401  (registers notifications.send, which the services queue by name)
            wording,
        )

        wording.register()
