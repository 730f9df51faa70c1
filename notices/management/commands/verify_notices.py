"""`manage.py verify_notices`: every issued notice's PDF against its stored SHA-256 and its
electronic signature (notices.sealing, against the trusted roots).

Exits non-zero when any PDF is missing or differs from what was issued. Also lists orphan PDFs
(left by an issue that rolled back; no notice refers to them) without failing."""

from django.core.management.base import BaseCommand, CommandError

from notices.integrity import notice_pdfs_verify, orphan_pdfs


class Command(BaseCommand):
    help = "校验每份已签发公文的PDF与签发时记录的SHA-256是否一致、电子签章是否有效，报告缺失或被篡改的文件"

    def handle(self, *args, **options):
        report = notice_pdfs_verify()
        orphans = orphan_pdfs()
        if orphans:
            self.stdout.write(self.style.WARNING(
                f"另有{len(orphans)}个PDF文件不属于任何公文（签发中途回滚留下的，可删除）："))
            for name in orphans:
                self.stdout.write(f"  {name}")
        for problem in report.problems:
            self.stderr.write(str(problem))
        if not report.ok:
            raise CommandError(f"共校验{report.checked}份已签发公文，发现{len(report.problems)}份PDF异常")
        self.stdout.write(self.style.SUCCESS(f"共校验{report.checked}份已签发公文，PDF均与签发时一致，电子签章均有效"))
