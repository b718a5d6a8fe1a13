"""Financial-news sentiment (positive / negative / neutral), English and Chinese.

Fictional companies, short news-wire sentences. About a quarter of each class comes from
"hard" templates (negations, mixed clauses, "losses narrowed", "cut costs") so that a
keyword rule gets some wrong and fine-tuning has something to learn beyond the words
"rose" and "fell".
"""

from __future__ import annotations

import random

SENTIMENT_LABELS: tuple[str, ...] = ("positive", "negative", "neutral")

# (company, what it sells): the product always fits the company
COMPANIES_EN: tuple[tuple[str, str], ...] = (
    ("Northwind Traders", "coffee"),
    ("Bluefin Energy", "wind turbines"),
    ("Harbor Shipping", "container ships"),
    ("Pinecrest Foods", "frozen meals"),
    ("Aurora Motors", "trucks"),
    ("Silverline Telecom", "network equipment"),
    ("Redwood Pharma", "medicines"),
    ("Summit Steel", "steel pipes"),
    ("Lakeside Retail", "clothing"),
    ("Orion Electronics", "phones"),
    ("Cobalt Mining", "copper"),
    ("Meridian Chemicals", "paints"),
    ("Granite Construction", "cement"),
    ("Willow Paper", "paper"),
    ("Falcon Machines", "machine tools"),
    ("Nordic Timber", "timber"),
    ("Crescent Software", "software"),
    ("Evergreen Solar", "solar panels"),
)
COMPANIES_ZH: tuple[tuple[str, str], ...] = (
    ("北风贸易", "咖啡"),
    ("蓝鳍能源", "风力涡轮机"),
    ("港湾航运", "集装箱船"),
    ("松岭食品", "速冻食品"),
    ("曙光汽车", "卡车"),
    ("银线电信", "网络设备"),
    ("红杉制药", "药品"),
    ("峰顶钢铁", "钢管"),
    ("湖畔零售", "服装"),
    ("猎户电子", "手机"),
    ("钴石矿业", "铜"),
    ("子午化工", "涂料"),
    ("花岗建设", "水泥"),
    ("柳林纸业", "纸张"),
    ("猎鹰机械", "机床"),
    ("北欧木业", "木材"),
    ("新月软件", "软件"),
    ("长青太阳能", "太阳能电池板"),
)
QUARTERS_EN: tuple[str, ...] = ("the first quarter", "the second quarter", "the third quarter", "the fourth quarter")
QUARTER_ADJECTIVES_EN: tuple[str, ...] = ("first-quarter", "second-quarter", "third-quarter", "fourth-quarter")
QUARTERS_ZH: tuple[str, ...] = ("第一季度", "第二季度", "第三季度", "第四季度")
CITIES_EN: tuple[str, ...] = ("Helsinki", "Oslo", "Hamburg", "Lyon", "Osaka", "Milan", "Rotterdam")
CITIES_ZH: tuple[str, ...] = ("赫尔辛基", "奥斯陆", "汉堡", "里昂", "大阪", "米兰", "鹿特丹")
MONTHS_EN: tuple[str, ...] = ("January", "March", "April", "June", "August", "October", "November")
MONTHS_ZH: tuple[str, ...] = ("1月", "3月", "4月", "6月", "8月", "10月", "11月")

