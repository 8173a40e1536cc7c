from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "sso"
    verbose_name = "Single sign-on"

    def ready(self) -> None:
        from core import navigation
        from organisations.models import Role

        navigation.register("Sign-ins", "sso:events", roles=(Role.AUDITOR, Role.ADMINISTRATOR), order=95)
        from . import signals, wording  # noqa: F401  (signals connects the sign-out receiver)

        wording.register()
