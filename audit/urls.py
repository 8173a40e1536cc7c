from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.search, name="search"),
    path("families/<int:pk>/", views.family, name="family"),
    path("families/<int:pk>/export.json", views.family_export, name="family_export"),
]
