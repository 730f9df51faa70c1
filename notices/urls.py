from django.urls import path

from notices.views import drafting, letters

app_name = "notices"
urlpatterns = [
    path("", letters.notice_list, name="list"),
    path("inbox/", letters.inbox, name="inbox"),
    path("<int:notice_id>/", letters.notice_detail, name="detail"),
    path("<int:notice_id>/pdf/", letters.notice_pdf, name="pdf"),
    path("<int:notice_id>/acknowledge/", letters.notice_acknowledge, name="acknowledge"),
    path("<int:notice_id>/answer/", letters.notice_answer, name="answer"),
    path("<int:notice_id>/close/", letters.notice_close, name="close"),
    path("<int:notice_id>/return/", letters.notice_return, name="return"),
    path("<int:notice_id>/sign/", letters.notice_sign, name="sign"),
    path("<int:notice_id>/void/", letters.notice_void, name="void"),
    path("attachments/<int:attachment_id>/", letters.attachment_download, name="attachment"),
    # 拟稿 → 核稿 → 签发
    path("new/", drafting.notice_new, name="new"),
    path("desk/", drafting.desk, name="desk"),
    path("sign-batch/", drafting.sign_batch, name="sign_batch"),
    path("kinds/", drafting.kind_settings, name="kinds"),
    path("<int:notice_id>/edit/", drafting.notice_edit, name="edit"),
    path("<int:notice_id>/submit/", drafting.notice_submit, name="submit"),
    path("<int:notice_id>/review/", drafting.notice_review, name="review"),
    path("<int:notice_id>/send-back/", drafting.notice_send_back, name="send_back"),
    path("<int:notice_id>/preview/", drafting.notice_preview, name="preview"),
    path("files/<int:file_id>/", drafting.notice_file, name="file"),
]
