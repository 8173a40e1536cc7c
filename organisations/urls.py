from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
    path("sign-in/security-code/", views.two_factor_verify, name="two_factor_verify"),
    path("sign-in/set-up-authenticator/", views.two_factor_setup, name="two_factor_setup"),
]
