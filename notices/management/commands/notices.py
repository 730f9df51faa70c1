"""List notices: `manage.py notices [--kind KIND] [--unit UNIT] [--json]`."""
import json as json_module
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notices.models import Notice, NoticeKind


def _by_kind(value: str) -> str:
    for code, label in NoticeKind.choices:
        if value in (code, label):
            return code
    raise CommandError(f"未知的公文种类：{value}（可选：{'、'.join(f'{c}/{label}' for c, label in NoticeKind.choices)}）")


class Command(BaseCommand):
    help = "列出公文；--json 输出每份公文一个 JSON 对象"

    def add_arguments(self, parser):
        parser.add_argument("--kind", help="公文种类（代码或中文名）")
        parser.add_argument("--unit", help="主送县(市、区)代码或名称")
        parser.add_argument("--json", action="store_true", help="JSON 输出")

    def handle(self, *args, kind=None, unit=None, json=False, **options):
        queryset = (Notice.objects.all().prefetch_related("deliveries", "answers__delivery", "versions")
                    .select_related("created_by", "reviewed_by", "signed_by")
                    .order_by("issued_at", "pk"))
        if kind:
            queryset = queryset.filter(kind=_by_kind(kind))
        if unit:
            queryset = (queryset.filter(deliveries__unit__code=unit)
                        | queryset.filter(deliveries__unit__name=unit))
            queryset = queryset.distinct()
        rows = [self._row(n) for n in queryset]
        if json:
            self.stdout.write(_dumps(rows))
            return
        for row in rows:
            self.stdout.write(f"{row['number'] or '（未编号）'}\t{row['kind']}\t{row['state']}\t{row['title']}")

    @staticmethod
    def _row(notice: Notice) -> dict:
        deadline = notice.answer_deadline or notice.acknowledge_deadline
        return {
            "id": notice.pk,
            "number": notice.number,
            "kind": notice.get_kind_display(),
            "state": notice.get_state_display(),
            "title": notice.title,
            "recipients": [d.recipient_name for d in notice.deliveries.all()] or [notice.main_recipients],
            "issued_at": timezone.localtime(notice.issued_at).isoformat() if notice.issued_at else None,
            "deadline": deadline.isoformat() if deadline else None,
            "pdf": str(Path(notice.pdf.path).resolve()) if notice.pdf else None,
            "sha256": notice.sha256 or None,
            # 整改反馈: the recipients' answers, attached to the notice they answer.
            "answers": [
                {"kind": "整改反馈", "recipient": a.delivery.recipient_name, "status": a.get_status_display(),
                 "submitted_at": timezone.localtime(a.submitted_at).isoformat()}
                for a in sorted(notice.answers.all(), key=lambda a: (a.submitted_at, a.pk))
            ],
            # 拟稿 → 核稿 → 签发 and the 电子签章.
            **_flow_fields(notice),
        }


def _person(user) -> str | None:
    return (user.get_full_name() or user.username) if user else None


def _flow_fields(notice: Notice) -> dict:
    from notices.selectors.drafting import signature_status

    signature = signature_status(notice)
    return {
        "drafted_by": _person(notice.created_by),
        "reviewed_by": _person(notice.reviewed_by),
        "signed_by": _person(notice.signed_by),
        "sign_opinion": notice.sign_opinion or None,
        "signature_valid": signature["valid"] if signature else None,
        "versions": len(notice.versions.all()),
    }


def _dumps(rows) -> str:
    return json_module.dumps(rows, ensure_ascii=False, indent=2)
