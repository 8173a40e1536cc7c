from django.urls import path

from . import views

app_name = "contracts"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("new/", views.contract_create, name="create"),
    path("<int:pk>/", views.contract_detail, name="detail"),
    path("<int:pk>/status/", views.contract_status, name="status"),
    path("<int:pk>/kpis/<int:kpi_pk>/return/", views.kpi_return, name="kpi_return"),
    path("<int:pk>/apportionments/new/", views.run_create, name="run_create"),
    path("usage/import/", views.usage_import, name="usage_import"),
    path("apportionments/", views.run_list, name="runs"),
    path("apportionments/<int:pk>/", views.run_detail, name="run_detail"),
    path("apportionments/<int:pk>/calculate/", views.run_calculate, name="run_calculate"),
    path("apportionments/<int:pk>/approve/", views.run_approve, name="run_approve"),
    path("apportionments/<int:pk>/recharge/", views.run_recharge, name="run_recharge"),
    path("apportionments/<int:pk>/spreadsheet/", views.run_spreadsheet, name="run_spreadsheet"),
    path("jobs/<uuid:job_id>/", views.job, name="job"),
    path("jobs/<uuid:job_id>/download/", views.job_download, name="job_download"),
]
