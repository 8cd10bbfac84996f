"""What the demo's units do for their villages: the pools of the launch report's departments,
each unit's projects (and how far each project's money got), and its work groups' activities."""

from dataclasses import dataclass
from decimal import Decimal

from projects.models import Activity, Allocation, FundPool, Project

Kind = Project.Kind
Source = FundPool.Source
Fate = Project.Status
Step = Allocation.Status

POOLS = {
    Source.ORGANISATION: ("双联双创党建专项资金（组织部）", Decimal("3000000.00")),
    Source.FINANCE: ("双联双创整合涉农资金（财政）", Decimal("12000000.00")),
    Source.AGRICULTURE: ("农业生产发展资金（农业农村局）", Decimal("8000000.00")),
    Source.WATER: ("农村小型水利工程资金（水务局）", Decimal("5000000.00")),
    Source.POVERTY_RELIEF: ("衔接推进乡村振兴补助资金（扶贫办）", Decimal("6500000.00")),
}
# Last year's pools were somewhat smaller.
LAST_YEAR_SHARE = Decimal("0.85")


@dataclass(frozen=True)
class Money:
    """Pooled funds asked of one pool, how far the application got and what was paid."""

    source: str
    amount: str
    until: str  # the last step taken: applied, reviewed, returned, approved or disbursed
    payments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    unit: str
    village: int  # which of the unit's villages, in the launch report's order
    kind: str
    title: str
    fate: str
    pooled: str = "0"
    own: str = "0"
    donation: str = "0"
    village_funds: str = "0"
    money: tuple[Money, ...] = ()
    last_year: bool = False
    description: str = ""
    notes: tuple[str, ...] = ()
    whole_village: bool = False
    photo: bool = False
    acceptance: str = "工程质量合格，资金使用规范，群众满意，同意验收"


