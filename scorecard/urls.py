from django.urls import path

from . import views

app_name = "scorecard"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("outcomes/", views.outcomes, name="outcomes"),
    path("returns/", views.board_return, name="board_return"),
    path("returns/jobs/<uuid:job_id>/", views.return_job, name="return_job"),
    path("returns/jobs/<uuid:job_id>/download/", views.return_download, name="return_download"),
    path("<slug:code>/<int:year>/", views.authority_year, name="authority_year"),
    path("<slug:code>/<int:year>/cases/<slug:measure>/", views.cases, name="cases"),
]
