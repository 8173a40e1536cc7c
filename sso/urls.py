from django.urls import path

from . import views

app_name = "sso"
urlpatterns = [
    path("callback/", views.callback, name="callback"),
    path("sign-ins/", views.sign_in_events, name="events"),
    path("<slug:slug>/", views.start, name="start"),
]