PLANS = (
    Plan(
        "市委组织部",
        0,
        Kind.TRAINING,
        "王寨村大蒜种植技术培训班",
        Fate.ACCEPTED,
        pooled="30000",
        own="5000",
        money=(Money(Source.ORGANISATION, "30000", Step.DISBURSED, ("30000",)),),
        description="邀请县农业农村局专家讲授大蒜良种选育、病虫害防治和储藏技术",
        notes=("培训班开班，首期参训农户42人", "组织学员到成武县大蒜种植基地观摩"),
        photo=True,
    ),
    Plan(
        "市委组织部",
        1,
        Kind.INFRASTRUCTURE,
        "蔡寨村村东生产路硬化",
        Fate.UNDERWAY,
        pooled="380000",
        village_funds="40000",
        money=(
            Money(Source.FINANCE, "300000", Step.DISBURSED, ("150000",)),
            Money(Source.WATER, "80000", Step.APPLIED),
        ),
        description="硬化村东生产路1.8公里，宽4米，配套路边排水沟",
        notes=("路基平整完成", "已完成混凝土浇筑0.9公里"),
        whole_village=True,
        photo=True,
    ),
    Plan(
        "市文广新局",
        0,
        Kind.CULTURE_SPORTS,
        "孙楼村文化广场文体器材配置",
        Fate.COMPLETED,
        pooled="60000",
        own="20000",
        money=(Money(Source.ORGANISATION, "60000", Step.DISBURSED, ("36000", "24000")),),
        description="配置篮球架、乒乓球台、健身路径一套和广场舞音响设备",
        notes=("器材已到货并安装", "组织村民试用，器材运行良好"),
        whole_village=True,
    ),
    Plan(
        "市文广新局",
        1,
        Kind.OTHER,
        "徐垓村党群服务中心修缮",
        Fate.PLANNED,
        pooled="50000",
        own="15000",
        money=(Money(Source.ORGANISATION, "50000", Step.APPLIED),),
        description="修缮党员活动室屋顶和门窗，配置便民服务桌椅",
    ),
    Plan(
        "市地税局",
        0,
        Kind.INDUSTRY,
        "魏楼村蔬菜大棚增收项目",
        Fate.UNDERWAY,
        pooled="200000",
        own="30000",
        money=(Money(Source.AGRICULTURE, "200000", Step.APPROVED),),
        description="新建冬暖式蔬菜大棚6个，由村集体统一经营，优先吸纳脱贫户务工",
        notes=("大棚选址和土地流转完成",),
    ),
    Plan(
        "市地税局",
        1,
        Kind.INDUSTRY,
        "罗庄村食用菌种植农民专业合作社",
        Fate.PLANNED,
        pooled="150000",
        own="20000",
        money=(
            Money(Source.FINANCE, "150000", Step.RETURNED),
            Money(Source.AGRICULTURE, "150000", Step.REVIEWED),
        ),
        description="扶持成立食用菌种植合作社，建设菌棚和冷藏库，带动农户入社增收",
    ),
    Plan(
        "市商务局",
        0,
        Kind.INDUSTRY,
        "郑庄村农贸市场建设",
        Fate.UNDERWAY,
        pooled="500000",
        own="100000",
        village_funds="50000",
        money=(
            Money(Source.FINANCE, "350000", Step.DISBURSED, ("200000",)),
            Money(Source.AGRICULTURE, "150000", Step.REVIEWED),
        ),
        description="建设占地3000平方米的农贸市场，设摊位80个，方便周边群众买卖农产品",
        notes=("市场主体钢结构完工", "摊位招租启动，已有36户报名"),
        whole_village=True,
        photo=True,
    ),
    Plan(
        "市商务局",
        1,
        Kind.INDUSTRY,
        "蒜刘庄村农村电商服务站",
        Fate.ACCEPTED,
        pooled="80000",
        own="20000",
        money=(Money(Source.POVERTY_RELIEF, "80000", Step.DISBURSED, ("50000", "30000")),),
        description="建设村级电商服务站，培训网店店主，帮助农户网上销售大蒜和辣椒",
        notes=("服务站挂牌运营", "首月帮助农户线上销售大蒜2.3万斤"),
    ),
    Plan(
        "市司法局",
        0,
        Kind.INFRASTRUCTURE,
        "杨花园村排水沟清淤改造",
        Fate.COMPLETED,
        pooled="120000",
        money=(Money(Source.WATER, "120000", Step.DISBURSED, ("120000",)),),
        description="清淤改造村内主排水沟2.2公里，解决雨天积水问题",
        notes=("清淤完成，正在砌筑沟帮",),
        whole_village=True,
    ),
    Plan(
        "市司法局",
        1,
        Kind.SCHOOL_MEDICAL,
        "纪老家村困难家庭学生助学",
        Fate.ACCEPTED,
        own="10000",
        donation="30000",
        description="为困难家庭在校学生每人发放助学金2000元，结对帮扶到毕业",
        notes=("助学金已全部发放到学生家庭",),
        acceptance="助学金发放到位，受助学生家庭签字确认，同意验收",
    ),
    Plan(
        "团市委",
        0,
        Kind.TRAINING,
        "前王楼村青年电商直播技能培训",
        Fate.PLANNED,
        pooled="20000",
        donation="10000",
        money=(Money(Source.POVERTY_RELIEF, "20000", Step.APPLIED),),
        description="面向返乡青年开设电商直播培训，孵化农产品带货主播",
    ),
    Plan(
        "团市委",
        0,
        Kind.SCHOOL_MEDICAL,
        "前王楼村留守儿童助学圆梦行动",
        Fate.UNDERWAY,
        donation="20000",
        own="5000",
        description="为留守儿童捐赠学习用品，组织青年志愿者每周辅导功课",
        notes=("首批学习用品已发放",),
    ),
    # Last year's work, all of it finished.
    Plan(
        "市委组织部",
        0,
        Kind.INFRASTRUCTURE,
        "王寨村主街道路硬化",
        Fate.ACCEPTED,
        pooled="420000",
        village_funds="30000",
        money=(
            Money(Source.FINANCE, "300000", Step.DISBURSED, ("180000", "120000")),
            Money(Source.WATER, "120000", Step.DISBURSED, ("120000",)),
        ),
        last_year=True,
        description="硬化村内主街和两条胡同共2.4公里",
        notes=("道路全部硬化完成",),
        whole_village=True,
    ),
    Plan(
        "市商务局",
        0,
        Kind.INDUSTRY,
        "郑庄村大蒜冷库建设",
        Fate.ACCEPTED,
        pooled="300000",
        own="50000",
        money=(Money(Source.AGRICULTURE, "300000", Step.DISBURSED, ("300000",)),),
        last_year=True,
        description="建设500吨大蒜保鲜冷库一座，村集体经营，年增收8万元",
    ),
    Plan(
        "市文广新局",
        0,
        Kind.CULTURE_SPORTS,
        "孙楼村健身器材安装",
        Fate.ACCEPTED,
        pooled="40000",
        money=(Money(Source.ORGANISATION, "40000", Step.DISBURSED, ("40000",)),),
        last_year=True,
        whole_village=True,
    ),
    Plan(
        "市地税局",
        0,
        Kind.INDUSTRY,
        "魏楼村招商引资服装加工点",
        Fate.ACCEPTED,
        own="50000",
        last_year=True,
        description="引进服装加工企业在村设加工点，吸纳留守妇女就近务工",
    ),
    Plan(
        "市司法局",
        1,
        Kind.INFRASTRUCTURE,
        "纪老家村路灯安装",
        Fate.ACCEPTED,
        pooled="90000",
        money=(
            Money(Source.FINANCE, "30000", Step.RETURNED),
            Money(Source.POVERTY_RELIEF, "90000", Step.DISBURSED, ("90000",)),
        ),
        last_year=True,
        description="主街和生产路安装太阳能路灯120盏",
        whole_village=True,
    ),
)

