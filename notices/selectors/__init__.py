"""Reads of notices with the reader's scope: the letters and the recipients' inbox (`letters`),
the drafting desk (`drafting`). The public names of `letters` are re-exported here."""
from notices.selectors.letters import (
    InboxEntry,
    acknowledgement_timeliness,
    answers_visible,
    attachment_get,
    inbox_for,
    notice_get,
    notice_list,
    notice_scope,
    review_queue,
    signoff_queue,
)

__all__ = [
    "InboxEntry",
    "acknowledgement_timeliness",
    "answers_visible",
    "attachment_get",
    "inbox_for",
    "notice_get",
    "notice_list",
    "notice_scope",
    "review_queue",
    "signoff_queue",
]
