"""Demo 服务型党组织 assessments: last year's and this year's checklist, every demo village
approved last year, this year's assessments in every state, and rectification items for the
villages below the standard (one under way, one overdue, one reported done, one accepted).

Every step goes through the services of ``assessments`` as the system (``by=None``); the steps'
times are then moved back to the days they stand for.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from assessments import assessments as steps
from assessments import checklists, rectification
from assessments.models import Assessment, Checklist, Criterion, RectificationItem
from villages.models import Village

G = Criterion.Group
GRADED, MET = Criterion.Scoring.GRADED, Criterion.Scoring.MET

# (group, title, weight, scoring, guidance, evidence the villages give)
CRITERIA = [
    (
        G.TEAM,
        "村党组织书记政治素质好、带富能力强、群众认可",
        "6",
        GRADED,
        "查阅述职评议材料，走访党员群众。",
        "书记年度述职评议优秀，带领群众发展大蒜、芦笋种植。",
    ),
    (
        G.TEAM,
        "村“两委”班子团结协作，按规定召开联席会议",
        "5",
        GRADED,
        "查阅会议记录，每月不少于一次。",
        "全年召开“两委”联席会议12次，记录齐全。",
    ),
    (
        G.TEAM,
        "落实“四议两公开”工作法，重大事项民主决策",
        "5",
        MET,
        "重大事项均有提议、商议、审议、决议和公开记录。",
        "村内道路硬化、土地流转等事项均按“四议两公开”办理。",
    ),
    (
        G.TEAM,
        "建立村级后备干部队伍，每村不少于2名",
        "4",
        MET,
        "查阅后备干部名册和培养记录。",
        "确定后备干部3名，均为35岁以下青年党员。",
    ),
    (
        G.MEMBERS,
        "严格落实“三会一课”和主题党日制度",
        "5",
        GRADED,
        "查阅会议记录、党课讲稿和活动照片。",
        "按月开展主题党日，书记讲党课4次。",
    ),
    (
        G.MEMBERS,
        "党员设岗定责、亮明身份，发挥先锋模范作用",
        "5",
        GRADED,
        "查看党员岗位设置和履职记录。",
        "设置政策宣传、环境卫生、矛盾调解等岗位，党员全部认岗。",
    ),
    (
        G.MEMBERS,
        "按计划发展党员，注重从青年农民中发展",
        "5",
        GRADED,
        "查阅发展党员档案。",
        "发展党员1名、确定入党积极分子2名。",
    ),
    (
        G.VENUE,
        "党群服务中心面积达标、功能完善、标识规范",
        "5",
        MET,
        "实地查看，办公服务用房不少于200平方米。",
        "党群服务中心260平方米，标识统一规范。",
    ),
    (
        G.VENUE,
        "便民服务窗口常态化运行，代办事项公开",
        "5",
        GRADED,
        "查看窗口运行和代办台账。",
        "便民服务窗口工作日开放，全年代办事项136件。",
    ),
    (
        G.VENUE,
        "远程教育、农家书屋等设施正常使用",
        "5",
        GRADED,
        "实地查看设施和使用记录。",
        "远程教育站点每月组织学习，农家书屋藏书2000册。",
    ),
    (
        G.MECHANISM,
        "实行坐班值班和为民服务全程代办制度",
        "5",
        GRADED,
        "查阅值班表和代办记录。",
        "村干部轮流坐班，值班表上墙公开。",
    ),
    (
        G.MECHANISM,
        "党员联系户、干部包片制度落实到位",
        "5",
        GRADED,
        "抽查联系户走访记录。",
        "党员联系户全覆盖，每户每季度至少走访一次。",
    ),
    (
        G.MECHANISM,
        "村务、财务、党务按时公开",
        "5",
        MET,
        "查看公开栏和公开记录，每季度至少公开一次。",
        "“三务”每季度公开，群众可扫码查看明细。",
    ),
    (
        G.RESULTS,
        "村集体经济收入稳定增长，年收入5万元以上",
        "8",
        GRADED,
        "查阅村集体经济收入台账。",
        "村集体经济收入8.6万元，较上年增长15%。",
    ),
    (
        G.RESULTS,
        "群众诉求按期办结率达到90%以上",
        "6",
        GRADED,
        "核对诉求台账和办结情况。",
        "全年受理群众诉求42件，按期办结40件。",
    ),
    (
        G.RESULTS,
        "村容村貌整洁，移风易俗成效明显",
        "6",
        GRADED,
        "实地查看，查阅红白理事会章程。",
        "成立红白理事会，开展“美丽庭院”评选。",
    ),
    (
        G.SATISFACTION,
        "群众对村党组织满意度达到85%以上",
        "10",
        GRADED,
        "以县委组织部满意度测评结果为准。",
        "年度满意度测评为91%。",
    ),
    (
        G.SATISFACTION,
        "无越级上访和重大安全事故",
        "5",
        MET,
        "查询信访和安全生产记录。",
        "全年无越级上访，无重大安全事故。",
    ),
]

# Last year's share of the full points, per village in code order: two villages were below
# the standard and rectified.
LAST_YEAR = [0.93, 0.86, 0.72, 0.88, 0.81, 0.95, 0.84, 0.66, 0.9, 0.83, 0.87]
# This year, per village in code order: how far each got, and its share of the full points.
THIS_YEAR = [
    ("draft", 0.0),
    ("draft", 0.85),
    ("submitted", 0.82),
    ("submitted", 0.9),
    ("reviewed", 0.76),
    ("reviewed", 0.88),
    ("approved", 0.96),
    ("approved", 0.85),
    ("approved", 0.64),
    ("approved", 0.72),
    ("draft", 0.8),
]
HALF = Decimal("0.5")


def load_assessments(today: datetime.date) -> None:
    """The two checklists and the demo villages' assessments of last year and this."""
    last = _checklist(today.year - 1)
    checklists.copy_checklist(from_year=last.year, to_year=today.year, by=None)
    villages = list(Village.objects.filter(work_groups__isnull=False).distinct().order_by("code"))
    for index, village in enumerate(villages):
        share = LAST_YEAR[index % len(LAST_YEAR)]
        assessment = _assess(village, today.year - 1, "approved", share)
        if not assessment.up_to_standard:
            _rectified_last_year(assessment, today)
        _backdate_year(assessment, datetime.date(today.year - 1, 12, 10))
    for index, village in enumerate(villages):
        state, share = THIS_YEAR[index % len(THIS_YEAR)]
        assessment = _assess(village, today.year, state, share)
        if state == "approved" and not assessment.up_to_standard:
            _rectifying(assessment, today, with_accepted=index % 2 == 1)


