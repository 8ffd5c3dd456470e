"""The client's pages (under /client/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("client/", views.client_dashboard, name="client-dashboard"),
    path("client/balance/", views.client_balance, name="client-balance"),
    path("client/order/", views.client_order, name="client-order"),
    path("client/calls/<uuid:public_id>/", views.client_call, name="client-call"),
    path(
        "client/calls/<uuid:public_id>/cancel/",
        views.client_call_cancel,
        name="client-call-cancel",
    ),
    path(
        "client/calls/<uuid:public_id>/pick/",
        views.client_pick_slot,
        name="client-call-pick",
    ),
    path(
        "client/calls/<uuid:public_id>/move/",
        views.client_call_move,
        name="client-call-move",
    ),
]
