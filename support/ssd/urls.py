from django.urls import path

from . import views

app_name = "ssd"
urlpatterns = [
    path("", views.ssd_upload, name="upload"),
    path("jobs/<uuid:job_id>/", views.ssd_job, name="job"),
    path("jobs/<uuid:job_id>/commit/", views.ssd_commit, name="commit"),
]