def _checklist(year: int) -> Checklist:
    checklist = Checklist(year=year, name=f"{year}年村级服务型党组织创建标准")
    criteria = [
        Criterion(
            group=group,
            title=title,
            weight=Decimal(weight),
            scoring=scoring,
            guidance=guidance,
            position=position,
        )
        for position, (group, title, weight, scoring, guidance, _) in enumerate(CRITERIA, 1)
    ]
    return checklists.save_checklist(checklist=checklist, criteria=criteria, by=None)


def _points(criterion: Criterion, share: float, position: int) -> Decimal:
    """Points near ``share`` of the weight: a met criterion falls short when the share is low
    and its turn comes, a graded one rounds to the half point."""
    if criterion.scoring == MET:
        return criterion.weight if share >= 0.75 or position % 3 else Decimal(0)
    spread = Decimal(str(share)) + Decimal((position % 5) - 2) / 50
    raw = criterion.weight * min(Decimal(1), max(Decimal(0), spread))
    return (raw / HALF).quantize(Decimal(1), rounding=ROUND_HALF_UP) * HALF


def _assess(village: Village, year: int, state: str, share: float) -> Assessment:
    assessment = steps.start_assessment(village=village, year=year, by=None)
    # Filled by the village's (first) work group, as its liaison would have.
    group = village.work_groups.order_by("pk").first()
    Assessment.objects.filter(pk=assessment.pk).update(work_group=group)
    if share == 0:
        return assessment
    criteria = list(assessment.checklist.criteria.all())
    evidence = {title: text for _, title, _, _, _, text in CRITERIA}
    own = {c.pk: (_points(c, share, n), evidence.get(c.title, "")) for n, c in enumerate(criteria)}
    if state == "draft":
        # Under way: the first groups filled in, the rest still to do.
        own = {key: value for n, (key, value) in enumerate(own.items()) if n < 9}
    steps.save_self_assessment(assessment=assessment, scores=own, by=None)
    if state == "draft":
        return assessment
    steps.submit(assessment=assessment, by=None)
    if state == "submitted":
        return assessment
    # The township takes half a point off where the evidence says less than the points.
    reviewed = {
        key: (max(Decimal(0), points - HALF) if n % 4 == 1 and points % 1 == 0 else points, "")
        for n, (key, (points, _)) in enumerate(own.items())
    }
    for key, criterion in zip(reviewed, criteria, strict=True):
        if criterion.scoring == MET:
            reviewed[key] = (own[key][0], "")
        elif reviewed[key][0] != own[key][0]:
            reviewed[key] = (reviewed[key][0], "佐证材料不够完整，酌情扣分。")
    steps.review(
        assessment=assessment, scores=reviewed, comment="经实地查看和查阅台账，基本属实。", by=None
    )
    if state == "reviewed":
        return assessment
    return steps.approve(assessment=assessment, comment="同意乡镇审核意见。", by=None)


