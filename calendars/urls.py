from django.urls import path

from . import views

urlpatterns = [
    path("calendar/", views.calendar_page, name="calendar-page"),
    path("calendar/call/<uuid:public_id>.ics", views.call_ics, name="calendar-call"),
    # The secret feed: the token is the only credential (calendar apps can't sign in).
    path("calendar/<str:token>.ics", views.feed, name="calendar-feed"),
]
