"""Words for the synthetic city: people's names, place names and unit names.

Everything here is plain text without tabs, new lines or backslashes, so rows made from it
can be streamed to PostgreSQL's COPY as they are.
"""

import itertools
from collections.abc import Iterator

# The most common surnames of Shandong, most frequent first, with rough weights.
SURNAMES = (
    ("王", 90),
    ("张", 85),
    ("李", 80),
    ("刘", 60),
    ("孙", 35),
    ("赵", 32),
    ("陈", 30),
    ("杨", 28),
    ("徐", 22),
    ("马", 20),
    ("高", 18),
    ("周", 16),
    ("郭", 15),
    ("吴", 12),
    ("朱", 12),
    ("胡", 11),
    ("于", 11),
    ("田", 10),
    ("韩", 10),
    ("何", 9),
    ("吕", 9),
    ("郑", 8),
    ("宋", 8),
    ("孟", 8),
    ("曹", 7),
    ("程", 7),
    ("袁", 6),
    ("魏", 6),
    ("董", 6),
    ("冯", 6),
    ("姜", 6),
    ("许", 5),
    ("侯", 5),
    ("贾", 5),
    ("闫", 5),
    ("潘", 4),
    ("彭", 4),
    ("邵", 4),
    ("葛", 4),
    ("谢", 4),
    ("苏", 4),
    ("蔡", 3),
    ("丁", 3),
    ("石", 3),
    ("崔", 3),
    ("秦", 3),
    ("梁", 3),
    ("任", 3),
    ("薛", 3),
    ("卢", 2),
    ("黄", 2),
    ("林", 2),
    ("罗", 2),
    ("牛", 2),
    ("申", 2),
    ("司", 1),
    ("常", 2),
    ("范", 2),
    ("左", 1),
    ("毛", 1),
)

# Characters of given names, by the sex they are usual for; names have one or two of them.
MALE_GIVEN = (
    "建国军伟强磊洋勇刚杰涛明超辉华平鹏飞斌波宁东海峰志红光亮永庆德胜学成文保全"
    "振兴广民新春廷玉金山林福贵生旺长发忠良宝富兵利俊"
)
FEMALE_GIVEN = "秀英丽娟敏静艳芳燕霞玲桂兰凤梅红云华莲翠荣菊素琴淑珍萍娜雪晶婷倩美爱月花"

# Village names: a family name and a place word (王庄, 李楼, 张集, …).
VILLAGE_WORDS = "庄楼集寨屯营店桥堂口湾堤堌岗圈坊园洼台堆铺"
VILLAGE_PREFIXES = ("", "", "", "东", "西", "南", "北", "前", "后", "大", "小", "新")
COMMUNITY_WORDS = (
    "和平",
    "幸福",
    "光明",
    "建设",
    "振兴",
    "文化",
    "丹阳",
    "牡丹",
    "长江",
    "人民",
    "中华",
    "花园",
    "东方",
    "华英",
    "新城",
    "锦绣",
    "紫荆",
    "康庄",
    "青年",
    "太行",
    "金堤",
    "双河",
    "万福",
    "盛世",
)

# Units: (name, kind). City names begin with 市 (市教育局), county names with the county's
# name (曹县教育局), township names with the township's (沙沃镇卫生院).
GOVERNMENT_BODIES = (
    "委办公室",
    "委组织部",
    "委宣传部",
    "委统战部",
    "委政法委员会",
    "纪委监委",
    "委政策研究室",
    "委编办",
    "委党校",
    "委老干部局",
    "委网信办",
    "人大常委会办公室",
    "政府办公室",
    "政协办公室",
    "发展和改革委员会",
    "教育局",
    "科学技术局",
    "工业和信息化局",
    "公安局",
    "民政局",
    "司法局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源和规划局",
    "生态环境局",
    "住房和城乡建设局",
    "交通运输局",
    "水务局",
    "农业农村局",
    "商务局",
    "文化和旅游局",
    "卫生健康委员会",
    "退役军人事务局",
    "应急管理局",
    "审计局",
    "市场监督管理局",
    "统计局",
    "医疗保障局",
    "信访局",
    "行政审批服务局",
    "大数据局",
    "城市管理局",
    "畜牧兽医服务中心",
    "乡村振兴局",
    "供销合作社",
    "档案馆",
    "机关事务服务中心",
    "融媒体中心",
    "检察院",
    "法院",
)
PEOPLES_ORGANIZATIONS = (
    "总工会",
    "团委",
    "妇联",
    "科协",
    "工商联",
    "残联",
    "文联",
    "红十字会",
    "侨联",
)
CITY_STATIONED = (
    "国网菏泽供电公司",
    "国家税务总局菏泽市税务局",
    "中国人民银行菏泽市分行",
    "国家统计局菏泽调查队",
    "菏泽海关",
    "菏泽军分区",
    "菏泽市烟草专卖局",
    "中国移动菏泽分公司",
    "中国联通菏泽分公司",
    "中国电信菏泽分公司",
    "中国工商银行菏泽分行",
    "中国农业银行菏泽分行",
    "中国银行菏泽分行",
    "中国建设银行菏泽分行",
    "中国邮政集团菏泽市分公司",
    "中国人寿菏泽分公司",
    "中国石化菏泽石油分公司",
    "菏泽公路事业发展中心",
    "菏泽气象局",
    "菏泽黄河河务局",
    "中国铁塔菏泽分公司",
    "菏泽银保监分局",
    "山东高速菏泽发展有限公司",
    "菏泽车务段",
    "菏泽地质勘查院",
)
# Enterprises and public institutions: named ones, then numbered schools and companies.
NUMBERED_INSTITUTIONS = ("中学", "实验小学")
INSTITUTIONS = (
    "人民医院",
    "第二人民医院",
    "职业中等专业学校",
    "中医医院",
    "妇幼保健院",
    "疾病预防控制中心",
    "城投集团",
    "农业发展集团",
    "水务集团",
    "公共交通公司",
    "广播电视台",
    "农村商业银行",
    "图书馆",
    "社会福利院",
)
COMPANY_WORDS = ("华英", "鲁西", "恒泰", "瑞丰", "金源", "宏达", "鑫盛", "丰源", "汇通", "天润")
INDUSTRIES = (
    "木业",
    "食品",
    "纺织",
    "医药",
    "化工",
    "机械",
    "商贸",
    "物流",
    "建材",
    "农业科技",
)
# Kinds of units at each level, with rough weights.
KINDS = {
    "city": (("party_gov", 40), ("people_org", 6), ("stationed", 12), ("enterprise", 42)),
    "county": (("party_gov", 45), ("people_org", 6), ("enterprise", 49)),
    "township": (("party_gov", 55), ("people_org", 8), ("enterprise", 37)),
}
TOWNSHIP_UNITS = (
    ("党委政府", "party_gov"),
    ("财政所", "party_gov"),
    ("司法所", "party_gov"),
    ("派出所", "party_gov"),
    ("自然资源所", "party_gov"),
    ("便民服务中心", "party_gov"),
    ("农业综合服务中心", "party_gov"),
    ("卫生院", "enterprise"),
    ("中心小学", "enterprise"),
    ("初级中学", "enterprise"),
    ("供电所", "enterprise"),
    ("农商银行支行", "enterprise"),
    ("团委", "people_org"),
    ("妇联", "people_org"),
    ("邮政支局", "enterprise"),
    ("市场监管所", "party_gov"),
)

