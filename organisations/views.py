from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.decorators import method_decorator

from core import home as home_panels

from .forms import SignInForm


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


def home(request: HttpRequest) -> HttpResponse:
    """Every signed-in user's home page: the panels their role needs (each app adds its own)."""
    today = timezone.localdate()
    return render(
        request,
        "organisations/home.html",
        {"panels": home_panels.panels_for(request.user, today=today), "today": today},
    )
