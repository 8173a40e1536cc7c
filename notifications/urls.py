from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("letters/<int:pk>/pdf/", views.letter_download, name="letter_download"),
    path("outbox/", views.outbox, name="outbox"),
    path("notify/callback/", views.notify_callback, name="notify_callback"),
]
