"""Seeded chat data for measuring the gaming detectors: honest, messy shops, with the four patterns injected at a chosen strength.

``simulate(seed, shops, start, days)`` returns records in the input format of
CONTRACT.md §1 (plain dicts: ``shop_id``, ``buyer_id``, ``role``, ``ts``, and
``sender_id``, ``kind``, ``text``, ``msg_id`` where they apply), sorted by
shop and time; ``write_jsonl`` writes them out. Everything comes from
``random.Random`` seeded with strings derived from ``seed`` (one stream per
shop, one per shop for the injected patterns, one for the shared buyer
market): the same seed gives the same records, on any machine, whatever the
hash seed, and no clock is read. Standard library only.

Clean shops (what every shop does, whatever is injected)
--------------------------------------------------------
- **Volume**: ``buyers_per_day`` on an ordinary weekday, more at weekends,
  a busy day now and then (x1.8-3, a sale) and quiet days (x0.4-0.7); hours
  follow a daytime curve with an evening peak and a thin night.
- **Buyers**: new buyers, repeat customers of the shop (a quarter of a day's
  buyers; they ask more, in more rounds), and shoppers from a market pool
  shared by every shop of the run, who ask several shops the same things.
  Some ask only "在吗" and leave once answered; some nudge ("在吗？？") when
  kept waiting; some are never answered (more on busy and bad days).
- **Agents** (``AgentPlan``) on shifts, with days off. Once the question is
  in (the buyer's second message, if there is one), a reply takes a thinking
  time around the agent's ``median_s`` plus typing time at its ``cpm``
  (characters per minute), or, for a share ``quick_share`` of replies, only a
  short reaction time with one of the shop's quick-reply phrases (long texts,
  sent by a person in seconds). A share ``slow_share`` of replies is slow (the
  agent is away or juggling): a smooth tail from 2 minutes, around
  ``slow_median_s``, that runs on well past 30 minutes. Every delay is a
  floor plus a lognormal, so a person's times have no spike anywhere. Busy
  days and late evenings slow everyone down. Agents differ: fast typists,
  quick-phrase users, ordinary agents, genuinely slow agents (``AGENT_KINDS``;
  ``random_agent``, ``random_shop`` and ``random_shops`` draw clean plans).
- **Outside the shifts**: a robot (role ``bot``) answers at night if the shop
  has one; a person answers early-morning questions when the shift starts
  (long, smooth latencies), and late-night ones — and some asked in the last
  15 minutes of the last shift — the next morning or never.
- **Robots** (``robot``): ``"greeting"``, a role-``bot`` welcome message
  within seconds of a buyer's first message (Taobao style: not a valid reply
  there); ``"answers"``, a role-``bot`` answer within 1-5 s to a share
  ``robot_share`` of first messages, with people taking over (Pinduoduo style,
  where robot replies count).
- **Closes** (``kind: close``): after the last reply (normal); buyers who come
  back after a close with a new question; an unanswered session closed and
  never answered; a session closed while waiting that the buyer reopens by
  writing again before the reply; a close undone at once (the reply follows
  within a minute). ``night_close`` (off in clean plans; a probe of an honest
  look-alike): questions left at the end of the last shift are closed when
  the agent leaves and answered the next morning.
- **Bad days** (``bad_day_share``): a day short of staff, when many buyers go
  unanswered and the reply rate nears its floor.
- Platform notices (role ``system``), product cards (buyer ``notice``) and
  spam ads from buyer-side accounts (buyer ``ad``) are scattered in. Nothing
  is malformed: every record is valid input.

Injected patterns (``ShopPlan.inject = {pattern: strength}``)
-------------------------------------------------------------
Agent-level patterns go to ``inject_agent`` (default: the shop's first
agent). A strength is a probability per opportunity, so 0 is the clean shop
and 1 the pattern wherever it can apply; ``DEFAULT_STRENGTH`` (0.5) is what
the detectors' targets are measured at. The injection decisions come from a
stream of their own, so the same seed at another strength gives the same
shop with the pattern applied more or less often.

- ``delayed_reply``: of the agent's *slow replies* (natural wait between
  ``HOLD_FROM_S`` = 600 s and 1800 s), the share ``strength`` is held until
  just past the cut: the reply is moved to 1805-1890 s after the round's first
  message (the 31st minute: 「建议可以等到31分后再进行回复」).
- ``close_reopen``: in the share ``strength`` of the agent's answered rounds
  (on shift), the agent closes the session 2-20 s after the buyer's last
  message and replies later without the buyer writing again: at the natural
  wait or 2-20 minutes after the close, whichever is later.
- ``bot_as_human``: the share ``strength`` of the agent's rounds on shift is
  answered by a robot under the agent's own account (role ``agent``): one of
  ``BOT_AS_AGENT`` templates, 1.0-2.0 s after the buyer's (single) message,
  and no second message. (Questions left from the night and answered when
  the shift starts are still answered by the person.)
- ``fake_chat``: a ring of friendly accounts (``RING_SIZE`` = 60 buyer ids per
  ring, shared by every shop whose plan names the ring in ``ring``) visits
  the shop on ``FAKE_DAYS`` = 5 bad days (short of staff, reply rate near the
  floor). On each, ring accounts making up ``strength`` x 30 % of the day's
  honest inquiring buyers (at least one) each send one trivial message
  ("在吗", "1", ...) that is answered at once (a person in 2-12 s, or the robot
  in 1-3 s) and say nothing more.

Run ``python tools/simulate.py --help`` to write a data set to disk.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

SEC = 1000
MIN = 60 * SEC
HOUR = 3_600_000
DAY = 86_400_000
PATTERNS = ("delayed_reply", "close_reopen", "bot_as_human", "fake_chat")
DEFAULT_STRENGTH = 0.5
HOLD_FROM_S = 600  # delayed_reply: slow replies from this wait on are the ones worth holding
CUT_S = 1800
RING_SIZE = 60
FAKE_DAYS = 5
FAKE_SHARE = 0.30  # ring inquiries on a fake day at strength 1, as a share of the day's honest buyers
MARKET_SIZE = 3000

# Hour-of-day weights of first messages (local time).
DAYTIME = (1.5, .8, .5, .3, .3, .4, .8, 2, 4, 7, 9, 9, 7, 6, 8, 9, 8, 7, 6, 7, 9, 10, 9, 5)
HOURS = tuple(range(24))
DAYTIME_CUM = tuple(itertools.accumulate(DAYTIME))
ONE_TO_FOUR = (1, 2, 3, 4)
ROUNDS_CUM = (55, 82, 94, 100)  # rounds in a conversation
ASKS_CUM = (40, 72, 90, 100)  # buyer messages in a round
WEEKDAY = (1.0, 0.97, 1.0, 1.02, 1.06, 1.22, 1.16)  # Monday .. Sunday


@dataclass(frozen=True)
class AgentPlan:
    """One human agent (a sub-account; sender_id ``<shop_id>:<name>``)."""

    name: str
    median_s: float = 20.0  # median thinking time before an ordinary reply
    spread: float = 0.6  # lognormal sigma of it
    slow_share: float = 0.06  # share of replies that are slow (away, juggling): a smooth long tail
    slow_median_s: float = 420.0
    slow_spread: float = 0.9
    cpm: float = 60.0  # typing speed, characters per minute
    quick_share: float = 0.2  # share of replies sent from the shop's quick-reply phrases
    shift: tuple[int, int] = (8, 24)  # local hours [start, end)
    days_off: int = 4  # per 30 days


@dataclass(frozen=True)
class ShopPlan:
    """One shop: its agents, volume, robot and habits, and the patterns injected into it."""

    shop_id: str
    agents: tuple[AgentPlan, ...]
    buyers_per_day: float = 150.0
    robot: str = "none"  # "none" | "greeting" | "answers"
    robot_share: float = 0.7  # with "answers": share of first messages the robot answers
    unanswered: float = 0.02  # share of rounds no one answers on an ordinary day
    bad_day_share: float = 0.04  # share of days short of staff
    night_close: float = 0.0  # share of end-of-shift leftovers closed when the agent leaves (probe)
    inject: Mapping[str, float] = field(default_factory=dict)  # pattern -> strength in [0, 1]
    inject_agent: str | None = None  # agent that gets agent-level patterns; default: the first
    ring: str = "ring1"  # the fake_chat ring the shop's friendly accounts come from

    def __post_init__(self) -> None:
        if not self.agents:
            raise ValueError(f"{self.shop_id}: a shop needs at least one agent")
        if self.robot not in ("none", "greeting", "answers"):
            raise ValueError(f"{self.shop_id}: robot must be none, greeting or answers")
        for name, s in self.inject.items():
            if name not in PATTERNS:
                raise ValueError(f"{self.shop_id}: unknown pattern {name!r} (one of {', '.join(PATTERNS)})")
            if not 0 <= s <= 1:
                raise ValueError(f"{self.shop_id}: strength of {name} must be in [0, 1]")
        if self.inject_agent is not None and self.inject_agent not in {a.name for a in self.agents}:
            raise ValueError(f"{self.shop_id}: inject_agent {self.inject_agent!r} is not one of its agents")

    @property
    def target(self) -> str:
        """The name of the agent that agent-level patterns go to."""
        return self.inject_agent or self.agents[0].name

    def sender(self, agent: str) -> str:
        return f"{self.shop_id}:{agent}"


# --- texts ---------------------------------------------------------------------------------

GREET = ("在吗", "你好", "亲，在吗？", "老板在吗", "hello", "有人吗", "在不在", "您好")
NUDGE = ("在吗？？", "人呢", "？？", "有人吗，急", "怎么不回")
TRIVIAL = ("在吗", "在", "1", "你好", "？", "hi", "嗯", "在不")
# (buyer questions, agent answers); {n} {m} {c} {d} are filled per message
TOPICS = (
    (("我身高16{n}体重1{m}斤穿什么码", "平时穿{c}码，这款拍哪个", "这件偏大还是偏小", "腰围2{n}寸穿哪个码", "尺码表在哪里看"),
     ("按您的身高体重建议拍{c}码", "这款偏小一码，建议拍大一码", "标准码，平时穿什么码就拍什么码", "{c}码腰围6{n}-7{m}厘米，您可以对照一下",
      "尺码表在详情页倒数第二张图")),
    (("今天下单什么时候发货", "订单尾号{d}发了吗", "发什么快递", "能发顺丰吗，加钱也行", "我的快递{n}天了还没到"),
     ("下午4点前付款当天发，明天到{c}仓", "尾号{d}的订单今天下午发出", "默认中通，顺丰需补差价1{n}元",
      "帮您查了，包裹到当地网点了，今天会派送", "快递在中转，预计{n}天内到")),
    (("有优惠券吗", "两件能便宜点吗", "满减怎么算", "买{n}件有折扣吗", "会员价是多少"),
     ("店铺首页可以领{n}元券", "两件9折，下单自动减", "满200减{m}0，可以和券叠加", "{n}件以上{m}折，拍下自动改价",
      "会员再享95折，入会免费")),
    (("{c}色还有货吗", "什么时候补货", "{c}码没了吗", "这个还会上新吗", "预售多久发"),
     ("{c}色有货，可以直接拍", "预计{n}天后补货，先收藏哦", "{c}码刚补了一批", "下个月{n}号上新，记得关注", "预售{m}天内发货")),
    (("收到了不合适能退吗", "退货运费谁出", "申请退款了麻烦处理下", "换{c}码怎么操作", "退货地址是哪里"),
     ("支持7天无理由，有运费险", "有运费险会自动理赔，不要用到付", "已经同意退款了，1-{n}天到账", "直接申请换货，备注{c}码就行",
      "退货地址在售后页面能看到")),
    (("是纯棉的吗", "会不会起球", "洗了掉色吗", "有没有味道", "厚不厚，{n}度能穿吗"),
     ("面料9{n}%棉，手感很好", "正常穿不会起球，建议翻面洗", "第一次洗会有轻微浮色，正常的", "没有味道，拆开晾一下更好",
      "中等厚度，{n}度左右穿刚好")),
)
FOLLOW = ("好的", "谢谢", "那我拍了", "能快点发吗", "还有别的颜色吗", "OK", "好的，谢谢", "那算了", "行", "知道了")
PREFIX = ("亲，", "您好，", "亲亲，", "", "", "嗯嗯，", "好的亲，", "亲爱的，")
SUFFIX = ("哦", "~", "呢", "哈", "", "", "的亲", "哦~")
ACK = ("好的亲", "嗯嗯", "稍等我查一下", "不客气~", "好的，已备注", "感谢支持~", "有问题随时找我", "亲，还在吗")
QUICK = (  # quick-reply phrases a shop sets up for its agents (people click them)
    "亲，本店所有商品48小时内发货，默认中通快递，偏远地区除外，请放心购买哦~",
    "亲，尺码建议参考详情页的尺码表，拿不准的话告诉我身高体重，帮您推荐哦",
    "亲，支持7天无理由退换货，赠送运费险，收到不满意可以放心退换~",
    "亲，现在下单可以领店铺优惠券，满199减20，可与平台满减叠加使用哦",
    "亲，您好，很高兴为您服务，请问有什么可以帮您？",
    "亲，麻烦提供一下订单号，这边马上帮您查询处理~",
    "亲，仓库正在加急打包中，发货后会第一时间同步物流信息给您哦",
    "亲，商品颜色以实物为准，不同显示器可能存在轻微色差，敬请谅解~",
    "亲，这款是常规版型，按平时尺码购买就可以啦",
    "亲，退款已经为您处理了，原路退回，请留意到账信息哦",
    "亲，感谢您的耐心等待，有任何问题都可以随时联系我们~",
    "亲，关注店铺可以第一时间收到上新和优惠通知哦",
)
BOT_AS_AGENT = (  # what a robot answering under an agent's account says (bot_as_human)
    "亲，您好，欢迎光临本店，请问有什么可以帮您的吗？",
    "亲，您的问题已收到，这边为您查询一下，请稍等哦~",
    "亲，本店商品均为现货，下单后24小时内发货，请放心购买~",
    "亲，尺码问题请参考详情页尺码表，或告诉我身高体重哦",
    "亲，感谢您的咨询，祝您购物愉快！",
)
ROBOT_GREETING = ("【自动回复】您好，欢迎光临，客服稍后为您服务", "【自动回复】亲，消息已收到，人工客服正在赶来~")
ROBOT_ANSWERS = ("【机器人】亲，您好！有什么可以帮您？", "【机器人】亲，48小时内发货，坏了包赔，请放心拍~",
                 "【机器人】亲，常见问题请点击下方菜单，人工客服马上就来", "【机器人】亲，尺码请参考详情页尺码表哦")
ROBOT_NIGHT = "【自动回复】客服已下班，服务时间08:00-24:00，请留言，上班后第一时间回复"
NIGHT_FOLLOW = "亲，昨晚下班了，现在回复您："
RING_ANSWER = ("在的亲", "亲，在的", "您好", "在的，请问有什么可以帮您", "在呢")
NOTICES = ("买家已付款，请尽快发货", "订单已发货", "买家申请退款", "交易成功")
CARDS = ("[商品卡片] 对方正在浏览：纯棉短袖T恤", "[订单卡片] 对方发来一个订单")
SPAM = ("兼职刷单，日结300，加V: abc12345", "低价代运营，提升店铺权重，详聊Q 88886666", "【广告】店铺流量推广，包上首页")
COLOURS = ("S", "M", "L", "XL", "黑", "白", "灰", "蓝", "杏")


class _Rng(random.Random):
    """random.Random with cheaper choice/randint/randrange (one call to random() each; the stream stays seeded and portable)."""

    def choice(self, seq):  # type: ignore[no-untyped-def, override]
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:  # type: ignore[override]
        if stop is None:
            start, stop = 0, start
        return start + int(self.random() * (stop - start))

    def pick(self, items: Sequence[int], cum: Sequence[float]) -> int:
        """One of ``items`` with cumulative weights ``cum``."""
        return items[bisect.bisect(cum, self.random() * cum[-1])]


def _fill(rng: random.Random, text: str) -> str:
    if "{" not in text:
        return text
    return text.format(n=rng.randint(1, 9), m=rng.randint(0, 9), c=rng.choice(COLOURS), d=rng.randint(1000, 9999))


# --- agents and shops -----------------------------------------------------------------------

# kind -> draws of its settings: (median_s, spread, slow_share, slow_median_s, slow_spread, cpm, quick_share)
AGENT_KINDS = {
    "fast_typist": lambda r: (r.uniform(5, 9), .5, r.uniform(.01, .03), r.uniform(240, 420), .8, r.uniform(100, 150), r.uniform(.05, .2)),
    "quick_phrases": lambda r: (r.uniform(8, 15), .6, r.uniform(.03, .06), r.uniform(300, 480), .9, r.uniform(50, 80), r.uniform(.45, .7)),
    "ordinary": lambda r: (r.uniform(15, 35), .65, r.uniform(.05, .09), r.uniform(360, 600), .9, r.uniform(45, 80), r.uniform(.1, .3)),
    "slow": lambda r: (r.uniform(50, 120), .8, r.uniform(.18, .32), r.uniform(700, 1100), 1.0, r.uniform(35, 55), r.uniform(.1, .25)),
}
SHIFTS = {1: [((9, 22),), ((8, 23),), ((8, 24),)],
          2: [((8, 17), (14, 24)), ((9, 18), (13, 23)), ((8, 24), (8, 24))],
          3: [((8, 16), (12, 20), (16, 24)), ((8, 17), (10, 22), (15, 24)), ((9, 18), (9, 18), (14, 23))]}


def random_agent(rng: random.Random, name: str, kind: str | None = None, shift: tuple[int, int] = (8, 24)) -> AgentPlan:
    """An honest agent of the given kind (or a random one: mostly ordinary, some fast, quick-phrase or slow)."""
    kind = kind or rng.choices(list(AGENT_KINDS), [2, 2, 5, 2])[0]
    med, spread, slow, slow_med, slow_spread, cpm, quick = AGENT_KINDS[kind](rng)
    return AgentPlan(name, round(med, 1), spread, round(slow, 3), round(slow_med), slow_spread, round(cpm), round(quick, 2), shift,
                     rng.choice([2, 4, 4, 6]))


def random_shop(rng: random.Random, shop_id: str, platform: str = "taobao", buyers: tuple[float, float] = (60, 250),
                n_agents: int | None = None, kinds: Sequence[str | None] | None = None) -> ShopPlan:
    """A clean shop: 1-4 agents of random kinds on shifts covering the day, a robot in the platform's style."""
    bpd = round(rng.uniform(*buyers))
    n = n_agents or max(1, min(4, round(bpd / 60 + rng.uniform(-.5, .5))))
    shifts = rng.choice(SHIFTS[min(n, 3)]) + ((8, 24),) * max(0, n - 3)
    agents = tuple(random_agent(rng, f"kf{i + 1:02d}", (kinds[i] if kinds and i < len(kinds) else None), shifts[i]) for i in range(n))
    robot = rng.choice(["none", "greeting", "greeting"]) if platform == "taobao" else rng.choice(["answers", "answers", "none"])
    return ShopPlan(shop_id, agents, bpd, robot, round(rng.uniform(.5, .85), 2), round(rng.uniform(.005, .04), 3),
                    rng.choice([0.0, .03, .05]))


