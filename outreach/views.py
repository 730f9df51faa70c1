"""Pages of outreach: the leader's channel settings and the office's outbox. Thin."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from outreach import selectors, services
from outreach.forms import EndpointForm
from outreach.models import Endpoint, Message
from tracker import permissions


@login_required
@require_http_methods(["GET", "POST"])
def channels_page(request):
    if not permissions.is_office_leader(request.user):
        raise PermissionDenied("只有专班办领导可以配置消息渠道")
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_save(acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            messages.success(request, "已保存消息渠道")
            return redirect("outreach:channels")
    return render(request, "outreach/channels.html", {"form": form, "rows": selectors.endpoint_rows()})


@login_required
@require_POST
def endpoint_toggle(request, endpoint_id: int):
    if not permissions.is_office_leader(request.user):
        raise PermissionDenied("只有专班办领导可以配置消息渠道")
    endpoint = get_object_or_404(Endpoint, pk=endpoint_id)
    services.endpoint_save(
        acting_user=request.user, endpoint_id=endpoint.pk, channel=endpoint.channel, scope=endpoint.scope,
        label=endpoint.label, unit=endpoint.unit, department=endpoint.department, user=endpoint.user,
        address=endpoint.address, token_env=endpoint.token_env, secret_env=endpoint.secret_env,
        enabled=not endpoint.enabled,
    )
    messages.success(request, f"已{'停用' if endpoint.enabled else '启用'}：{endpoint.label}")
    return redirect("outreach:channels")


@login_required
@require_http_methods(["GET"])
def message_open(request, token: str):
    """The link every message carries: marks it read when its recipient opens it (logged in;
    login_required brings anyone else to the login page and back), then goes to the item."""
    message = get_object_or_404(Message.objects.select_related("endpoint"), token=token)
    services.message_open(message=message, acting_user=request.user)
    return redirect(selectors.message_target(message))


@login_required
@require_http_methods(["GET"])
def outbox(request):
    if not permissions.is_office_staff(request.user):
        raise PermissionDenied("只有专班办可以查看消息发送记录")
    return render(request, "outreach/outbox.html", {
        "messages_sent": selectors.outbox(),
        "counts": selectors.status_counts(),
        "sandbox": selectors.sandbox_log(),
    })
