"""`manage.py verify_notices`: every issued notice's PDF against its stored SHA-256.

Exits non-zero when any PDF is missing or differs from what was issued."""

from django.core.management.base import BaseCommand, CommandError

from notices.integrity import notice_pdfs_verify


class Command(BaseCommand):
    help = "校验每份已签发公文的PDF与签发时记录的SHA-256是否一致，报告缺失或被篡改的文件"

    def handle(self, *args, **options):
        report = notice_pdfs_verify()
        for problem in report.problems:
            self.stderr.write(str(problem))
        if not report.ok:
            raise CommandError(f"共校验{report.checked}份已签发公文，发现{len(report.problems)}份PDF异常")
        self.stdout.write(self.style.SUCCESS(f"共校验{report.checked}份已签发公文，PDF均与签发时一致"))
