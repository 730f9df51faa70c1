from django.urls import path

from outreach import views

app_name = "outreach"
urlpatterns = [
    path("channels/", views.channels_page, name="channels"),
    path("channels/<int:endpoint_id>/toggle/", views.endpoint_toggle, name="endpoint_toggle"),
    path("outbox/", views.outbox, name="outbox"),
    path("m/<str:token>/", views.message_open, name="open"),
]
