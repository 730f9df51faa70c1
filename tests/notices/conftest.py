import pytest

from demo.notices import email_endpoints_from_demo_users
from notices import services
from notices.models import NoticeKind
from tracker.models import AdministrativeUnit


@pytest.fixture
def contacts(demo_ledger):
    email_endpoints_from_demo_users()


@pytest.fixture
def houma(demo_ledger):
    return AdministrativeUnit.objects.get(code="houma")


@pytest.fixture
def supervision_letter(contacts, houma, clerk, leader, django_capture_on_commit_callbacks):
    """An issued 督办函 to 侯马市 (answer required)."""
    notice = services.notice_draft_create(
        kind=NoticeKind.SUPERVISION,
        title="关于侯马市汾河治理工程进度滞后的督办函",
        recipient_units=[houma],
        context={
            "reason": "“形象进度低于月进展计划20个百分点”督办规则",
            "items": [{"project_id": 1, "project_code": "LF-001", "project_name": "汾河侯马段综合治理工程",
                       "facts": "计划完工2025年10月31日，形象进度45%，低于计划30个百分点。",
                       "requirement": "请于反馈期限前报送整改情况。"}],
            "requirements": "请你单位高度重视，对照督办事项逐项制定整改措施，明确责任人和完成时限，"
                            "倒排工期、挂图作战，确保按期完成年度目标任务，并于反馈期限前将整改情况书面报送专班办。",
        },
        source_key="test:supervision:houma",
        acting_user=clerk,
    )
    services.notice_advance_after_draft(notice_id=notice.pk, acting_user=clerk)
    # Deliveries are sent on commit; the test transaction never commits, so run them here.
    with django_capture_on_commit_callbacks(execute=True):
        issued = services.notice_sign_and_issue(notice_id=notice.pk, acting_user=leader)
    return issued
