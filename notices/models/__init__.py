"""The documents' models, one module per area; Django finds them through this package."""
from notices.models.documents import (
    EDITABLE_STATES,
    LIFE_CYCLE_FIELDS,
    READ_ONLY_KINDS,
    Notice,
    NoticeFormat,
    NoticeKind,
    NoticeState,
    NumberCounter,
)
from notices.models.drafts import NoticeFile, NoticeVersion
from notices.models.recipients import (
    AnswerAttachment,
    AnswerStatus,
    Delivery,
    DeliveryStatus,
    NoticeAnswer,
)

__all__ = [
    "EDITABLE_STATES",
    "LIFE_CYCLE_FIELDS",
    "READ_ONLY_KINDS",
    "AnswerAttachment",
    "AnswerStatus",
    "Delivery",
    "DeliveryStatus",
    "Notice",
    "NoticeAnswer",
    "NoticeFile",
    "NoticeFormat",
    "NoticeKind",
    "NoticeState",
    "NoticeVersion",
    "NumberCounter",
]
