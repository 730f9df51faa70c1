"""Django's debug pages only for a developer on this machine.

The demo runs with DEBUG on (config.settings.local): an error then shows Django's technical
page — settings, paths, the code — to whoever caused it, a county user included. This
middleware keeps DEBUG's pages for requests from INTERNAL_IPS (localhost) that no proxy
forwarded; everyone else gets the same Chinese error pages as in production (templates/400.html,
404.html, 500.html). With DEBUG off (production) it does nothing. Error mails and logs are not
affected: they use their own reporter.
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.template import loader
from django.views.debug import ExceptionReporter


def is_developer_request(request) -> bool:
    """A request from this machine, straight to the server (no proxy in between)."""
    return (request.META.get("REMOTE_ADDR") in settings.INTERNAL_IPS
            and "HTTP_X_FORWARDED_FOR" not in request.META)


class PublicErrorPageReporter(ExceptionReporter):
    """What DEBUG's error responses say to anyone but a developer: the product's Chinese page."""

    def _template(self) -> str:
        return "400.html" if self.exc_type and issubclass(self.exc_type, SuspiciousOperation) else "500.html"

    # Django's stubs say SafeString, what its own template engine returns; a page rendered by the
    # loader is the same text, typed str, and the text version is a plain message.
    def get_traceback_html(self) -> str:  # type: ignore[override]
        return loader.get_template(self._template()).render()

    def get_traceback_text(self) -> str:  # type: ignore[override]
        if self._template() == "400.html":
            return "请求无法处理：提交的内容不完整或不符合要求，系统未处理，也未保存任何内容。"
        return "服务暂时不可用：系统暂时无法处理您的请求，请稍候重试；如持续出现，请联系专班办系统管理员。"


class DebugPagesForDevelopersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.DEBUG and not is_developer_request(request):
            request.exception_reporter_class = PublicErrorPageReporter
        return self.get_response(request)

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404) and not is_developer_request(request):
            from django.shortcuts import render

            return render(request, "404.html", {}, status=404)
        return None