def random_shops(seed: int | str, n: int, platform: str = "taobao", prefix: str = "shop", **kw: object) -> list[ShopPlan]:
    rng = _Rng(f"{seed}/plans/{prefix}")
    return [random_shop(rng, f"{prefix}{i + 1:02d}", platform, **kw) for i in range(n)]  # type: ignore[arg-type]


# --- the simulation -------------------------------------------------------------------------


def ring_accounts(seed: int | str, ring: str = "ring1") -> list[str]:
    """The buyer ids of a fake_chat ring in a run with this seed (they look like any other buyer id)."""
    return [f"u{n:08d}" for n in _Rng(f"{seed}/ring/{ring}").sample(range(10**8), RING_SIZE)]


class _World:
    """What every shop of a run shares: the calendar, the market of shoppers, the rings."""

    def __init__(self, seed: int | str, start: date, days: int) -> None:
        self.seed, self.start, self.days = seed, start, days
        rng = _Rng(f"{seed}/market")
        self.market = [f"u{n:08d}" for n in rng.sample(range(10**8), MARKET_SIZE)]
        self.prefix = [(start + timedelta(days=d)).isoformat() + "T" for d in range(days + 2)]
        self.rings: dict[str, list[str]] = {}

    def ring(self, name: str) -> list[str]:
        if name not in self.rings:
            self.rings[name] = ring_accounts(self.seed, name)
        return self.rings[name]

    def ts(self, t: int) -> str:
        d, ms = divmod(t, DAY)
        s, frac = divmod(ms, SEC)
        h, s = divmod(s, 3600)
        m, s = divmod(s, 60)
        return f"{self.prefix[d]}{h:02d}:{m:02d}:{s:02d}{f'.{frac:03d}' if frac else ''}+08:00"