POSITIONS_HEAD = {
    "party_gov": "党组书记、局长",
    "people_org": "党组书记、主席",
    "enterprise": "党委书记、负责人",
    "stationed": "党委书记、主要负责人",
}
POSITIONS_DEPUTY = {
    "party_gov": "副局长",
    "people_org": "副主席",
    "enterprise": "副职负责人",
    "stationed": "党委委员、副职负责人",
}
# The staff below the leadership, with rough weights.
POSITIONS_STAFF = (
    ("科长", 12),
    ("副科长", 10),
    ("主任科员", 10),
    ("一级科员", 20),
    ("科员", 30),
    ("办事员", 8),
    ("工作人员", 10),
)

DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五 (up to 9999)."""
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return "十" + (DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return DIGITS[n // 10] + "十" + (DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        if rest == 0:
            tail = ""
        elif rest < 10:
            tail = "零" + DIGITS[rest]
        else:
            tail = DIGITS[rest // 10] + "十" + (DIGITS[rest % 10] if rest % 10 else "")
        return DIGITS[n // 100] + "百" + tail
    rest = n % 1000
    head = DIGITS[n // 1000] + "千"
    if rest == 0:
        return head
    return head + ("零" if rest < 100 else "") + chinese_number(rest)


Names = dict[str, Iterator[str]]


def city_units() -> Names:
    """City-level unit names by kind; enterprises and institutions never run out."""
    return {
        "party_gov": (f"市{body}" for body in GOVERNMENT_BODIES),
        "people_org": (f"市{organization}" for organization in PEOPLES_ORGANIZATIONS),
        "stationed": iter(CITY_STATIONED),
        "enterprise": _institutions("菏泽市"),
    }


def county_units(county: str) -> Names:
    """A county's unit names by kind: 曹县县委组织部, 曹县教育局, 曹县第一中学, …"""
    # The party committee's bodies repeat the level: 曹县县委…, 牡丹区区委….
    return {
        "party_gov": (
            f"{county + county[-1] if body.startswith('委') else county}{body}"
            for body in GOVERNMENT_BODIES
        ),
        "people_org": (f"{county}{organization}" for organization in PEOPLES_ORGANIZATIONS),
        "enterprise": _institutions(county),
    }


def township_units(township: str) -> Names:
    """A township's unit names by kind: 沙沃镇派出所, 沙沃镇卫生院, …"""
    return {
        kind: itertools.chain(
            (f"{township}{suffix}" for suffix, of_kind in TOWNSHIP_UNITS if of_kind == kind),
            (f"{township}第{chinese_number(n)}小学" for n in itertools.count(2))
            if kind == "enterprise"
            else (),
        )
        for kind in ("party_gov", "people_org", "enterprise")
    }


def _institutions(prefix: str) -> Iterator[tuple[str, str]]:
    for name in INSTITUTIONS:
        yield f"{prefix}{name}"
    companies = [word + industry for industry in INDUSTRIES for word in COMPANY_WORDS]
    for n in itertools.count(1):
        for name in NUMBERED_INSTITUTIONS:
            yield f"{prefix}第{chinese_number(n)}{name}"
        if n <= len(companies):
            yield f"{prefix}{companies[n - 1]}有限公司"
