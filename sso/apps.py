from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "sso"
    verbose_name = "Single sign-on"

    def ready(self) -> None:
        from . import signals, wording  # noqa: F401  (signals connects the sign-out receiver)

        wording.register()