def _backdate_year(assessment: Assessment, approved_on: datetime.date) -> None:
    def moment(days_before: int) -> datetime.datetime:
        day = approved_on - datetime.timedelta(days=days_before)
        return datetime.datetime.combine(
            day, datetime.time(10), tzinfo=timezone.get_current_timezone()
        )

    Assessment.objects.filter(pk=assessment.pk).update(
        submitted_at=moment(20), reviewed_at=moment(10), approved_at=moment(0)
    )


def _item(
    assessment: Assessment, title_part: str, task: str, deadline: datetime.date
) -> RectificationItem:
    criterion = assessment.checklist.criteria.filter(title__contains=title_part).first()
    return rectification.add_item(
        assessment=assessment,
        criterion=criterion,
        task=task,
        responsible="村党组织书记",
        deadline=max(deadline, timezone.localdate()),
        by=None,
    )


def _rectified_last_year(assessment: Assessment, today: datetime.date) -> None:
    """Last year's items, all put right and accepted."""
    item = _item(assessment, "集体经济", "制定村集体经济发展计划，盘活闲置资产", today)
    rectification.add_note(item=item, text="已将闲置厂房对外租赁，年增收3万元。", by=None)
    rectification.mark_done(item=item, by=None)
    rectification.accept(item=item, by=None)
    RectificationItem.objects.filter(pk=item.pk).update(
        deadline=datetime.date(today.year - 1, 12, 31),
        accepted_at=datetime.datetime(
            today.year, 1, 20, 10, tzinfo=timezone.get_current_timezone()
        ),
    )


def _rectifying(assessment: Assessment, today: datetime.date, *, with_accepted: bool) -> None:
    """This year's items of a village below the standard: under way, overdue, reported done,
    and (for one village) accepted."""
    _item(
        assessment,
        "满意度",
        "开展入户走访，逐户回应群众意见建议",
        today + datetime.timedelta(days=45),
    )
    overdue = _item(assessment, "三会一课", "补齐“三会一课”记录，规范主题党日活动", today)
    rectification.add_note(item=overdue, text="已补齐上半年会议记录，下半年仍在整理。", by=None)
    RectificationItem.objects.filter(pk=overdue.pk).update(
        deadline=today - datetime.timedelta(days=12)
    )
    done = _item(
        assessment,
        "党群服务中心",
        "更新党群服务中心标识，完善便民服务设施",
        today + datetime.timedelta(days=20),
    )
    rectification.mark_done(item=done, text="标识牌已更换，新增便民座椅和饮水机。", by=None)
    if with_accepted:
        accepted = _item(
            assessment, "三务", "按季度公开村务、财务、党务", today + datetime.timedelta(days=10)
        )
        rectification.add_note(item=accepted, text="三季度“三务”已公开，群众可扫码查看。", by=None)
        rectification.mark_done(item=accepted, by=None)
        rectification.accept(item=accepted, by=None)