# (unit, village, kind, what, attendees, households reached, days before the last day, photo)
ACTIVITIES = (
    ("市委组织部", 0, Activity.Kind.TRAINING, "大蒜种植技术培训班", 42, 38, 150, True),
    ("市委组织部", 0, Activity.Kind.EXCHANGE, "致富经验交流会", 35, 30, 90, False),
    ("市委组织部", 1, Activity.Kind.FORUM, "村两委和村民代表座谈会", 24, 20, 60, False),
    ("市文广新局", 0, Activity.Kind.OTHER, "送戏下乡文艺演出", 260, 150, 120, True),
    ("市文广新局", 1, Activity.Kind.DONATION, "向农家书屋捐赠图书800册", 12, 0, 40, False),
    ("市地税局", 0, Activity.Kind.EXCHANGE, "蔬菜种植能手经验交流会", 28, 25, 100, False),
    ("市地税局", 1, Activity.Kind.FORUM, "食用菌产业发展座谈会", 18, 15, 30, False),
    ("市商务局", 0, Activity.Kind.TRAINING, "农村电商技能培训班", 55, 46, 130, True),
    ("市商务局", 1, Activity.Kind.FORUM, "电商服务站运营座谈会", 20, 18, 20, False),
    ("市司法局", 0, Activity.Kind.TRAINING, "法律知识进村讲座", 65, 50, 80, False),
    ("市司法局", 1, Activity.Kind.DONATION, "为困难家庭捐赠冬衣和棉被", 30, 30, 10, True),
    ("团市委", 0, Activity.Kind.DONATION, "为留守儿童捐赠学习用品", 40, 36, 70, False),
    ("团市委", 0, Activity.Kind.TRAINING, "返乡青年创业培训", 32, 28, 25, False),
)
LAST_YEAR_ACTIVITIES = (
    ("市委组织部", 0, Activity.Kind.FORUM, "双联双创工作座谈会", 26, 22),
    ("市商务局", 0, Activity.Kind.EXCHANGE, "大蒜购销经验交流会", 40, 35),
    ("市司法局", 1, Activity.Kind.DONATION, "为困难学生捐赠助学金", 15, 15),
)
