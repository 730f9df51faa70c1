"""The letters to a unit or department (督办函, 预警函, 提醒函, 约谈通知, 挂牌督办通知, 催报通知, 更正通知): the
facts of each project, the demand and its calendar date."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from notices.composers.wording import (
    PROGRAMME,
    _pct,
    _points,
    cn_day,
    meeting_time_text,
    pronoun,
    week_range_text,
)
from tracker.choices import ProjectState
from tracker.models import Project
from tracker.portfolio import (
    portfolio_as_of,
)


def compose_unit_letter(*, unit, as_of: dt.date, reason: str = "", requirement: str = "", limit: int = 8,
                        kind: str = "supervision") -> dict:
    """A letter's context for one unit listing its unfinished projects where they stand (used by the
    benchmarks to render letters of a realistic size; the calendar drafts its letters from the
    rules' findings, dispatch.letters_for_firings)."""
    snapshot = portfolio_as_of(as_of=as_of, projects=Project.objects.filter(unit=unit))
    items: list[dict] = []
    for project in Project.objects.filter(unit=unit).order_by("planned_completion"):
        state = ProjectState(snapshot.states.get(project.pk, ProjectState.PREPARATION))
        if state in (ProjectState.COMPLETED, ProjectState.EFFECTIVE):
            continue
        if len(items) == limit:
            break
        figures = snapshot.figures.get(project.pk)
        progress = figures.progress_percent if figures else project.progress_percent
        facts = (f"计划{cn_day(project.planned_completion)}完工，目前{state.label}，形象进度{_pct(progress)}"
                 if state != ProjectState.PREPARATION else
                 f"计划{project.planned_start.year}年{project.planned_start.month}月开工，尚未开工")
        items.append({"project_id": project.pk, "project_name": project.name, "facts": facts})
    return compose_letter(kind=kind, recipient=unit.name, as_of=as_of, items=items)


def _item_lines(items: list[dict]) -> list[dict]:
    return [{"kind": "p", "text": f"{index}.{item['project_name']}：{item['facts']}。"}
            for index, item in enumerate(items, start=1)]


def compose_letter(*, kind: str, recipient: str, as_of: dt.date, items: Sequence[dict] = (),
                   data: dict | None = None, facts: str = "") -> dict:
    """A letter's context from a rule's findings for one recipient (a county or a department).

    `items`: the projects concerned, each with `project_id`, `project_name` and `facts` (a plain
    clause: "形象进度30.9%，较工期要求滞后31.4个百分点"). `data`: what the kind needs besides
    (the ranking for a 提醒函, the month for a 约谈通知, the letters a 挂牌督办 rests on).
    The body is built by `letter_blocks`, again when the letter is issued (its dates)."""
    context = {
        "letter": {"kind": kind, "recipient": recipient, "as_of": as_of.isoformat(), "data": dict(data or {}),
                   "facts": facts},
        "items": [dict(item) for item in items],
    }
    title = LETTER_TITLES.get(kind)
    if title:
        context["title"] = title.format(recipient=recipient)
    context["blocks"] = letter_blocks(context)
    return context


LETTER_TITLES = {
    "warning": "关于{recipient}生态保护工程存在进度风险的预警函",
    "reminder": "关于加快{recipient}生态保护工程建设进度的提醒函",
    "supervision": "关于{recipient}生态保护工程进度滞后的督办函",
    "summons": "关于对{recipient}生态保护工程推进工作进行约谈的通知",
    "listed_supervision": "关于对{recipient}生态保护工程推进工作实行挂牌督办的通知",
    # 催报 is what the 通知 does, not its 文种: "关于催报……的通知", like "关于对……进行约谈的通知".
    "urge_report": "关于催报{recipient}生态保护工程周调度信息的通知",
}


def letter_items_merge(context: dict, items: list[dict]) -> dict:
    """The context with more projects (one letter per recipient, kind and day), rebuilt."""
    merged = dict(context)
    known = {item.get("project_id") for item in context.get("items", [])}
    merged["items"] = [*context.get("items", []), *(i for i in items if i.get("project_id") not in known)]
    merged["blocks"] = letter_blocks(merged, acknowledge_by=_date_or_none(context.get("acknowledge_by")),
                                     answer_by=_date_or_none(context.get("answer_by")),
                                     meeting=context.get("meeting"))
    return merged


