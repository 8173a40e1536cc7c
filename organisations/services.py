"""Writes for organisations: two-factor devices."""

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User


class InvalidToken(ValueError):
    pass


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator (made on first call, the same one on later calls until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def totp_device_confirm(*, user: User, token: str) -> TOTPDevice:
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(token.strip()):
        raise InvalidToken("The code is wrong or has expired. Enter the 6-digit code your app shows now.")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return device


def totp_device_verify(*, user: User, token: str) -> TOTPDevice:
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token.strip()):
            return device
    raise InvalidToken("The code is wrong or has expired. Enter the 6-digit code your app shows now.")
