from django.urls import path

from . import views

app_name = "claims"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.create, name="create"),
    path("rule-changes/", views.recheck_list, name="rechecks"),
    path("report/", views.report, name="report"),
    path("remittances/import/", views.remittance_import, name="remittance_import"),
    path("invoices/<int:pk>/approve/", views.invoice_approve, name="invoice_approve"),
    path("invoices/<int:pk>/pay/", views.invoice_pay, name="invoice_pay"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/change/", views.edit, name="edit"),
    path("<int:pk>/services/add/", views.line_add, name="line_add"),
    path("<int:pk>/services/<int:line_pk>/remove/", views.line_remove, name="line_remove"),
    path("<int:pk>/invoices/add/", views.invoice_add, name="invoice_add"),
    path("<int:pk>/for-the-fund.json", views.export, name="export"),
    path("<int:pk>/<slug:name>/", views.action, name="action"),
]
