import segno
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login

from core import home as home_panels

from . import services
from .forms import SignInForm, TokenForm


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    def get_success_url(self) -> str:
        # An app that signed the person in elsewhere (sso: the council's identity provider) may name where sign-out
        # continues, such as the provider's own end-session page; it sets this while the session is ended.
        return getattr(self.request, "sign_out_continues_at", None) or super().get_success_url()


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return settings.LOGIN_REDIRECT_URL


def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Second step of sign-in for roles that need it; sends users with no authenticator to set one up."""
    user = request.user
    if user.is_verified():  # type: ignore[union-attr]
        return redirect(_next(request))
    if not user.totpdevice_set.filter(confirmed=True).exists():  # type: ignore[union-attr]
        return redirect(f"{reverse('two_factor_setup')}?next={_next(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.totp_device_verify(user=user, token=form.cleaned_data["token"])  # type: ignore[arg-type]
        except services.InvalidToken as exc:
            form.add_error("token", str(exc))
        else:
            otp_login(request, device)
            return redirect(_next(request))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next(request)})


def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.totpdevice_set.filter(confirmed=True).exists():  # type: ignore[union-attr]
        return redirect(f"{reverse('two_factor_verify')}?next={_next(request)}")
    device = services.totp_device_start(user=user)  # type: ignore[arg-type]
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.totp_device_confirm(user=user, token=form.cleaned_data["token"])  # type: ignore[arg-type]
        except services.InvalidToken as exc:
            form.add_error("token", str(exc))
        else:
            otp_login(request, device)
            return redirect(_next(request))
    qr = segno.make(device.config_url, error="m").svg_inline(scale=4, title="Scan with your authenticator app")
    secret = _base32(device.bin_key)
    return render(request, "registration/two_factor_setup.html",
                  {"form": form, "next": _next(request), "qr": qr, "secret": secret})


def _base32(key: bytes) -> str:
    import base64

    text = base64.b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def home(request: HttpRequest) -> HttpResponse:
    """Every signed-in user's home page: the panels their role needs (each app adds its own)."""
    today = timezone.localdate()
    return render(
        request,
        "organisations/home.html",
        {"panels": home_panels.panels_for(request.user, today=today), "today": today},
    )
