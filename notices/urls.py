from django.urls import path

from notices import views

app_name = "notices"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("inbox/", views.inbox, name="inbox"),
    path("<int:notice_id>/", views.notice_detail, name="detail"),
    path("<int:notice_id>/pdf/", views.notice_pdf, name="pdf"),
    path("<int:notice_id>/acknowledge/", views.notice_acknowledge, name="acknowledge"),
    path("<int:notice_id>/answer/", views.notice_answer, name="answer"),
    path("<int:notice_id>/close/", views.notice_close, name="close"),
    path("<int:notice_id>/return/", views.notice_return, name="return"),
    path("<int:notice_id>/sign/", views.notice_sign, name="sign"),
    path("<int:notice_id>/void/", views.notice_void, name="void"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