def _date_or_none(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def letter_at_issue(context: dict, *, acknowledge_by: dt.date | None, answer_by: dt.date | None,
                    contact: tuple[str, str] | None, meeting: dict | None = None) -> dict:
    """The letter's context as issued: the demand with its calendar dates (from the working days
    counted at issue), the meeting a 约谈通知 calls, and the office's contact as 附注."""
    if "letter" not in context:
        return context
    dated = dict(context)
    dated["acknowledge_by"] = acknowledge_by.isoformat() if acknowledge_by else None
    dated["answer_by"] = answer_by.isoformat() if answer_by else None
    if meeting is not None:
        dated["meeting"] = meeting
    dated["blocks"] = letter_blocks(dated, acknowledge_by=acknowledge_by, answer_by=answer_by,
                                    meeting=dated.get("meeting"))
    if contact and all(contact):
        dated["note"] = f"联系人：{contact[0]}，电话：{contact[1]}"
    return dated


def letter_blocks(context: dict, *, acknowledge_by: dt.date | None = None, answer_by: dt.date | None = None,
                  meeting: dict | None = None) -> list[dict]:
    """The body of a letter, per kind."""
    letter = context["letter"]
    kind, as_of = letter["kind"], dt.date.fromisoformat(letter["as_of"])
    you = pronoun(letter["recipient"])
    items = context.get("items") or []
    data = letter.get("data") or {}
    year = as_of.year
    answer = f"请{you}于{cn_day(answer_by)}前将整改情况书面反馈专班办。" if answer_by else ""
    if kind == "warning":
        starts = [i for i in items if "开工" in i["facts"] and "形象进度" not in i["facts"]]
        finishes = [i for i in items if i not in starts]
        # A project already past its planned completion is late, not at risk: said so, and counted.
        late = [i for i in finishes if "已超计划完工日期" in i["facts"]]
        risk = f"不能按期{'开工或完工' if starts and finishes else '开工' if starts else '完工'}的风险"
        if late and len(late) == len(items):
            finding = f"有{len(items)}个工程已超过计划完工日期仍未完工"
        elif late:
            finding = f"有{len(items)}个工程存在{risk}，其中{len(late)}个已超过计划完工日期"
        else:
            finding = f"有{len(items)}个工程存在{risk}"
        asks = []
        if starts:
            asks.append("对未开工工程加快办理前期手续，确保按计划开工")
        if finishes:
            asks.append("对进度滞后的工程倒排工期、挂图作战，确保按期完工")
        return [
            {"kind": "p", "text": f"截至{cn_day(as_of, year=year)}，{you}{PROGRAMME}中{finding}，现予预警。"},
            {"kind": "h2", "text": "一、预警事项"},
            *_item_lines(items),
            {"kind": "h2", "text": "二、有关要求"},
            # "请你市……。请于……前" — the recipient is named once in the demand.
            {"kind": "p", "text": f"请{you}高度重视，逐项分析风险成因，{'；'.join(asks)}。"
                                  + (f"请于{cn_day(answer_by)}前将整改情况书面反馈专班办。" if answer_by else "")},
        ]
    if kind == "reminder":
        if data.get("bottom"):
            score = Decimal(data["score"])
            opening = (f"截至{cn_day(as_of, year=year)}，{you}{PROGRAMME}平均进度较工期要求滞后"
                       f"{_points(-score)}，在全市{data['of']}个{data['label']}中"
                       f"{'并列' if data.get('tied') else ''}第{data['rank']}位，排名靠后")
            opening += f"。其中，{len(items)}个工程严重滞后：" if items else "。"
        else:
            opening = f"截至{cn_day(as_of, year=year)}，{you}以下{len(items)}个{PROGRAMME}严重滞后："
        return [
            {"kind": "p", "text": opening},
            *_item_lines(items),
            {"kind": "p", "text": f"请{you}认真分析原因，压实责任，倒排工期，加快推进，确保完成年度目标任务。"},
        ]
    if kind == "supervision":
        demand = f"请{you}高度重视，逐项制定整改措施，明确责任人和完成时限，倒排工期、加快推进。"
        if acknowledge_by and answer_by:
            demand += (f"请于{cn_day(acknowledge_by)}前在一泓系统签收本函，"
                       f"并于{cn_day(answer_by)}前将整改情况书面反馈专班办。")
        else:
            demand += answer
        if len(items) == 1:
            item = items[0]
            return [
                # "你县曲沃县…工程" says the county twice: a name that starts with it stands alone.
                {"kind": "p", "text": f"截至{cn_day(as_of, year=year)}，"
                                      f"{'' if item['project_name'].startswith(letter['recipient']) else you}"
                                      f"{item['project_name']}{item['facts']}，进度滞后，现予督办。"},
                {"kind": "p", "text": demand},
            ]
        return [
            {"kind": "p", "text": f"截至{cn_day(as_of, year=year)}，{you}以下{len(items)}个{PROGRAMME}进度滞后，现予督办。"},
            {"kind": "h2", "text": "一、督办事项"},
            *_item_lines(items),
            {"kind": "h2", "text": "二、整改要求"},
            {"kind": "p", "text": demand},
        ]
    if kind == "summons":
        month = dt.date.fromisoformat(data["month"]) if data.get("month") else as_of
        meeting = meeting or {}
        return [
            {"kind": "p", "text": f"{you}{letter['facts'].removeprefix(letter['recipient'])}。经研究，决定对{you}"
                                  f"{PROGRAMME}推进工作进行约谈。现将有关事项通知如下。"
                                  if letter.get("facts") else
                                  f"{you}{PROGRAMME}{month.year}年{month.month}月整月无明显进展。经研究，决定对{you}"
                                  "进行约谈。现将有关事项通知如下。"},
            {"kind": "p", "text": f"一、约谈时间：{meeting_time_text(meeting.get('at')) or '待定'}。"},
            {"kind": "p", "text": f"二、约谈地点：{meeting.get('place') or '待定'}。"},
            {"kind": "p", "text": f"三、召集人：{meeting.get('convener') or '待定'}。"},
            {"kind": "p", "text": f"四、参加人员：{meeting.get('attendees') or '待定'}。"},
            {"kind": "p", "text": f"五、有关要求：请参加人员携带{meeting.get('materials') or '有关材料'}，"
                                  "提前15分钟到达；因故不能参加的，须提前向专班办说明。"},
        ]
    if kind == "listed_supervision":
        reasons = []
        overdue = data.get("overdue_letters") or []
        if overdue:
            reasons.append(f"{you}有{len(overdue)}件督办函逾期未反馈整改情况：" + "；".join(
                f"《{row['title']}》（{row['number']}，反馈期限{cn_day(dt.date.fromisoformat(row['deadline']))}）"
                for row in overdue))
        summonses = data.get("summonses") or []
        if summonses:
            reasons.append(f"{you}因工程整月无明显进展被约谈{len(summonses)}次" + (
                "（" + "、".join(row["number"] for row in summonses if row.get("number")) + "）"
                if any(row.get("number") for row in summonses) else ""))
        if not reasons and letter.get("facts"):
            reasons.append(letter["facts"].removeprefix(letter["recipient"]).removesuffix("，列入挂牌督办"))
        until = dt.date.fromisoformat(data["until"]) if data.get("until") else None
        quarter = data.get("quarter_label", "本季度")
        return [
            {"kind": "p", "text": f"{quarter}，" + "；".join(reasons) + f"。经研究，决定对{you}{PROGRAMME}推进工作"
                                  "实行挂牌督办。现将有关事项通知如下。"},
            {"kind": "p", "text": "一、挂牌期限。自本通知印发之日起" + (f"至{cn_day(until)}。" if until else "3个月。")},
            # The date for the 整改方案 belongs to the 整改要求, not to a fourth heading of its own.
            {"kind": "p", "text": f"二、整改要求。请{you}制定整改方案，逐项明确责任人和完成时限，"
                                  + (f"于{cn_day(answer_by)}前将整改方案书面反馈专班办；" if answer_by else "")
                                  + "挂牌期间，每周五前将整改进展书面报送专班办。"},
            {"kind": "p", "text": f"三、摘牌条件。逾期未反馈的督办函全部书面反馈、所列工程整改到位，且挂牌期间"
                                  f"工程形象进度连续4周达到工期要求的，由{you}提出摘牌申请，经专班办核实后摘牌。"},
        ]
    if kind == "urge_report":
        week = dt.date.fromisoformat(data["week_start"]) if data.get("week_start") else as_of
        names = "、".join(item["project_name"] for item in items)
        when = f"于{cn_day(acknowledge_by)}前" if acknowledge_by else "在收到本通知后1个工作日内"
        missing = (f"以下{len(items)}个工程未报送{week_range_text(week)}的周调度信息：{names}。" if len(items) > 1
                   else f"{names}未报送{week_range_text(week)}的周调度信息。")
        return [
            {"kind": "p", "text": f"截至{cn_day(as_of, year=year)}，{you}{missing}"},
            {"kind": "p", "text": f"请{you}{when}在一泓系统补报，今后每周按时报送。"},
        ]
    raise ValueError(f"no letter wording for kind {kind}")


def compose_correction(*, original_title: str, original_number: str, original_issued_on: dt.date,
                       corrections: list[dict], text: str = "") -> dict:
    """更正通知: which document, and for each error where it is, what was printed and what is right."""
    how_many = "有" + str(len(corrections)) + "处" if corrections else ""
    blocks = [{"kind": "p", "text": f"我办{cn_day(original_issued_on)}印发的《{original_title}》（{original_number}）"
                                    f"中{how_many}内容有误，现更正如下："}]
    for index, row in enumerate(corrections, start=1):
        prefix = f"{index}." if len(corrections) > 1 else ""
        blocks.append({"kind": "p", "text": f"{prefix}{row['where']}，原为“{row['wrong']}”，应为“{row['right']}”。"})
    blocks += [{"kind": "p", "text": line.strip()} for line in (text or "").splitlines() if line.strip()]
    blocks.append({"kind": "p", "text": "其余内容不变。特此更正。"})
    return {"blocks": blocks, "corrections": [dict(row) for row in corrections]}
