from django.urls import path

from . import views

app_name = "ledger"
urlpatterns = [
    path("", views.account_list, name="accounts"),
    path("accounts/<int:pk>/", views.account_detail, name="account"),
    path("trial-balance/", views.trial_balance, name="trial_balance"),
    path("entries/", views.entry_list, name="entries"),
    path("transactions/<int:pk>/", views.transaction_detail, name="transaction"),
]
