"""Every write to notices: draft, sign-off, issue (number + PDF + SHA-256), delivery, the loop.

Conventions as in tracker.services: keyword-only, `acting_user` required (core.actors.SYSTEM
for the calendar, recorded as “系统”), one transaction, an audit row (AuditAction.NOTICE) in that transaction,
side effects on commit (the issuing task of notices.tasks; the letter's messages are outreach's).

The package is split by what a person does; every public name is re-exported here.
"""
from notices.services.arrangements import (  # noqa: F401,E402
    issue_blockers,
    letter_contact_item_set,
    notice_summons_arrange,
    office_contact,
    office_contact_set,
)
from notices.services.delivery import (  # noqa: F401
    delivery_outbound_record,
    recipient_delivery_for,
)
from notices.services.drafting import (  # noqa: F401
    CITY_GOVERNMENT_NAME,
    DEFAULT_TITLES,
    notice_correct,
    notice_draft_create,
)
from notices.services.fan_out import notice_advance_later  # noqa: F401
from notices.services.issuing import (  # noqa: F401
    DOCUMENT_TEMPLATE,
    STALLED_DRAFT_MINUTES,
    document_for,
    fanned_out_drafts_stalled,
    notice_advance_after_draft,
    notice_advance_in_steps,
    notice_preview_pdf,
    notice_sign_and_issue,
)
from notices.services.records import (  # noqa: F401
    KIND_DEFAULTS,
    OFFICE_HOUR,
    NoticeRefused,
    moment_on,
    tasks_run_in_process,
)
from notices.services.replies import (  # noqa: F401
    ALLOWED_ATTACHMENT_TYPES,
    UploadedAttachment,
    attachment_type_detect,
    notice_acknowledge,
    notice_answer,
    notice_mark_read,
)
from notices.services.review import (  # noqa: F401
    notice_close,
    notice_return,
    notice_void,
)
