from django.urls import path

from . import views

app_name = "journals"
urlpatterns = [
    path("", views.batch_list, name="batches"),
    path("new/", views.batch_create, name="create"),
    path("jobs/<uuid:job_id>/", views.batch_job, name="job"),
    path("<int:pk>/", views.batch_detail, name="detail"),
    path("<int:pk>/download/", views.batch_download, name="download"),
    path("<int:pk>/confirm/", views.batch_confirm, name="confirm"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
]
