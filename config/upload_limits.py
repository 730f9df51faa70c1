"""Uploads are refused by their size before a byte of them is read.

Django reads a request body only up to its declared CONTENT_LENGTH (it never reads past it,
and a body without one is not read at all), so comparing that figure with the limit before
anything touches `request.POST` / `request.FILES` refuses an oversized upload while it is
still on the wire: nothing is buffered, nothing is written to a temporary file. What passes
is streamed the usual way: files above FILE_UPLOAD_MAX_MEMORY_SIZE go to temporary files, at
most DATA_UPLOAD_MAX_NUMBER_FILES of them per request (more: Django's TooManyFilesSent, the
Chinese 400 page), and each form checks its own per-file limit (a 反馈's attachments, the
evidence files, a ledger).

This middleware stands before CsrfViewMiddleware, the first one to read the body.
"""
from __future__ import annotations

from django.conf import settings
from django.shortcuts import render


def _megabytes(size: int) -> str:
    return f"{size / 1048576:g} MB"


class UploadSizeLimitMiddleware:
    """Refuse a request body larger than YIHONG_UPLOAD_MAX_REQUEST_BYTES with a Chinese 413 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.YIHONG_UPLOAD_MAX_REQUEST_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            return render(
                request, "upload_too_large.html",
                {"size": _megabytes(length), "limit": _megabytes(limit),
                 "max_files": settings.DATA_UPLOAD_MAX_NUMBER_FILES},
                status=413,
            )
        return self.get_response(request)