SENTIMENT_EN: dict[str, dict[str, tuple[str, ...]]] = {
    "positive": {
        "easy": (
            "{co} shares rose {pct}% after {qadj} profit beat expectations.",
            "{co} reported record revenue of {amt} million euros in {q}.",
            "{co} raised its full-year outlook on strong demand.",
            "{co} won a {amt} million euro contract to supply {product}.",
            "Net profit at {co} jumped {pct}% to {amt} million euros.",
            "{co} will hire {n} new staff as orders grow.",
            "Analysts upgraded {co} to buy after a strong quarter.",
            "{co} increased its dividend by {pct}%.",
            "Operating profit at {co} more than doubled in {q}.",
            "{co} beat expectations as sales climbed {pct}%.",
            "Orders for {product} at {co} grew {pct}% in {q}.",
            "{co} signed a long-term deal that will lift sales of {product}.",
        ),
        "hard": (
            "{co} did not cut any jobs this year, easing fears among staff.",
            "Despite a weak market, {co} grew sales by {pct}%.",
            "{co} shares fell early but closed {small}% higher.",
            "Losses at {co} narrowed to {amt} million euros from {amt2} million euros a year earlier.",
            "{co} cut costs by {pct}%, lifting its margin.",
            "Fewer customers left {co} in {q} than a year ago.",
            "{co} no longer expects a loss for the year.",
            "Debt at {co} fell {pct}%, which analysts welcomed.",
        ),
    },
    "negative": {
        "easy": (
            "{co} shares fell {pct}% after {qadj} profit missed forecasts.",
            "{co} will cut {n} jobs as sales decline.",
            "{co} swung to a loss of {amt} million euros in {q}.",
            "{co} lowered its full-year guidance, citing weak demand.",
            "Net sales at {co} dropped {pct}% in {q}.",
            "{co} issued a profit warning for the year.",
            "Analysts downgraded {co} to sell.",
            "{co} suspended its dividend after a weak quarter.",
            "Operating profit at {co} fell to {amt} million euros from {amt2} million euros.",
            "{co} will close {k} factories and lay off staff.",
            "Orders for {product} at {co} slumped {pct}% in {q}.",
            "{co} lost a major contract to supply {product}.",
        ),
        "hard": (
            "Despite a {pct}% rise in revenue, {co} missed profit forecasts.",
            "Revenue at {co} rose {pct}%, but margins shrank sharply.",
            "{co} failed to beat expectations in {q}.",
            "Profit at {co} rose only {pct}%, far below what analysts expected.",
            "{co} did not raise its outlook, disappointing investors.",
            "Sales at {co} were not strong enough to avoid a loss.",
            "{co} shares rose early but closed {small}% lower.",
            "Losses at {co} widened to {amt} million euros in {q}.",
        ),
    },
    "neutral": {
        "easy": (
            "{co} will publish its results for {q} on {day} {month}.",
            "{co} appointed a new chief financial officer.",
            "{co} has {n} employees in {k} countries.",
            "The annual general meeting of {co} will be held in {city} on {day} {month}.",
            "{co} is headquartered in {city}.",
            "{co} has offices in {k} countries.",
            "{co} said the board will meet next week.",
            "{co} produces {product} for customers in Europe and Asia.",
            "{co} moved its head office to {city}.",
            "{co} was founded in {city} in {year}.",
            "The shares of {co} are listed in {city}.",
        ),
        "hard": (
            "{co} held steady at {price} euros in early trading.",
            "{co} said profit was in line with expectations.",
            "{co} neither raised nor lowered its guidance.",
            "Sales at {co} rose {pct}% while costs rose by the same amount, leaving profit unchanged.",
            "{co} shares rose early but closed flat at {price} euros.",
            "Trading in {co} shares was unchanged at {price} euros.",
            "{co} did not comment on the report.",
            "{co} expects sales of {product} to stay at last year's level.",
        ),
    },
}

SENTIMENT_ZH: dict[str, dict[str, tuple[str, ...]]] = {
    "positive": {
        "easy": (
            "{co}{q}利润超出预期，股价上涨{pct}%。",
            "{co}{q}营收创下{amt}的新高。",
            "受需求强劲推动，{co}上调了全年业绩预期。",
            "{co}赢得一份价值{amt}的{product}供货合同。",
            "{co}净利润大涨{pct}%，达到{amt}。",
            "随着订单增加，{co}将新招聘{n}名员工。",
            "{co}本季度表现强劲，分析师将其评级上调为买入。",
            "{co}将股息提高了{pct}%。",
            "{co}{q}营业利润翻了一番多。",
            "{co}销售额增长{pct}%，业绩好于预期。",
            "{co}{q}的{product}订单增长了{pct}%。",
            "{co}签下一份长期协议，将带动{product}的销售。",
        ),
        "hard": (
            "{co}今年没有裁员，员工的担忧有所缓解。",
            "尽管市场疲软，{co}的销售额仍增长了{pct}%。",
            "{co}股价早盘下跌，但收盘时上涨了{small}%。",
            "{co}的亏损从一年前的{amt2}收窄至{amt}。",
            "{co}把成本削减了{pct}%，利润率随之提高。",
            "{co}{q}流失的客户比去年同期少。",
            "{co}不再预计全年会出现亏损。",
            "{co}的债务减少了{pct}%，分析师对此表示欢迎。",
        ),
    },
    "negative": {
        "easy": (
            "{co}{q}利润不及预期，股价下跌{pct}%。",
            "由于销售下滑，{co}将裁员{n}人。",
            "{co}{q}由盈转亏，亏损{amt}。",
            "{co}以需求疲软为由，下调了全年业绩指引。",
            "{co}{q}净销售额下降了{pct}%。",
            "{co}发布了全年盈利预警。",
            "分析师将{co}的评级下调为卖出。",
            "{co}本季度业绩疲弱，暂停派发股息。",
            "{co}的营业利润从{amt2}降至{amt}。",
            "{co}将关闭{k}家工厂并裁减员工。",
            "{co}{q}的{product}订单骤降{pct}%。",
            "{co}失去了一份重要的{product}供货合同。",
        ),
        "hard": (
            "尽管营收增长了{pct}%，{co}的利润仍未达到预期。",
            "{co}营收增长{pct}%，但利润率大幅收缩。",
            "{co}{q}业绩未能超出预期。",
            "{co}利润仅增长{pct}%，远低于分析师的预期。",
            "{co}没有上调业绩预期，令投资者失望。",
            "{co}的销售额不足以避免亏损。",
            "{co}股价早盘上涨，但收盘时下跌了{small}%。",
            "{co}{q}的亏损扩大至{amt}。",
        ),
    },
    "neutral": {
        "easy": (
            "{co}将于{month}{day}日公布{q}业绩。",
            "{co}任命了一位新的首席财务官。",
            "{co}在{k}个国家拥有{n}名员工。",
            "{co}年度股东大会将于{month}{day}日在{city}举行。",
            "{co}总部位于{city}。",
            "{co}在{k}个国家设有办事处。",
            "{co}表示董事会将于下周开会。",
            "{co}为欧洲和亚洲的客户生产{product}。",
            "{co}把总部迁到了{city}。",
            "{co}于{year}年在{city}成立。",
            "{co}的股票在{city}上市交易。",
        ),
        "hard": (
            "{co}早盘股价稳定在{price}欧元。",
            "{co}表示利润符合预期。",
            "{co}既没有上调也没有下调业绩指引。",
            "{co}销售额增长{pct}%，成本也增加了同样的幅度，利润持平。",
            "{co}股价早盘上涨，但收盘时持平于{price}欧元。",
            "{co}股价持平，报{price}欧元。",
            "{co}对该报道不予置评。",
            "{co}预计{product}的销量将与去年持平。",
        ),
    },
}


