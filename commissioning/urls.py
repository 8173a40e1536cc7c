from django.urls import path

from . import views

app_name = "commissioning"
urlpatterns = [
    path("", views.to_send, name="to_send"),
    path("waiting/", views.waiting, name="waiting"),
    path("overdue/", views.overdue, name="overdue"),
    path("waiting-times/", views.waiting_times, name="waiting_times"),
    path("new/plan/<int:planned_service_pk>/", views.create_from_plan, name="create_from_plan"),
    path("new/request/<int:request_pk>/", views.create_from_request, name="create_from_request"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/route/", views.route, name="route"),
    path("<int:pk>/send/", views.send, name="send"),
    path("<int:pk>/reroute/", views.reroute, name="reroute"),
    path("<int:pk>/notes/", views.notes, name="notes"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/spot-purchase/", views.spot_request, name="spot_request"),
    path("spot-purchases/", views.spot_queue, name="spot_queue"),
    path("spot-purchases/<int:pk>/", views.spot_decide, name="spot_decide"),
    path("provider/", views.inbox, name="inbox"),
    path("provider/<int:pk>/", views.provider_detail, name="provider_detail"),
    path("provider/<int:pk>/accept/", views.accept, name="accept"),
    path("provider/<int:pk>/decline/", views.decline, name="decline"),
    path("provider/<int:pk>/sessions/new/", views.record_session, name="record_session"),
    path("provider/<int:pk>/complete/", views.complete, name="complete"),
]
