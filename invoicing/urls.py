from django.urls import path

from . import views

app_name = "invoicing"
urlpatterns = [
    path("", views.provider_list, name="provider_list"),
    path("raise/", views.raise_invoice, name="raise"),
    path("check/", views.queue, name="queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/answer/", views.answer, name="answer"),
    path("<int:pk>/credit/", views.credit, name="credit"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
    path("runs/", views.runs, name="runs"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/payment-file.csv", views.run_file, name="run_file"),
    path("remittance-advices/", views.advices, name="advices"),
    path("remittance-advices/<int:pk>/letter.pdf", views.advice_letter, name="advice_letter"),
    path("referrals/<int:pk>/terms/", views.terms, name="terms"),
    path("bank-details/", views.bank_details, name="bank_details"),
    path("bank-details/<int:pk>/", views.bank_details_decide, name="bank_details_decide"),
]