def _euros_zh(millions: int) -> str:
    """529 -> '5.29亿欧元', 40 -> '4000万欧元' (the way Chinese news writes amounts)."""
    if millions >= 100:
        return f"{millions / 100:.2f}".rstrip("0").rstrip(".") + "亿欧元"
    return f"{millions * 100}万欧元"


def _sentiment_slots(rng: random.Random, lang: str) -> dict[str, str]:
    amt = rng.randint(5, 900)
    amt2 = rng.randint(amt + 1, amt * 2 + 10)  # the larger of two amounts
    en = lang == "en"
    company, product = rng.choice(COMPANIES_EN if en else COMPANIES_ZH)
    quarter = rng.randrange(4)
    return {
        "co": company,
        "product": product,
        "q": (QUARTERS_EN if en else QUARTERS_ZH)[quarter],
        "qadj": QUARTER_ADJECTIVES_EN[quarter] if en else "",
        "city": rng.choice(CITIES_EN if en else CITIES_ZH),
        "month": rng.choice(MONTHS_EN if en else MONTHS_ZH),
        "pct": f"{rng.randint(1, 45)}.{rng.randint(0, 9)}",
        "amt": str(amt) if en else _euros_zh(amt),
        "amt2": str(amt2) if en else _euros_zh(amt2),
        "small": f"{rng.randint(0, 6)}.{rng.randint(1, 9)}",
        "n": str(rng.choice((12, 40, 85, 120, 150, 200, 350, 400, 600, 1200))),
        "k": str(rng.randint(3, 30)),
        "day": str(rng.randint(1, 28)),
        "year": str(rng.randint(1950, 2015)),
        "price": f"{rng.randint(2, 180)}.{rng.randint(0, 99):02d}",
    }


def generate_sentiment(
    lang: str, seed: int = 4, per_label: int = 300, test_fraction: float = 0.2, hard_fraction: float = 0.3
) -> list[tuple[str, str, str]]:
    """Labelled financial-news sentences as (split, label, text), stratified, no duplicates.

    Each label gets ``per_label`` unique sentences; ``test_fraction`` of each label goes to
    the test split. Rows come out shuffled.
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"unknown language {lang!r}")
    rng = random.Random(f"sentiment-{lang}-{seed}")
    templates = SENTIMENT_EN if lang == "en" else SENTIMENT_ZH
    seen: set[str] = set()
    rows: list[tuple[str, str, str]] = []
    for label in SENTIMENT_LABELS:
        texts: list[str] = []
        while len(texts) < per_label:
            kind = "hard" if rng.random() < hard_fraction else "easy"
            text = rng.choice(templates[label][kind]).format(**_sentiment_slots(rng, lang))
            if text not in seen:
                seen.add(text)
                texts.append(text)
        n_test = round(per_label * test_fraction)
        rows.extend(("test", label, text) for text in texts[:n_test])
        rows.extend(("train", label, text) for text in texts[n_test:])
    rng.shuffle(rows)
    return rows
