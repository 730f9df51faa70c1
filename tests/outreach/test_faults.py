"""The receiver down for several attempts: nothing lost, nothing sent twice."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import time_machine
from django.utils import timezone

from outreach.models import Message, MessageKind, MessageStatus
from outreach.sandbox import Receiver
from outreach.tasks import sending as tasks

pytestmark = pytest.mark.django_db

PER_CHANNEL = 6
DOWN_ROUNDS = 3


def test_receiver_down_for_three_attempts_then_up_loses_nothing_and_duplicates_nothing(
    receiver, accounts, houma_endpoints, capsys
):
    # given messages on the three HTTP channels, and the providers unreachable
    port = receiver.port
    receiver.stop()
    today = timezone.localdate()
    messages = [
        Message.objects.create(
            kind=MessageKind.ACK_DUE, subject=f"notice:{n}", endpoint=endpoint, channel=endpoint.channel,
            due_on=today, planned_on=today, recipient_name="侯马市", title="【一泓】签收提醒", text=f"提醒{n}",
            link=f"https://yihong.linfen.example.gov.cn/notices/{n}/",
            params={"title": f"函{n}", "deadline": "9月30日"},
        )
        for n in range(PER_CHANNEL) for endpoint in (houma_endpoints[c] for c in ("wecom", "dingtalk", "sms"))
    ]
    # when the first send and two retries meet the receiver down
    now = timezone.now()
    for message in messages:
        tasks.send_message.delay(message.pk)
    failed_rounds = []
    for round_ in range(1, DOWN_ROUNDS):
        now += dt.timedelta(minutes=[1, 5, 30][round_ - 1] + 1)
        with time_machine.travel(now, tick=True):
            failed_rounds.append(tasks.retry_due_messages.delay().get())
    down = Counter(Message.objects.values_list("status", flat=True))
    # and then the receiver is back on the same port, and the sweep runs after the next back-off
    back = Receiver(accounts, port=port).start()
    try:
        # (the sixth SMS to one mobile within a minute meets the provider's rate limit: retried too)
        sweeps = []
        for _ in range(4):
            now += dt.timedelta(minutes=121 if sweeps else 31)
            with time_machine.travel(now, tick=True):
                sweeps.append(tasks.retry_due_messages.delay().get())
    finally:
        back.stop()
    # then
    rows = Message.objects.filter(pk__in=[m.pk for m in messages])
    statuses = Counter(rows.values_list("status", flat=True))
    delivered = Counter((e["channel"], (e["body"].get("OutId") or e["body"].get("markdown", {}).get("content")
                                        or e["body"].get("markdown", {}).get("text"))) for e in back.received)
    duplicated = sum(n - 1 for n in delivered.values() if n > 1)
    lost = len(messages) - statuses[MessageStatus.SENT]
    retried = sum(m.attempts - 1 for m in rows)
    print(f"\noutreach fault test: messages {len(messages)}, sent {statuses[MessageStatus.SENT]}, "
          f"failed attempts while down {DOWN_ROUNDS * len(messages)}, retried {retried}, lost {lost}, "
          f"duplicated {duplicated}, provider requests after restart {back.requests}, "
          f"sweeps after restart {sweeps}")
    assert down == {MessageStatus.FAILED: len(messages)}
    assert failed_rounds == [len(messages)] * (DOWN_ROUNDS - 1)
    assert sweeps[0] == len(messages) and sweeps[-1] == 0
    assert statuses == {MessageStatus.SENT: len(messages)} and lost == 0
    assert len(back.received) == len(messages) and duplicated == 0
    assert all(m.attempts >= DOWN_ROUNDS + 1 for m in rows)
