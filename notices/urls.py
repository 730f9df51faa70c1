from django.urls import path

from notices import flow_views, views

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
    # 拟稿 → 核稿 → 签发 (issue 14)
    path("new/", flow_views.notice_new, name="new"),
    path("desk/", flow_views.desk, name="desk"),
    path("sign-batch/", flow_views.sign_batch, name="sign_batch"),
    path("kinds/", flow_views.kind_settings, name="kinds"),
    path("<int:notice_id>/edit/", flow_views.notice_edit, name="edit"),
    path("<int:notice_id>/submit/", flow_views.notice_submit, name="submit"),
    path("<int:notice_id>/review/", flow_views.notice_review, name="review"),
    path("<int:notice_id>/send-back/", flow_views.notice_send_back, name="send_back"),
    path("<int:notice_id>/preview/", flow_views.notice_preview, name="preview"),
    path("files/<int:file_id>/", flow_views.notice_file, name="file"),
]
