"""Letters an office would send as they are: plain facts, a calendar date to act by,
a real contact, one letter per county and kind a day, a summons with its meeting, a 挂牌督办 with
the letters it rests on, a correction with the wrong and the right value."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.actors import SYSTEM
from dispatch import services as dispatch_services
from dispatch.models import Rule, RuleFiring
from notices import composers, services
from notices.models import Notice, NoticeKind, NoticeState
from offices.keys import LetterContactKey
from offices.models import OfficeSetting
from offices.selectors import office_setting
from tests.dispatch.helpers import frozen
from tracker.models import AdministrativeUnit, AuditEvent

D = dt.date
pytestmark = pytest.mark.django_db


def text_of(notice: Notice) -> str:
    blocks = notice.context.get("blocks") or []
    parts = [notice.title]
    for block in blocks:
        parts.append(block.get("text", ""))
        parts += [str(cell) for row in block.get("rows", []) for cell in row]
    parts.append(notice.context.get("note", ""))
    return "\n".join(parts)


def _supervisions_on(day: dt.date) -> list[Notice]:
    with frozen(day):
        fired = dispatch_services.daily_scan_run(on_date=day, acting_user=SYSTEM)
    ids = {f.notice_id for f in fired if f.rule == Rule.R3_SUPERVISION}
    return list(Notice.objects.filter(pk__in=ids))


def test_one_supervision_letter_per_county_a_day_naming_all_its_projects(demo_ledger):
    # given / when the daily scan of 2025-09-26 finds lagging projects in several counties
    letters = _supervisions_on(D(2025, 9, 26))
    firings = RuleFiring.objects.filter(rule=Rule.R3_SUPERVISION, fired_on=D(2025, 9, 26))
    # then each firing keeps its own natural key (one per project), but each county gets one letter
    # naming every one of its projects the rule holds for
    assert firings.count() > len(letters) > 0
    assert firings.values("subject").distinct().count() == firings.count()
    per_unit = {}
    for letter in letters:
        unit = letter.recipient_units.get()
        assert unit.pk not in per_unit
        per_unit[unit.pk] = letter
    for firing in firings:
        letter = per_unit[firing.unit_id]
        assert firing.notice_id == letter.pk
        assert firing.project.name in text_of(letter)


def test_supervision_letter_states_facts_in_plain_words(demo_ledger):
    letters = _supervisions_on(D(2025, 9, 26))
    for letter in letters:
        text = text_of(letter)
        # then names not codes, no lights, no rule text in brackets, no negative deviations
        assert not re.search(r"LF-\d{4}-\d{3}", text)
        assert "灯" not in text and "制度（" not in text and "督办制度" not in text
        assert not re.search(r"-\d", text)
        assert "截至9月26日" in text and "现予督办" in text
        assert "函告如下" not in text


def test_the_demand_carries_calendar_dates_counted_from_the_signature(demo_ledger, leader,
                                                                       django_capture_on_commit_callbacks):
    # given a 督办函 drafted on Friday 2025-09-26 and signed on Tuesday 2025-09-30
    letter = _supervisions_on(D(2025, 9, 26))[0]
    with frozen(D(2025, 9, 30), 10), django_capture_on_commit_callbacks(execute=True):
        issued = services.notice_sign_and_issue(notice_id=letter.pk, acting_user=leader,
                                                issued_on=D(2025, 9, 30))
    # then the letter asks for the answer by the date 10 working days after the signature (past
    # National Day), the very deadline the notice keeps, and names the office's contact
    assert issued.answer_deadline == D(2025, 10, 21)
    text = text_of(issued)
    assert "请于2025年10月9日前在一泓系统签收本函，并于2025年10月21日前将整改情况书面反馈专班办" in text.replace("\n", "")
    name, phone = office_setting(LetterContactKey.NAME), office_setting(LetterContactKey.PHONE)
    assert issued.context["note"] == f"联系人：{name}，电话：{phone}"
    assert "0357-2000000" not in text


def test_a_letter_owing_an_answer_cannot_be_signed_while_the_contact_is_unset(demo_ledger, leader):
    # given the office's contact was never set
    OfficeSetting.objects.filter(key__in=LetterContactKey.values).delete()
    letter = _supervisions_on(D(2025, 9, 26))[0]
    # when the leader signs the 督办函
    with pytest.raises(ValidationError) as refused:
        services.notice_sign_and_issue(notice_id=letter.pk, acting_user=leader, issued_on=D(2025, 9, 26))
    # then it is refused, saying what to do, and stays unsigned
    assert "联系人" in str(refused.value) and "专班办领导" in str(refused.value)
    assert Notice.objects.get(pk=letter.pk).state == NoticeState.PENDING_SIGNOFF


def test_only_the_office_leader_sets_the_contact_and_it_is_audited(demo_ledger, leader, clerk):
    with pytest.raises(PermissionDenied):
        services.office_contact_set(acting_user=clerk, name="王五", phone="0357-1234567")
    services.office_contact_set(acting_user=leader, name="王五", phone="0357-1234567")
    assert services.office_contact() == ("王五", "0357-1234567")
    event = AuditEvent.objects.filter(object_type="office_contact").latest("pk")
    assert event.actor_id == leader.pk and "王五" in event.to_state


def test_letters_without_an_answer_loop_ask_for_none(demo_ledger):
    # given / when the monthly job issues 提醒函 and the weekly job a 催报
    with frozen(D(2025, 9, 1), 8, 30):
        dispatch_services.monthly_dispatch_run(on_date=D(2025, 9, 1), acting_user=SYSTEM)
    reminders = Notice.objects.filter(kind=NoticeKind.REMINDER)
    assert reminders
    for notice in reminders:
        text = text_of(notice)
        # then no 反馈 is asked, no "函告如下" without a list, no 后25%, no negative number
        assert "反馈" not in text and "后25%" not in text and not re.search(r"-\d", text)
        assert "灯" not in text


def test_summons_cannot_be_signed_without_its_meeting_and_states_it_once_arranged(demo_ledger, leader, clerk):
    # given a 约谈通知 drafted for 尧都区
    unit = AdministrativeUnit.objects.get(name="尧都区")
    notice = services.notice_draft_create(
        kind=NoticeKind.SUMMONS, recipient_units=[unit], acting_user=clerk, source_key="test:summons",
        context=composers.compose_letter(
            kind=NoticeKind.SUMMONS, recipient=unit.name, as_of=D(2025, 9, 1),
            facts="尧都区在建和未开工的5个工程2025年8月整月无明显进展，各工程形象进度均未提高，没有工程开工或完工",
            data={"month": "2025-08-01"}))
    # when the leader signs it before the office arranged the meeting: refused
    with pytest.raises(ValidationError) as refused:
        services.notice_sign_and_issue(notice_id=notice.pk, acting_user=leader, issued_on=D(2025, 9, 2))
    assert "约谈时间" in str(refused.value) and "召集人" in str(refused.value)
    # when the office fills it in, then the leader signs
    services.notice_summons_arrange(
        notice_id=notice.pk, acting_user=clerk,
        meeting_at=timezone.make_aware(dt.datetime(2025, 9, 5, 9, 30)), place="市政府第三会议室",
        convener="专班办主任", attendees="尧都区人民政府分管负责同志", materials="书面汇报材料")
    issued = services.notice_sign_and_issue(notice_id=notice.pk, acting_user=leader, issued_on=D(2025, 9, 2))
    text = text_of(issued)
    # then the summons says when, where, who convenes, who attends and what to bring; no 反馈
    assert "2025年9月5日（星期五）上午9时30分" in text and "市政府第三会议室" in text
    assert "召集人：专班办主任" in text and "尧都区人民政府分管负责同志" in text and "书面汇报材料" in text
    assert "反馈" not in text and "按专班办通知时间" not in text


def test_listed_supervision_names_the_overdue_letters_by_number_and_the_condition_to_lift_it(
        demo_ledger, leader, django_capture_on_commit_callbacks):
    # given 督办函 to a county issued in July and never answered
    letters = _supervisions_on(D(2025, 7, 1))
    letter = max(letters, key=lambda n: len(n.context["items"]))
    unit = letter.recipient_units.get()
    with frozen(D(2025, 7, 1), 10), django_capture_on_commit_callbacks(execute=True):
        issued = services.notice_sign_and_issue(notice_id=letter.pk, acting_user=leader,
                                                issued_on=D(2025, 7, 1))
    second = _supervisions_on(D(2025, 8, 1))
    for other in [n for n in second if n.recipient_units.get() == unit]:
        with frozen(D(2025, 8, 1), 10), django_capture_on_commit_callbacks(execute=True):
            services.notice_sign_and_issue(notice_id=other.pk, acting_user=leader, issued_on=D(2025, 8, 1))
    # when the quarter's last working day comes
    with frozen(D(2025, 9, 30)):
        fired = dispatch_services.daily_scan_run(on_date=D(2025, 9, 30), acting_user=SYSTEM)
    listed = [f for f in fired if f.rule == Rule.R6_LISTED and f.unit_id == unit.pk]
    assert listed
    notice = Notice.objects.get(pk=listed[0].notice_id)
    text = text_of(notice)
    # then the title reads 关于对××实行挂牌督办的通知, the overdue letters are cited by 文号, and the
    # 挂牌 period and the condition for 摘牌 are stated (never 销号)
    assert notice.title == f"关于对{unit.name}生态保护工程推进工作实行挂牌督办的通知"
    assert issued.number in text and "2025年12月31日" in text
    assert "摘牌条件" in text and "销号" not in text


def test_correction_states_the_wrong_and_the_right_value(demo_ledger, supervision_letter, clerk):
    correction = services.notice_correct(
        notice_id=supervision_letter.pk, acting_user=clerk,
        corrections=[{"where": "汾河侯马段综合治理工程的形象进度", "wrong": "45%", "right": "54%"}])
    text = text_of(correction)
    assert "汾河侯马段综合治理工程的形象进度，原为“45%”，应为“54%”" in text
    assert supervision_letter.number in text and "所附数据" not in text


def _blocks_text(context: dict) -> str:
    return "\n".join(block.get("text", "") for block in context["blocks"])


def test_warning_names_the_recipient_once_in_its_demand_and_calls_late_projects_late():
    # given a 预警函 to 霍州市 on two projects, one already past its planned completion
    items = [{"project_id": 1, "project_name": "霍州市中小河流治理工程",
              "facts": "形象进度87%，较工期要求滞后13个百分点；已超计划完工日期15天"},
             {"project_id": 2, "project_name": "霍州市灌区节水配套改造工程",
              "facts": "形象进度57.4%，较工期要求滞后40.75个百分点，距计划完工日期（10月15日）还有15天"}]
    context = composers.compose_letter(kind=NoticeKind.WARNING, recipient="霍州市", as_of=D(2025, 9, 30),
                                       items=items)
    # when it is dated at issue
    dated = composers.letter_at_issue(context, acknowledge_by=D(2025, 10, 9), answer_by=D(2025, 10, 21),
                                      contact=("刘志强", "0357-2010002"))
    text = _blocks_text(dated)
    # then the late project is said to be late, not at risk, and "请你市" is not said twice
    assert "有2个工程存在不能按期完工的风险，其中1个已超过计划完工日期" in text
    demand = dated["blocks"][-1]["text"]
    assert demand.count("你市") == 1 and demand.endswith("请于2025年10月21日前将整改情况书面反馈专班办。")


def test_listed_supervision_states_the_date_for_its_plan_within_the_requirements():
    # given a 挂牌督办通知 resting on one overdue 督办函
    context = composers.compose_letter(
        kind=NoticeKind.LISTED_SUPERVISION, recipient="霍州市", as_of=D(2025, 9, 30),
        data={"overdue_letters": [{"title": "关于霍州市生态保护工程进度滞后的督办函", "number": "临一泓专办函〔2025〕6号",
                                   "deadline": "2025-07-15"}],
              "until": "2025-12-31", "quarter_label": "2025年第三季度"})
    # when it is dated at issue
    text = _blocks_text(composers.letter_at_issue(context, acknowledge_by=D(2025, 10, 9),
                                                  answer_by=D(2025, 10, 28), contact=("刘志强", "0357-2010002")))
    # then the 整改方案's date is part of 二、整改要求, with no fourth item standing alone
    assert "二、整改要求。请你市制定整改方案，逐项明确责任人和完成时限，于2025年10月28日前将整改方案书面反馈专班办；" in text
    assert "四、" not in text and "三、摘牌条件" in text


def test_urge_report_is_titled_as_a_notice_about_urging():
    context = composers.compose_letter(kind=NoticeKind.URGE_REPORT, recipient="侯马市", as_of=D(2025, 9, 29),
                                       items=[{"project_id": 1, "project_name": "汾河侯马段综合治理工程"}],
                                       data={"week_start": "2025-09-22"})
    assert context["title"] == "关于催报侯马市生态保护工程周调度信息的通知"


def test_summons_on_one_project_speaks_of_that_project():
    from dispatch import rules

    # given the month's finding for a unit with one project, and for one with five
    month = D(2025, 8, 1)
    one, five = rules.r5_summons(
        activity=[rules.UnitMonthActivity(1, "尧都区", 1, rules.Decimal("0.3"), 0),
                  rules.UnitMonthActivity(2, "尧都区", 5, rules.Decimal("0"), 0)],
        month=month, thresholds={rules.ThresholdKey.R5_MIN_ADVANCE: rules.Decimal("1")})
    # when each 约谈通知 is composed from it
    opening, several = (composers.compose_letter(
        kind=NoticeKind.SUMMONS, recipient="尧都区", as_of=D(2025, 9, 30), data={"month": "2025-08-01"},
        facts=finding.facts)["blocks"][0]["text"] for finding in (one, five))
    # then one project is "该工程", several are counted, and neither reads like a rule
    assert opening.startswith("你区尚未完工的1个工程2025年8月整月无明显进展，该工程形象进度仅提高0.3个百分点。")
    assert "增幅最大" not in opening and "没有工程开工或完工" not in opening
    assert several.startswith("你区在建和未开工的5个工程2025年8月整月无明显进展，各工程形象进度均未提高")
