from django.urls import path

from . import views

app_name = "contact"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("arrangements/", views.arrangement_list, name="arrangement_list"),
    path("arrangements/new/", views.arrangement_new, name="arrangement_new"),
    path("arrangements/<int:pk>/", views.arrangement_detail, name="arrangement_detail"),
    path("arrangements/<int:pk>/terms/", views.arrangement_terms, name="arrangement_terms"),
    path("arrangements/<int:pk>/<slug:action>/", views.arrangement_action, name="arrangement_action"),
    path("items/<int:pk>/", views.exchange_detail, name="exchange_detail"),
    path("items/<int:pk>/scan/<slug:copy>/", views.exchange_scan, name="exchange_scan"),
    path("items/<int:pk>/<slug:action>/", views.exchange_action, name="exchange_action"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
]