class _Shop:
    def __init__(self, world: _World, plan: ShopPlan) -> None:
        self.w, self.p = world, plan
        self.rng = _Rng(f"{world.seed}/shop/{plan.shop_id}")
        self.irng = _Rng(f"{world.seed}/inject/{plan.shop_id}")
        self.out: list[tuple] = []  # (t, side, buyer, role, sender, kind, text)
        self.customers: list[str] = []
        s = plan.inject
        self.s_delay, self.s_close, self.s_bot = s.get("delayed_reply", 0.0), s.get("close_reopen", 0.0), s.get("bot_as_human", 0.0)
        self.s_fake = s.get("fake_chat", 0.0)
        self.target = plan.target
        rng = self.rng
        self.quick = tuple(rng.sample(QUICK, 8))
        days = world.days
        self.off = {a.name: set(rng.sample(range(days), min(days - 1, round(a.days_off * days / 30)))) if len(plan.agents) > 1 else set()
                    for a in plan.agents}
        # fake days (the ring's visits) are bad days; other bad days come at random
        self.fake_days = set(self.irng.sample(range(1, days), min(FAKE_DAYS, days - 1))) if self.s_fake > 0 else set()
        self.bad_days = {d for d in range(days) if rng.random() < plan.bad_day_share} | self.fake_days

    # -- helpers
    def emit(self, t: float, buyer: str, role: str, text: str | None, sender: str | None = None, kind: str = "message") -> int:
        t = int(t)
        self.out.append((t, 0 if role == "buyer" else 1, buyer, role, sender, kind, text))
        return t

    def on_duty(self, day: int, hour: int) -> list[AgentPlan]:
        return [a for a in self.p.agents if a.shift[0] <= hour < a.shift[1] and day not in self.off[a.name]]

    def first_shift(self, day: int) -> tuple[AgentPlan, int] | None:
        here = [a for a in self.p.agents if day not in self.off[a.name]] or list(self.p.agents)
        a = min(here, key=lambda a: a.shift[0])
        return a, a.shift[0]

    def last_end(self, day: int) -> int:
        here = [a for a in self.p.agents if day not in self.off[a.name]] or list(self.p.agents)
        return max(a.shift[1] for a in here)

    def reply(self, a: AgentPlan, load: float, topic: tuple | None = None) -> tuple[float, str]:
        """Seconds a person takes to answer once the question is in (reading, thinking, typing), and the text.

        Each delay is a floor plus a lognormal, so it has no spike at the floor: a person's times are spread.
        """
        rng = self.rng
        if rng.random() < min(.6, a.slow_share * load):  # away or juggling: a smooth tail from 2 minutes to hours
            return 120 + rng.lognormvariate(math.log(max(60.0, a.slow_median_s * load ** .5 - 120)), a.slow_spread), self.answer(topic)
        if rng.random() < a.quick_share:  # a quick-reply phrase: read, find it, click
            return 2.0 + rng.lognormvariate(math.log(max(2.0, a.median_s * .45 - 2) * load), .55), rng.choice(self.quick)
        text = self.answer(topic)
        think = 1.5 + rng.lognormvariate(math.log(max(1.0, a.median_s - 1.5) * load), a.spread)
        return think + len(text) * 60 / a.cpm * rng.uniform(.8, 1.3), text

    def answer(self, topic: tuple | None = None) -> str:
        """A person's own words: a prefix, an answer on the topic with its details filled in, a particle."""
        rng = self.rng
        return rng.choice(PREFIX) + _fill(rng, rng.choice((topic or rng.choice(TOPICS))[1])) + rng.choice(SUFFIX)

    # -- a day
    def run(self) -> list[tuple]:
        p, rng, w = self.p, self.rng, self.w
        spam = [f"u{n:08d}" for n in _Rng(f"{w.seed}/spam").sample(range(10**8), 20)]
        for day in range(w.days):
            wd = WEEKDAY[(w.start + timedelta(days=day)).weekday()]
            r = rng.random()
            vol = rng.uniform(1.8, 3.0) if r < .07 else rng.uniform(.4, .7) if r < .17 else rng.uniform(.85, 1.15)
            n = max(1, round(p.buyers_per_day * wd * vol + rng.gauss(0, 3)))
            load = max(1.0, vol ** .8)
            bad = day in self.bad_days
            short = rng.uniform(.3, .5)  # the unanswered share on a bad day
            unans = short if bad else min(.6, p.unanswered * load)
            if bad:
                load *= 1.5
            seen: set[str] = set()
            for _ in range(n):
                u = rng.random()
                if u < .25 and self.customers:
                    buyer, repeat = rng.choice(self.customers), True
                elif u < .35:
                    buyer, repeat = rng.choice(w.market), False
                else:
                    buyer, repeat = f"u{rng.randrange(10**8):08d}", False
                if buyer in seen:
                    continue
                seen.add(buyer)
                if not repeat:
                    self.customers.append(buyer)
                hour = rng.pick(HOURS, DAYTIME_CUM)
                t0 = day * DAY + hour * HOUR + rng.randrange(3600) * SEC
                self.conversation(buyer, t0, day, repeat, load, unans)
            if day in self.fake_days:
                self.fake_visits(day, len(seen))
            if rng.random() < .6:  # a spam ad from a buyer-side account
                self.emit(day * DAY + rng.randrange(DAY // SEC) * SEC, rng.choice(spam), "buyer", rng.choice(SPAM), kind="ad")
        return self.out

    def conversation(self, buyer: str, t0: int, day: int, repeat: bool, load: float, unans: float) -> None:
        p, rng, irng = self.p, self.rng, self.irng
        end_of_day = (day + 1) * DAY - SEC
        rounds = rng.pick(ONE_TO_FOUR, ROUNDS_CUM) + (rng.random() < .4 if repeat else 0)
        greet_only = not repeat and rng.random() < .07
        if rng.random() < .03:  # came from a product page: a card, not an inquiry
            self.emit(t0 - rng.randint(1, 5) * SEC, buyer, "buyer", rng.choice(CARDS), kind="notice")
        t, last, answered_last = t0, t0, False
        agent: AgentPlan | None = None
        topic = rng.choice(TOPICS)
        for rnd in range(rounds):
            if t > end_of_day:
                break
            answered_last = False
            hour = (t % DAY) // HOUR
            here = self.on_duty(day, hour)
            if agent is None or agent not in here or rng.random() < .1:
                agent = rng.choice(here) if here else None
            # injection draws: always taken, so the clean flow does not depend on the strengths
            # injection draws, taken for every round of the target agent whatever the strengths
            target = agent is not None and agent.name == self.target
            if target:
                u_pat, hold_s, close_s, late_s, bot_s = irng.random(), irng.uniform(1805, 1890), irng.uniform(2, 20), irng.uniform(120, 1200), irng.uniform(1.0, 2.0)
                bot_text = irng.choice(BOT_AS_AGENT)
            else:
                u_pat = 1.0
            as_bot = u_pat < self.s_bot
            # the buyer's messages (drawn in full whatever is injected, so the clean flow stays the same)
            k_drawn = rng.pick(ONE_TO_FOUR, ASKS_CUM)
            times, texts, bt = [], [], t
            for i in range(k_drawn):
                bt += rng.randint(4, 45) * SEC if i else 0
                times.append(bt)
                if greet_only or (i == 0 and rnd == 0 and rng.random() < .3):
                    texts.append(rng.choice(GREET))
                elif i < 2:
                    texts.append(_fill(rng, rng.choice(topic[0])))
                else:
                    texts.append(rng.choice(FOLLOW))
            if greet_only or as_bot:
                del times[1:], texts[1:]
            # robots (role bot)
            robot_at = None
            if rnd == 0 and p.robot == "greeting":
                robot_at, robot_text = t + rng.uniform(.5, 2.5) * SEC, rng.choice(ROBOT_GREETING)
            elif rnd == 0 and p.robot == "answers" and rng.random() < p.robot_share:
                robot_at, robot_text = t + rng.uniform(1, 5) * SEC, rng.choice(ROBOT_ANSWERS)
            if agent is None and p.robot != "none" and robot_at is None:
                robot_at, robot_text = t + rng.uniform(1, 3) * SEC, ROBOT_NIGHT
            # the person's reply: when (seconds from the round's first message) and what
            lat: float | None = None
            text = None
            if agent is not None:
                lat_s, text = self.reply(agent, load * (1.3 if hour >= 21 else 1.2 if hour < 9 else 1.0), topic)
                lat = (times[min(1, len(times) - 1)] - t) / SEC + lat_s  # read up to the buyer's second message
                if rng.random() < unans:
                    lat = None
            late = self.late_leftover(day, t) if agent is not None else None
            if late:
                lat = None
            for i in range(len(times)):
                if lat is None or as_bot or times[i] <= t + lat * SEC:
                    self.emit(times[i], buyer, "buyer", texts[i])
            last = max(last, times[-1])
            if robot_at is not None:
                self.emit(robot_at, buyer, "bot", robot_text, f"{p.shop_id}:robot")
            if greet_only and robot_at is not None and p.robot == "answers":
                break  # the robot said hello; the buyer asked nothing more
            if agent is None or late:
                self.after_hours(buyer, day, t, late)
                break
            # honest habits around the reply, drawn every time
            u_nudge, nudge_s, nudge_text = rng.random(), rng.uniform(120, 600), rng.choice(NUDGE)
            u_close, close1_s, reopen_s, undo_s = rng.random(), rng.uniform(20, 60), rng.uniform(30, 600), rng.uniform(5, 45)
            u_gone, gone_s = rng.random(), rng.uniform(600, 3600)
            # injected patterns of the target agent
            closed_first = False
            if as_bot:
                lat, text = bot_s, bot_text
            elif target and lat is not None:
                if u_pat < self.s_close:  # closed at once, answered later without the buyer writing again
                    closed_first = True
                    c = self.emit(times[-1] + close_s * SEC, buyer, "agent", None, p.sender(agent.name), "close")
                    lat = max(lat, (c - t) / SEC + late_s)
                elif u_pat < self.s_delay and HOLD_FROM_S <= lat <= CUT_S:  # held until just past the cut
                    lat = hold_s
            if lat is None:  # unanswered: a nudge, sometimes a close, and the buyer is gone
                if u_nudge < .3:
                    self.emit(last + nudge_s * SEC, buyer, "buyer", nudge_text)
                if u_gone < .15:
                    self.emit(last + gone_s * SEC, buyer, "agent", None, p.sender(agent.name), "close")
                break
            reply_at = t + lat * SEC
            if not closed_first and not as_bot:
                if lat > 240 and u_nudge < .35 and times[-1] + nudge_s * SEC < reply_at - 5 * SEC:  # kept waiting: the buyer nudges
                    self.emit(times[-1] + nudge_s * SEC, buyer, "buyer", nudge_text)
                if u_close < .005 and reply_at - times[-1] > 200 * SEC:  # closed while waiting; the buyer writes again first
                    c = times[-1] + close1_s * SEC
                    self.emit(c, buyer, "agent", None, p.sender(agent.name), "close")
                    self.emit(min(c + reopen_s * SEC, reply_at - 30 * SEC), buyer, "buyer", nudge_text)
                elif .005 <= u_close < .009:  # closed by mistake and answered within a minute
                    reply_at = max(reply_at, times[-1] + 8 * SEC)
                    self.emit(max(reply_at - undo_s * SEC, times[-1] + SEC), buyer, "agent", None, p.sender(agent.name), "close")
            last = self.emit(reply_at, buyer, "agent", text, p.sender(agent.name))
            answered_last = True
            u_extra, extra = rng.random(), (rng.choice(ACK) if rng.random() < .5 else self.answer(topic))
            if greet_only:
                break
            if not as_bot and u_extra < .35:  # a second message: an ack or a detail
                last = self.emit(last + (rng.uniform(2, 6) + len(extra) * 60 / agent.cpm) * SEC, buyer, "agent", extra, p.sender(agent.name))
            # the buyer's next round: reading and typing, or much later
            t = last + (rng.lognormvariate(math.log(60), .8) if rng.random() < .85 else rng.uniform(1800, 4 * 3600)) * SEC
            if rng.random() < .3:
                topic = rng.choice(TOPICS)
        if answered_last and rng.random() < .15:  # closed after the last reply: normal
            c = self.emit(last + rng.uniform(30, 600) * SEC, buyer, "agent", None, p.sender(agent.name), "close")
            if rng.random() < .25 and c < end_of_day - 3 * HOUR:  # the buyer comes back later with a new question
                t = c + rng.uniform(600, 3 * 3600) * SEC
                here = self.on_duty(day, (t % DAY) // HOUR)
                if here:
                    a = rng.choice(here)
                    self.emit(t, buyer, "buyer", _fill(rng, rng.choice(rng.choice(TOPICS)[0])))
                    lat_s, text = self.reply(a, load)
                    self.emit(t + lat_s * SEC, buyer, "agent", text, p.sender(a.name))
        if rng.random() < .04:
            self.emit(last + rng.randint(60, 3600) * SEC, buyer, "system", rng.choice(NOTICES), kind="notice")

    def late_leftover(self, day: int, t: int) -> bool | None:
        """A question in the last 15 minutes of the day's last shift may be left for the next morning."""
        end = self.last_end(day)
        if end < 24 and end * HOUR - 15 * MIN <= t % DAY < end * HOUR and self.rng.random() < .5:
            return True
        return None

    def after_hours(self, buyer: str, day: int, t: int, late: bool | None) -> None:
        """No one on shift (or the question left at the end of it): answered when a shift starts, or never."""
        rng, p = self.rng, self.p
        tod = t % DAY
        first = self.first_shift(day)
        if first is not None and tod < first[1] * HOUR:  # early morning: answered when the shift starts
            a, start = first
            if rng.random() < .85:
                self.emit(day * DAY + start * HOUR + rng.uniform(60, 2400) * SEC, buyer, "agent", self.answer(), p.sender(a.name))
            return
        if late and rng.random() < p.night_close:  # closed when the agent leaves
            end = self.last_end(day)
            here = self.on_duty(day, end - 1) or list(p.agents)
            self.emit(day * DAY + end * HOUR - rng.uniform(10, 300) * SEC, buyer, "agent", None, p.sender(rng.choice(here).name), "close")
        if day + 1 < self.w.days and rng.random() < .6:  # answered the next morning: too late for that day
            nxt = self.first_shift(day + 1)
            if nxt is not None:
                a, start = nxt
                self.emit((day + 1) * DAY + start * HOUR + rng.uniform(60, 2400) * SEC, buyer, "agent", NIGHT_FOLLOW + self.answer(),
                          p.sender(a.name))

    def fake_visits(self, day: int, honest: int) -> None:
        """The ring's friendly accounts on a fake day: one trivial message each, answered at once."""
        irng, p = self.irng, self.p
        ring = self.w.ring(p.ring)
        n = min(len(ring), max(1, round(self.s_fake * FAKE_SHARE * honest)))
        here = [a for a in p.agents if day not in self.off[a.name]] or list(p.agents)
        start, end = min(a.shift[0] for a in here), max(a.shift[1] for a in here)
        centre = irng.uniform(start + 1, end - 2)  # bunched around one part of the day
        for buyer in irng.sample(ring, n):
            hour = min(end - .1, max(start, irng.gauss(centre, 1.5)))
            t = day * DAY + int(hour * HOUR) + irng.randrange(60) * SEC
            self.emit(t, buyer, "buyer", irng.choice(TRIVIAL))
            if p.robot == "answers" and irng.random() < .3:
                self.emit(t + irng.uniform(1, 3) * SEC, buyer, "bot", irng.choice(ROBOT_ANSWERS), f"{p.shop_id}:robot")
            else:
                on = [a for a in here if a.shift[0] <= int(hour) < a.shift[1]] or here
                self.emit(t + irng.uniform(2, 12) * SEC, buyer, "agent", irng.choice(RING_ANSWER), p.sender(irng.choice(on).name))


def simulate(seed: int | str, shops: Sequence[ShopPlan], start: date = date(2026, 3, 1), days: int = 30) -> list[dict]:
    """Chat records of ``shops`` over ``days`` local days from ``start`` (Asia/Shanghai), sorted by shop and time.

    Nothing falls after the last day, so an audit's default as-of is ``start + days - 1``.
    """
    if days < 2:
        raise ValueError("days must be at least 2")
    if len({s.shop_id for s in shops}) != len(shops):
        raise ValueError("shop ids must be unique")
    world = _World(seed, start, days)
    limit = days * DAY
    out: list[dict] = []
    for plan in shops:
        rows = [r for r in _Shop(world, plan).run() if 0 <= r[0] < limit]
        rows.sort(key=lambda r: (r[0], r[1]))
        sid = plan.shop_id
        for i, (t, _side, buyer, role, sender, kind, text) in enumerate(rows, 1):
            rec = {"shop_id": sid, "buyer_id": buyer, "role": role, "ts": world.ts(t)}
            if sender is not None:
                rec["sender_id"] = sender
            if kind != "message":
                rec["kind"] = kind
            if text is not None:
                rec["text"] = text
            rec["msg_id"] = f"{sid}-{i:07d}"
            out.append(rec)
    return out


def write_jsonl(records: Iterable[dict], path: str | Path) -> Path:
    """Write records as JSON Lines (UTF-8, one object per line); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")))
            f.write("\n")
    return path


def inject(plan: ShopPlan, pattern: str, strength: float = DEFAULT_STRENGTH, agent: str | None = None, ring: str | None = None) -> ShopPlan:
    """The same shop with one more pattern injected."""
    return replace(plan, inject={**plan.inject, pattern: strength}, inject_agent=agent or plan.inject_agent, ring=ring or plan.ring)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Write seeded synthetic chat records (JSON Lines) for trying the gaming detectors.")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--shops", type=int, default=5, help="clean shops")
    ap.add_argument("--platform", choices=["taobao", "pinduoduo"], default="taobao")
    ap.add_argument("--start", type=date.fromisoformat, default=date(2026, 3, 1))
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--inject", action="append", default=[], metavar="PATTERN=STRENGTH",
                    help="inject a pattern into the first shop (fake_chat: the first two shops); repeatable")
    ap.add_argument("--output", type=Path, default=Path("out/simulated.jsonl"))
    args = ap.parse_args(argv)
    plans = random_shops(args.seed, args.shops, args.platform)
    for item in args.inject:
        name, _, s = item.partition("=")
        strength = float(s) if s else DEFAULT_STRENGTH
        for i in range(2 if name == "fake_chat" else 1):
            plans[i] = inject(plans[i], name, strength)
    records = simulate(args.seed, plans, args.start, args.days)
    write_jsonl(records, args.output)
    print(f"{args.output}: {len(records)} records, {len(plans)} shops")


if __name__ == "__main__":
    main()
