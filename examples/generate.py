#!/usr/bin/env python3
"""Generate the example data sets that ``make demo`` audits.

Run ``python examples/generate.py``: it deletes and rewrites ``examples/data/``
and ``examples/shops.yaml`` (the Taobao part), then ``examples/pdd/``,
``examples/pdd-shops.csv`` and ``examples/pdd-peers.csv`` (the Pinduoduo part).
The output is byte-identical on every run (one seeded ``random.Random`` per
part, 20261101 and 20261102, so that a change to one part never moves the
other; no wall clock, nothing that depends on the hash seed); only the
standard library and pyarrow (for the Parquet file) are used.

Taobao part
-----------

What it is: one month (2026-10-01 .. 2026-10-31, Asia/Shanghai) of synthetic
Taobao-style customer-service chats of six shops, in the input format of
CONTRACT.md section 1. The audit's default as-of is 2026-10-31, so its period
is 10-02 .. 10-31 and the few chats of 10-01 are excluded as ``out_of_period``.

The shops (expected character under the ``taobao`` pack, service hours 08-24):

  tb_fast   3 agents, replies in 3-50 s, hardly any slow or unanswered rounds.
            Meets the targets (first response <= 20 s, average <= 30 s) and has
            a 3-minute response rate near 100 %. Exported twice: the second file
            (tb_fast_export2.jsonl) overlaps the first on 10-31 09:00-14:00, so
            those records are duplicates (one re-written in UTC, one with an
            edited text). Has a few agent-side ``ad`` broadcasts and two
            test chats from the shop's own accounts (same_shop).
  tb_slow   2 agents on shift 09-23: first replies take 15-300 s, some rounds
            wait over 30 minutes, a few are held just past the 30-minute cut
            (delayed_reply), some are closed before any reply and answered
            later (close_reopen), some are never answered. Both targets fail;
            the 3-minute rate is poor. Contains a few identical repeated lines.
  tb_bot    4 agents behind a robot: the bot answers most first messages within
            a second, but on Taobao a bot message is not a valid reply, so the
            round waits for a human, often more than 3 minutes; some rounds get
            only the bot. Both targets fail. Stored as Parquet (string columns).
  tb_night  2 agents on 08-24 and a night auto-reply: many inquiries come
            between 00:00 and 08:00 (outside the service hours, so left out of
            the hours-bound metrics) and are answered after 08:00; a few start
            exactly at 07:59:59, 08:00:00, 23:59:59 and 00:00:00. A reply that
            crosses midnight leaves its round unanswered. ``kind`` is omitted
            for plain messages in this file (the default is ``message``).
  tb_small  1 agent, 2-3 chats a day, replies in 10-240 s; misses the targets.
            Stored as CSV (RFC 4180 quoting: texts with commas, quotes and
            embedded newlines) with mostly naive timestamps.
  tb_auto   2 agents on 09-23 and a robot passed off as a person: it sends as
            the sub-account tb_auto:xiaozhi with role ``agent`` (not ``bot``),
            one of 3 stock texts 1-2 s after the buyer, to 90 % of first
            messages and some later ones, at any hour. Its messages count as
            valid replies, so the shop meets both targets (3-minute rate
            ~0.94); the bot_as_human detector flags tb_auto:xiaozhi. Generated
            last, from the same seeded stream, so adding it left the five shops
            above byte-identical.

Gaming flags expected: tb_slow delayed_reply and close_reopen (the shop and
both agents), tb_auto:xiaozhi bot_as_human; no other shop is flagged.

Also scattered over the files: platform notices (role ``system``), spam ``ad``s
and product-card ``notice``s from buyer-side accounts, agent replies without a
``sender_id``, timestamps with ``+08:00``, ``Z``, no offset and fractional
seconds, lines shuffled a little (files are not time-sorted), one blank line,
and eight deliberately malformed records (see BAD below), one per problem, so
the demo shows rejections with file and line. Their positions are printed at
the end of a run.

Pinduoduo part
--------------
The same month (10-01 .. 10-31, as-of 10-31, period 10-02 .. 10-31) for five
shops, audited with

    auditor audit examples/pdd --policy pinduoduo \
        --shops examples/pdd-shops.csv --peers examples/pdd-peers.csv

The pack counts, per shop and local day, the inquiring buyers and the share of
them who got a reply (a person's or a robot's) the same day. The generator
fixes that share exactly: each day it picks N buyers and gives a reply to
round(N * share) of them (to the first round; a later round may go
unanswered, which does not matter), and none to the others that day. The
side inputs sit beside the directory, not in it, because a directory is
walked for chat files (a .csv in it would be read as chats).

  pdd_fresh    fruit. A robot answers within 1-5 s at any hour, a person takes
               over some chats; ~34 buyers a day, 93-97 % answered (the rest
               get no reply that day). Always
               above its peers: no finding, eligible. Two of its records are
               exported twice (the copy spells the instant in UTC: duplicates)
               and its test account ``pdd_fresh:ceshi`` chats with it
               (same_shop).
  pdd_orchard  fruit, people only (08-23). Ordinary days: ~30 buyers, 89-94 %
               answered. Bad days:
                 10-08  128 buyers, 45 answered (35.2 %): activity_floor + daily_fine
                 10-13  100 buyers, 45 answered (45.0 %): activity_floor only
                        (100 is not more than 100)
                 10-20  156 buyers, 47 answered (30.1 %): activity_floor + daily_fine
                 10-25  142 buyers, 78 answered (54.9 %): busy but not below 50 %:
                        no finding (below its peers, but for one day only)
                 10-31   40 buyers, 16 answered (40.0 %): activity_floor; the as-of
                        day, so the shop may not sign up for activities
               Fines: 2 x 1000 = 2000 CNY.
  pdd_home     home, people only. Ordinary days 92-97 % answered, above the
               home peers (0.85-0.88); on its dips 76-82 % (above 50 %, below
               the peers):
                 10-09 10-10 | 10-11 | 10-12 10-13   would be a 5-day run, but
                        pdd-peers.csv has no home line for 10-11: a day with a
                        figure and no peer level breaks it (two 2-day runs, no
                        finding; 10-11 is listed in not_evaluated)
                 10-18 .. 10-21   4 days: one below_peers warning (downrank)
                 10-26 10-27      2 days: no finding
               Eligible on 10-31.
  pdd_gadget   digital, one person (09-22), ~14 buyers a day, 88-96 %
               answered: the others ask after 22:00 and are answered the next
               morning, which is too late for the day they asked. Its main
               account ``pdd_gadget`` sends a test message (same_shop); three
               lines are repeated verbatim (duplicates). No finding, eligible.
  The fake_chat ring: 15 friendly accounts (PDD_RING, ids outside every
  pool of real buyers) send one trivial message each ("在吗", "1", ...) in the
  evening, answered by an agent within 2-10 s: all 15 at pdd_orchard on 10-25
  (so 63 of the 127 real buyers, 49.6 %, become 78 of 142, 54.9 %: the ring
  keeps the shop above the floor and clear of the fine) and 8 + 7 at pdd_home
  on 10-26 and 10-27. They count among those days' buyers and answered
  buyers, so every figure above stays as stated. Both shops get a fake_chat
  flag; no other shop does.
  pdd_new      a robot shop missing from pdd-shops.csv, stored as CSV with
               naive timestamps: noted in ``inputs.notes``, audited with no
               category, so below_peers is not evaluated for it
               (``not_evaluated``); the threshold rules still apply (none
               fires; eligible). One row has ``ts`` 2026-10-15 25:10:00
               (rejected as bad_ts, line 201).

Also: platform notices (role ``system``), product cards (buyer ``notice``) and
spam ``ad``s from buyer-side accounts, ``close`` events, a few timestamps with
``Z`` and fractional seconds, lines shuffled a little, and the 10-01 chats
(out_of_period). pdd-peers.csv gives date,category,reply_rate for digital
(0.74-0.80), fruit (0.80-0.84) and home (0.85-0.88) on every day but home on
10-11; pdd-shops.csv gives shop_id,platform,category,accounts (accounts
separated by ``;``) for every shop but pdd_new.

Expected result: exit 1; 4 activity_floor errors and 2 daily_fine errors
(pdd_orchard, 2000 CNY), 1 below_peers warning (pdd_home 10-18 .. 10-21);
fake_chat flags (warnings) for pdd_orchard and pdd_home; not_evaluated:
below_peers for pdd_home (10-11) and pdd_new; eligible for activities on
10-31: every shop but pdd_orchard.
"""
from __future__ import annotations

import csv
import io
import json
import random
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
FIELDS = ["shop_id", "buyer_id", "role", "ts", "sender_id", "kind", "text", "msg_id"]
DAY0 = datetime(2026, 10, 1)  # local midnight, Asia/Shanghai; times are ms after it
DAYS, SEC, HOUR, DAY = 31, 1000, 3_600_000, 86_400_000
END = DAYS * DAY - SEC  # nothing after 2026-10-31 23:59:59 local (as-of stays 10-31)

# tb_auto's robot, which sends as the sub-account tb_auto:xiaozhi with role agent (bot_as_human)
BOT_AS_AGENT = ["亲，您好，欢迎光临本店，请问有什么可以帮您的吗？", "亲，您的问题已收到，这边为您查询一下，请稍等哦~",
                "亲，本店商品均为现货，下单后24小时内发货，请放心购买~"]

# Per shop: category, agents (sub-account names), chats per day, buyer pool size,
# hour-of-day weights, staffed hours, reply latency ranges (s) of first and later
# rounds, and the odds that a round is unanswered / waits > 30 min / is held just
# past 30 min / is slow (181-900 s) / is closed before a late reply / that a bot
# answers a first message. ``test``: own accounts that chat with the shop. The bot sends
# as ``bot_role`` (``agent`` for tb_auto: a robot passed off as a person) from the sub-account
# ``bot_name``, ``bot_ms`` after the buyer, one of ``bot_texts``.
DAYTIME = [2, 1, 1, .5, .5, .5, 1, 2, 4, 7, 9, 9, 7, 6, 8, 9, 8, 7, 6, 7, 9, 10, 9, 5]
NIGHTLY = [9, 8, 7, 6, 5, 6, 7, 9, 7, 6, 6, 6, 5, 5, 5, 5, 5, 5, 5, 6, 7, 8, 9, 9]


def profile(category, agents, per_day, pool, first, later, **odds):
    base = dict(hours=DAYTIME, staffed=(8, 24), unans=0, long=0, held=0, slow=0, close=0,
                bot=0, robot=False, test=[], bot_role="bot", bot_name="dianxiaomi", bot_ms=(300, 2500),
                bot_texts=None)
    return {**base, **odds, "category": category, "agents": agents, "per_day": per_day,
            "pool": pool, "first": first, "later": later}


SHOPS = {
    "tb_fast": profile("apparel", ["xiaomei", "ajie", "lingling"], 55, 1300, (3, 20), (5, 50),
                       unans=.003, slow=.01, test=["tb_fast:ceshi", "tb_fast"]),
    "tb_slow": profile("home_textiles", ["laowang", "xiaoli"], 42, 1000, (15, 300), (10, 240),
                       staffed=(9, 23), unans=.04, long=.04, held=.04, slow=.06, close=.05),
    "tb_bot": profile("apparel", ["kefu01", "kefu02", "kefu03", "kefu04"], 42, 1100, (40, 700),
                      (20, 400), staffed=(9, 24), unans=.08, long=.02, slow=.05, bot=.85,
                      robot=True, test=["tb_bot"]),
    "tb_night": profile("sleepwear", ["yezi", "azhe"], 36, 900, (3, 20), (5, 45), hours=NIGHTLY,
                        unans=.01, long=.005, slow=.01, robot=True, test=["tb_night:yezi"]),
    "tb_small": profile("knitwear", ["laoban"], 2.5, 45, (10, 240), (10, 200),
                        staffed=(9, 22), unans=.05, long=.02, slow=.05),
    # Last, so that the five shops above draw exactly what they drew before it was added.
    "tb_auto": profile("apparel", ["xiaoyu", "dabao"], 14, 350, (8, 40), (5, 40), staffed=(9, 23),
                       unans=.01, slow=.01, bot=.9, bot_role="agent", bot_name="xiaozhi",
                       bot_ms=(1000, 2000), bot_texts=BOT_AS_AGENT),
}

GREET = ["在吗", "你好", "亲，在吗？", "老板在吗", "hello", "有人吗"]
TOPICS = {
    "size": (["我身高165体重110斤穿什么码", "这件偏大还是偏小", "平时穿M，这款拍哪个码", "尺码表在哪里看"],
             ["亲，按您的身高体重建议拍M码哦", "这款是标准码，平时穿什么码就拍什么码~",
              "亲，尺码参考：\nS 155-160cm\nM 160-165cm\nL 165-170cm", "偏小一码，建议拍大一码哈"]),
    "ship": (["今天下单什么时候发货", "发什么快递", "能发顺丰吗, 加钱也行", "我的快递怎么还没到"],
             ["亲，下午4点前付款当天发货哦", "默认中通/圆通，顺丰需要补差价12元",
              "帮您查了，包裹已到当地网点，今天会派送"]),
    "deal": (["有优惠券吗", "两件能便宜点吗", "双11价格是多少", "满减怎么算"],
             ["亲，店铺首页可以领10元无门槛券哦", "两件9折，下单自动减", "双11当天可叠加跨店满300减50"]),
    "stock": (["这个颜色还有货吗", "什么时候补货", "L码没了吗", "这个\"爆款\"还有吗"],
              ["有货的亲，可以直接拍", "这个颜色预计10天后补货，可以先收藏", "L码刚补了一批，现在可以拍"]),
    "return": (["收到了不合适能退吗", "退货运费谁出", "申请退款了麻烦处理下"],
               ["支持7天无理由退换，有运费险的哦", "有运费险会自动理赔，退回来时不要用到付", "已经帮您同意退款了，请留意"]),
    "quality": (["是纯棉的吗", "会不会起球", "洗了会不会掉色"],
                ["面料是95%棉, 5%氨纶，手感很好", "正常穿着不会起球，建议翻面洗", "第一次洗会有轻微浮色，属于正常现象"]),
}
FOLLOW = ["好的", "谢谢", "那我拍了", "能快点发吗", "还有别的颜色吗", "？", "在吗在吗", "好的, 谢谢"]
THANKS = ["不客气，有问题随时找我哦~", "好的亲，已为您备注", "感谢亲的支持，祝您购物愉快"]
BOT = ["您好，欢迎光临，客服稍后为您服务", "亲，您的消息已收到，人工客服正在赶来~",
       "【自动回复】欢迎光临本店，常见问题请点击下方菜单"]
BOT_NIGHT = "【自动回复】客服已下班，服务时间08:00-24:00，请留言，上班后第一时间回复"
NOTICES = ["买家已付款，请尽快发货", "订单已发货", "买家申请退款", "交易成功"]
CARDS = ["[商品卡片] 对方正在浏览：纯棉短袖T恤", "[订单卡片] 对方发来一个订单"]
SPAM = ["兼职刷单，日结300，加V: abc12345", "低价代运营，提升店铺权重，详聊Q 88886666",
        "【广告】淘宝店铺流量推广，包上首页"]
AGENT_AD = "【双11预售】全店满300减40，点击领券 >>"


def fmt_ts(ms: int, style: str) -> str:
    """ms after DAY0 (local) -> ISO 8601 text: '+08:00' (default), 'Z' or naive."""
    local = DAY0 + timedelta(milliseconds=ms)
    frac = f".{ms % SEC:03d}" if ms % SEC else ""
    if style == "utc":
        return (local - timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S") + frac + "Z"
    if style == "naive":
        return local.strftime("%Y-%m-%d %H:%M:%S") + frac
    return local.strftime("%Y-%m-%dT%H:%M:%S") + frac + "+08:00"


def latency(rng: random.Random, p: dict, t: int, first: bool) -> float | None:
    """Seconds until the first human reply to a round opened at t, or None."""
    hour, (opens, closes) = (t % DAY) / HOUR, p["staffed"]
    if hour < opens:  # nobody on shift yet: answered when the shift starts
        return opens * 3600 - (t % DAY) / SEC + rng.uniform(30, 1500)
    if hour >= closes:  # left until tomorrow: unanswered
        return None
    r = rng.random()
    for name, lo, hi in (("unans", 0, 0), ("long", 1900, 7200), ("held", 1801, 1870),
                         ("slow", 181, 900)):
        if r < p[name]:
            return None if name == "unans" else rng.uniform(lo, hi)
        r -= p[name]
    lo, hi = p["first"] if first else p["later"]
    return rng.uniform(lo, hi)


def rec(shop, buyer, role, t, text, sender=None, kind="message") -> dict:
    return dict(shop_id=shop, buyer_id=buyer, role=role, t=int(t), sender_id=sender, kind=kind,
                text=text)


def conversation(rng: random.Random, shop: str, p: dict, buyer: str, start: int) -> list[dict]:
    """One buyer's chat with the shop on one local day: 1-3 rounds."""
    recs: list[dict] = []
    day_end = (start // DAY + 1) * DAY - SEC

    def add(role, t, text, sender=None, kind="message"):
        if role in ("buyer", "agent") and rng.random() < .03:
            t += rng.choice([120, 250, 500, 750])  # a few with fractional seconds
        if t <= END:
            recs.append(rec(shop, buyer, role, t, text, sender, kind))
        return t

    agent, bot = rng.choice(p["agents"]), f"{shop}:dianxiaomi"
    t = last = start
    reply = None
    if rng.random() < .03:  # the buyer came from a product page: a card, not an inquiry
        add("buyer", t - rng.randint(1, 5) * SEC, rng.choice(CARDS), kind="notice")
    for rnd in range(rng.choice([1, 1, 1, 2, 2, 3])):
        if t > day_end:
            break
        if rnd and rng.random() < .1:
            agent = rng.choice(p["agents"])  # session transferred to a colleague
        questions, answers = TOPICS[rng.choice(list(TOPICS))]
        lat = latency(rng, p, t, rnd == 0)
        staffed = (t % DAY) / HOUR >= p["staffed"][0]
        closed_early = lat is not None and staffed and rng.random() < p["close"]
        if closed_early:
            lat = rng.uniform(300, 1500)
        reply = None if lat is None else t + int(lat) * SEC
        bt = t
        for i in range(rng.choices([1, 2, 3, 4], [45, 30, 15, 10])[0]):
            bt += rng.randint(3, 40) * SEC if i else 0
            if bt > day_end or (reply is not None and bt > reply):
                break
            greet = i == 0 and rnd == 0 and rng.random() < .35
            text = rng.choice(GREET if greet else questions if i < 2 else FOLLOW)
            last = add("buyer", bt, text)
        if not staffed and p["robot"] and not p["bot"]:
            add("bot", t + rng.randint(400, 1500), BOT_NIGHT, bot)
        elif p["bot"] and rng.random() < (p["bot"] if rnd == 0 else .3):
            add(p["bot_role"], t + rng.randint(*p["bot_ms"]), rng.choice(p["bot_texts"] or BOT), f"{shop}:{p['bot_name']}")
        if closed_early:
            add("agent", t + rng.randint(2, 20) * SEC, None, f"{shop}:{agent}", "close")
        if reply is None:
            if rng.random() < .3 and last + 300 * SEC < day_end:
                add("buyer", last + rng.randint(120, 300) * SEC, "在吗？？")
            break
        sender = None if rng.random() < .001 else f"{shop}:{agent}"
        last = add("agent", reply, rng.choice(answers), sender)
        for _ in range(rng.choice([0, 0, 1, 2])):
            last = add("agent", last + rng.randint(8, 60) * SEC, rng.choice(answers + THANKS), sender)
        t = last + rng.randint(60, 5400) * SEC
    if reply is not None and rng.random() < .1:  # closed after the last reply: normal
        add("agent", last + rng.randint(30, 300) * SEC, None, f"{shop}:{agent}", "close")
    if recs and rng.random() < .05 and last + 3600 * SEC < day_end:
        add("system", last + rng.randint(60, 3600) * SEC, rng.choice(NOTICES), kind="notice")
    return recs


def shop_records(rng: random.Random, shop: str, p: dict) -> list[dict]:
    pool = [f"b_{n:04d}" for n in sorted(rng.sample(range(1, 4001), p["pool"]))]
    recs: list[dict] = []
    for day in range(DAYS):
        n = p["per_day"] * (0.2 if day == 0 else rng.uniform(0.8, 1.2))  # 10-01: a few
        for buyer in rng.sample(pool, max(1, int(n + rng.random()))):
            t = day * DAY + rng.choices(range(24), p["hours"])[0] * HOUR + rng.randrange(3600) * SEC
            recs += conversation(rng, shop, p, buyer, t)
    if shop == "tb_night":  # inquiries right at the edges of the service hours
        for day, hms in [(9, "07:59:59"), (9, "08:00:00"), (16, "23:59:59"), (17, "00:00:00"),
                         (23, "23:58:30"), (24, "07:59:59"), (24, "08:00:00")]:
            h, m, s = map(int, hms.split(":"))
            recs += conversation(rng, shop, p, rng.choice(pool), day * DAY + (h * 3600 + m * 60 + s) * SEC)
    if shop == "tb_fast":  # a marketing broadcast: agent-side ads answer nothing
        t = 24 * DAY + 20 * HOUR
        for i, buyer in enumerate(rng.sample(pool, 12)):
            recs.append(rec(shop, buyer, "agent", t + i * SEC, AGENT_AD, f"{shop}:xiaomei", "ad"))
    for me in p["test"]:  # the shop's own accounts testing the chat: same_shop
        t = rng.randrange(5, 30) * DAY + rng.randint(10, 20) * HOUR
        recs.append(rec(shop, me, "buyer", t, "测试一下自动回复", me))
        recs.append(rec(shop, me, "agent", t + 4 * SEC, "收到，测试正常", f"{shop}:{p['agents'][0]}"))
    for _ in range(rng.randint(3, 6)):  # spam from buyer-side accounts
        t = rng.randrange(1, DAYS) * DAY + rng.randrange(DAY // SEC) * SEC
        recs.append(rec(shop, f"b_{rng.randint(9001, 9020)}", "buyer", t, rng.choice(SPAM), kind="ad"))
    return recs


def jitter(rng: random.Random, rows: list, window: int = 8) -> list:
    """Shuffle within small blocks: files are roughly, not strictly, in time order."""
    out = []
    for i in range(0, len(rows), window):
        block = rows[i:i + window]
        rng.shuffle(block)
        out += block
    return out


def jsonl_line(r: dict, omit_default_kind: bool = False) -> str:
    obj = {k: r[k] for k in FIELDS if r.get(k) is not None}
    if omit_default_kind and obj.get("kind") == "message":
        del obj["kind"]
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def broken(shop: str, n: int = 1, **change) -> dict:
    """A record with one thing wrong (a field set to None is left out)."""
    r = dict(shop_id=shop, buyer_id="b_0100", role="buyer", ts="2026-10-20T21:00:00+08:00",
             sender_id=None, kind="message", text="在吗", msg_id=f"{shop}-90000{n}")
    r.update(change)
    return {k: v for k, v in r.items() if v is not None}


# The deliberately malformed records: (file, position, problem, record or raw line).
# JSONL positions are physical line numbers; CSV/Parquet ones are data-row numbers.
BAD = [
    ("jsonl/tb_fast.jsonl", "last", "truncated JSON (cut off mid-record, no final newline)",
     '{"shop_id":"tb_fast","buyer_id":"b_0412","role":"buyer","ts":"2026-10-31T13:5'),
    ("jsonl/tb_fast_export2.jsonl", 40, "ts is a number (epoch seconds), not ISO 8601",
     broken("tb_fast", ts=1700000000)),
    ("jsonl/tb_slow.jsonl", 777, "not an object (a JSON array)", "[1,2]"),
    ("jsonl/tb_slow.jsonl", 2026, "ts 2026-10-32 is not a date",
     broken("tb_slow", ts="2026-10-32T10:00:00+08:00", text="什么时候发货")),
    ("jsonl/tb_night.jsonl", 300, "required field ts missing", broken("tb_night", 1, ts=None)),
    ("jsonl/tb_night.jsonl", 1000, "(blank line: not a record, not a rejection)", ""),
    ("jsonl/tb_night.jsonl", 1500, "buyer_id is an empty string", broken("tb_night", 2, buyer_id="")),
    ("csv/tb_small.csv", 400, "role 'seller' is not buyer|agent|bot|system",
     broken("tb_small", role="seller", ts="2026-10-18 15:00:00", text="好的亲")),
    ("parquet/tb_bot.parquet", 5000, "kind 'promo' is not message|ad|notice|close",
     broken("tb_bot", role="agent", sender_id="tb_bot:kefu01", kind="promo", text="新品上架")),
]


def build(rng: random.Random) -> dict[str, list[dict]]:
    """All records, by file (relative to data/), with msg_id and formatted ts."""
    out: dict[str, list[dict]] = {}
    for shop, p in SHOPS.items():
        recs = shop_records(rng, shop, p)
        recs.sort(key=lambda r: (r["t"], r["role"] != "buyer"))  # stable: ties keep creation order
        naive = .7 if shop == "tb_small" else .08
        for i, r in enumerate(recs, 1):
            r["msg_id"] = f"{shop}-{i:06d}"
            style = rng.choices(["offset", "naive", "utc"], [.92 - naive, naive, .08])[0]
            r["ts"] = fmt_ts(r["t"], style)
        if shop == "tb_fast":  # two overlapping exports: 10-31 09:00-14:00 is in both
            out["jsonl/tb_fast.jsonl"] = jitter(rng, [r for r in recs if r["t"] < 30 * DAY + 14 * HOUR])
            second = [dict(r) for r in recs if r["t"] >= 30 * DAY + 9 * HOUR]
            texts = [r for r in second if r["role"] == "agent" and r["text"]]
            texts[0]["ts"] = fmt_ts(texts[0]["t"], "utc")  # same instant, other spelling
            texts[1]["text"] += "（已编辑）"  # a conflicting copy of the same msg_id
            out["jsonl/tb_fast_export2.jsonl"] = jitter(rng, second)
        elif shop == "tb_slow":  # an export glitch repeated a few lines verbatim
            for k in rng.sample(range(len(recs)), 3):
                recs.insert(k + 1, recs[k])
            out["jsonl/tb_slow.jsonl"] = jitter(rng, recs)
        else:
            fmt = {"tb_bot": "parquet", "tb_small": "csv"}.get(shop, "jsonl")
            out[f"{fmt}/{shop}.{fmt}"] = jitter(rng, recs)
    return out


def write(rel: str, recs: list[dict]) -> list[tuple[str, int, str]]:
    """Write one file with its malformed records; return (file, line/row, problem)."""
    path, report = DATA / rel, []
    path.parent.mkdir(parents=True, exist_ok=True)
    bad = sorted((b for b in BAD if b[0] == rel), key=lambda b: (b[1] == "last", b[1]))
    if rel.endswith(".jsonl"):
        lines = [jsonl_line(r, omit_default_kind=rel.endswith("tb_night.jsonl")) for r in recs]
        for _, pos, problem, raw in bad:
            line = len(lines) + 1 if pos == "last" else pos
            lines.insert(line - 1, raw if isinstance(raw, str) else jsonl_line(raw))
            report.append((rel, line, problem))
        tail = "" if any(b[1] == "last" for b in bad) else "\n"
        path.write_text("\n".join(lines) + tail, encoding="utf-8", newline="\n")
        return report
    rows = [{k: r.get(k) for k in FIELDS} for r in recs]
    for _, pos, _problem, raw in bad:
        rows.insert(pos - 1, raw)
    if rel.endswith(".csv"):
        buf, starts = io.StringIO(newline=""), []
        writer = csv.writer(buf, lineterminator="\n")  # QUOTE_MINIMAL, "" escapes: RFC 4180
        writer.writerow(FIELDS)
        for row in rows:
            starts.append(buf.getvalue().count("\n") + 1)  # the line where the record starts
            writer.writerow(["" if row.get(k) is None else row[k] for k in FIELDS])
        path.write_text(buf.getvalue(), encoding="utf-8", newline="")
        return [(rel, starts[pos - 1], f"{problem} (data row {pos})") for _, pos, problem, _ in bad]
    table = pa.table({k: pa.array([row.get(k) for row in rows], pa.string()) for k in FIELDS})
    pq.write_table(table, path, compression="snappy")
    return [(rel, pos, f"{problem} (row {pos}, 1-based)") for _, pos, problem, _ in bad]


def write_shops() -> None:
    lines = ["# Shops of the example data set; written by examples/generate.py.",
             "# accounts: the shop's own main and sub-accounts; a chat whose buyer_id is",
             "# one of them is a same-shop conversation and is excluded."]
    for shop, p in SHOPS.items():
        accounts = [shop] + [f"{shop}:{a}" for a in p["agents"] + ["dianxiaomi"] * p["robot"]]
        accounts += [f"{shop}:{p['bot_name']}"] * (p["bot_role"] == "agent")
        accounts += [a for a in p["test"] if a not in accounts]
        quoted = ", ".join(f'"{a}"' for a in accounts)
        lines.append(f"- {{shop_id: {shop}, platform: taobao, category: {p['category']}, "
                     f"accounts: [{quoted}]}}")
    (HERE / "shops.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")


# --- Pinduoduo ------------------------------------------------------------------------------
# A second data set, for the ``pinduoduo`` pack: examples/pdd/ (chat records), pdd-shops.csv and
# pdd-peers.csv. It has its own seed, so that changing one data set never moves the other.
PDD = HERE / "pdd"
PDD_SEED = 20261102


def pdd_profile(category, goods, fmt, agents, per_day, pool, share, *, robot=False,
                staffed=(8, 23), days=None, test=(), next_morning=False, ring=None):
    """A Pinduoduo shop. ``category``: as in pdd-shops.csv (None: left out of it); ``goods``: what
    its buyers ask about; ``per_day``: inquiring buyers on an ordinary day (+-20 %); ``share``:
    the range of the share of them answered that day; ``days``: day index (0 = 10-01) ->
    (buyers or None, share or range); ``robot``: a robot answers within seconds at any hour,
    otherwise people answer in the ``staffed`` hours (an earlier question waits for the shift);
    ``next_morning``: a question after closing time is answered the next morning; ``test``:
    the shop's own accounts that chat with it; ``ring``: day index -> (start, stop) slice of
    PDD_RING, the friendly accounts that hold a fake chat with the shop that day (they are part
    of the day's buyers and of those answered, so the day's figures stay as ``days`` says)."""
    return dict(category=category, goods=goods, fmt=fmt, agents=agents, per_day=per_day, pool=pool,
                share=share, robot=robot, staffed=staffed, days=days or {}, test=list(test),
                next_morning=next_morning, ring=ring or {})


HOME_DIP = (.76, .82)  # pdd_home on a bad day: below its peers (0.85-0.88) but far above 50 %
PDD_SHOPS = {
    "pdd_fresh": pdd_profile("fruit", "fruit", "jsonl", ["xiaoguo", "guoguo"], 34, 900, (.93, .97),
                             robot=True, test=["pdd_fresh:ceshi"]),
    "pdd_orchard": pdd_profile("fruit", "fruit", "jsonl", ["laozhang", "azhen"], 30, 700, (.89, .94),
                               days={7: (128, .35), 12: (100, .45), 19: (156, .30),
                                     24: (142, .55), 30: (40, .40)},
                               ring={24: (0, 15)}),
    "pdd_home": pdd_profile("home", "home", "jsonl", ["meimei", "dahai", "xiaoyu"], 32, 800, (.92, .97),
                            days={d: (None, HOME_DIP) for d in (8, 9, 10, 11, 12, 17, 18, 19, 20, 25, 26)},
                            ring={25: (0, 8), 26: (8, 15)}),
    "pdd_gadget": pdd_profile("digital", "digital", "jsonl", ["afei"], 14, 300, (.88, .96),
                              staffed=(9, 22), next_morning=True, test=["pdd_gadget"]),
    "pdd_new": pdd_profile(None, "home", "csv", ["kefu1"], 16, 400, (.88, .95), robot=True),
}
PDD_PEERS = {"digital": (.74, .80), "fruit": (.80, .84), "home": (.85, .88)}  # peer reply rate ranges
PDD_NO_PEER = ("home", 10)  # the peers file has no line for home on 10-11

PDD_TOPICS = [  # (questions, answers) that any shop gets
    (["今天拍什么时候发货", "发什么快递", "能发顺丰吗", "我的快递怎么三天没动了"],
     ["亲，48小时内发货哦", "默认韵达/中通，偏远地区不发", "帮您查了，包裹在中转站，今天会更新"]),
    (["拼单成功了吗", "百亿补贴还能用券吗", "两件能便宜点吗", "限时秒杀什么时候开始"],
     ["亲，拼单成功后会自动发货", "百亿补贴商品不能叠加店铺券哦", "多件下单自动减，无需改价"]),
    (["申请退款了麻烦处理下", "少发了一个", "退货地址是哪里"],
     ["已经为您同意退款了", "亲，麻烦拍下包裹照片，给您补发", "退货地址在售后页面可以看到哦"]),
]
PDD_GOODS = {  # and the ones about the shop's goods
    "fruit": (["坏果包赔吗", "这个猕猴桃是软的还是硬的", "一箱有几个", "是当季现摘的吗"],
              ["亲，坏果拍照联系客服，按个数包赔哦", "发货时是硬果，放几天就软了", "5斤装大约20-24个"]),
    "home": (["收纳盒尺寸多大", "能放进宽30的柜子吗", "有没有味道", "质量怎么样"],
             ["尺寸在详情页第三张图哦", "宽28厘米，可以放进去", "PP材质无异味，放心用", "支持7天无理由，放心拍"]),
    "digital": (["充电头是快充吗", "这个数据线支持苹果吗", "能用多久", "有没有保修"],
                ["支持20W快充", "有苹果和安卓两个款，拍的时候选一下", "正常使用一年以上", "一年只换不修"]),
}
PDD_GREET = ["在吗", "你好", "亲在吗", "老板在不在", "有人吗"]
PDD_FOLLOW = ["好的", "谢谢", "那我拍了", "？", "在吗在吗", "[图片]", "能快点发吗"]
PDD_BOT = ["【机器人】亲，您好！欢迎光临，有什么可以帮您？", "【机器人】亲，48小时内发货，坏果包赔，请放心拍~",
           "【机器人】亲，常见问题请点击下方菜单，人工客服马上就来"]
PDD_NIGHT = "亲，昨晚客服下班了，现在回复您："
PDD_NOTICES = ["买家已付款，请在48小时内发货", "订单已发货", "买家申请退款", "拼单成功"]
PDD_CARDS = ["[商品卡片] 对方正在浏览：陕西徐香猕猴桃5斤装", "[订单卡片] 对方发来一个订单"]
# The fake_chat ring: 15 friendly accounts (ids outside every shop's pool of real buyers), used by
# pdd_orchard on 10-25 (all 15) and pdd_home on 10-26 (8) and 10-27 (the other 7).
PDD_RING = [f"pu{n:05d}" for n in sorted(random.Random(PDD_SEED + 2).sample(range(20000, 30000), 15))]
PDD_TRIVIAL = ["在吗", "在", "1", "你好", "？", "hi"]
PDD_RING_ANSWER = ["在的亲", "亲，在的", "您好，在的", "在呢亲"]
PDD_SPAM = ["刷单兼职，日结200，加V: pdd8888", "代运营提升店铺权重，详聊Q 66668888"]


def pdd_conversation(rng: random.Random, shop: str, p: dict, buyer: str, day: int,
                     answered: bool) -> list[dict]:
    """One buyer's chat with the shop on one local day. An ``answered`` buyer gets a reply that
    day to the first round (later rounds may go unanswered); any other buyer gets none that day
    (at pdd_gadget, a question after closing time is answered the next morning)."""
    recs: list[dict] = []
    day_end = (day + 1) * DAY - SEC
    opens, closes = p["staffed"]
    agent, robot = rng.choice(p["agents"]), f"{shop}:robot"

    def add(role, at, text, sender=None, kind="message"):
        if role in ("buyer", "agent") and rng.random() < .02:
            at += rng.choice([125, 480, 900])  # a few with fractional seconds
        if at <= END:
            recs.append(rec(shop, buyer, role, at, text, sender, kind))
        return at

    hour = rng.choices(range(24), DAYTIME)[0]
    if answered and not p["robot"] and hour >= closes:
        hour = rng.randrange(opens, closes)  # people answer in their hours
    if not answered and p["next_morning"]:
        hour = rng.choice([22, 23])  # asked after closing time
    t = day * DAY + hour * HOUR + rng.randrange(3600) * SEC
    if answered:
        t = min(t, day_end - 1800 * SEC)  # leave room for the reply on the same day
    if rng.random() < .04:  # came from a product page: a card, not an inquiry
        add("buyer", t - rng.randint(1, 5) * SEC, rng.choice(PDD_CARDS), kind="notice")
    last, replied = t, False
    for rnd in range(rng.choice([1, 1, 1, 1, 2, 2, 3]) if answered else 1):
        if rnd and t > day_end - 1800 * SEC:
            break
        questions, answers = rng.choice(PDD_TOPICS + [PDD_GOODS[p["goods"]]] * 2)
        reply = None
        if answered and (rnd == 0 or rng.random() < .85):
            if p["robot"]:
                reply = t + rng.randint(1, 5) * SEC
            elif (t % DAY) < opens * HOUR:  # waits for the shift
                reply = (t // DAY) * DAY + opens * HOUR + rng.randint(60, 1800) * SEC
            elif (t % DAY) < closes * HOUR:
                reply = t + (rng.randint(300, 1500) if rng.random() < .08 else rng.randint(10, 240)) * SEC
        bt = t
        for i in range(rng.choices([1, 2, 3], [55, 30, 15])[0]):
            bt += rng.randint(3, 40) * SEC if i else 0
            if bt > day_end or (reply is not None and bt >= reply):
                break
            greet = i == 0 and rnd == 0 and rng.random() < .35
            text = rng.choice(PDD_GREET if greet else questions if i < 2 else PDD_FOLLOW)
            last = add("buyer", bt, text)
        if reply is None:
            if not answered and rng.random() < .3 and last + 600 * SEC < day_end:
                last = add("buyer", last + rng.randint(120, 600) * SEC, "在吗？？")
            break
        replied = True
        if p["robot"]:
            last = add("bot", reply, rng.choice(PDD_BOT), robot)
            staffed = opens * HOUR <= (reply % DAY) < closes * HOUR
            if staffed and rng.random() < .35:  # a person takes over
                last = add("agent", reply + rng.randint(20, 300) * SEC, rng.choice(answers), f"{shop}:{agent}")
        else:
            last = add("agent", reply, rng.choice(answers), f"{shop}:{agent}")
        for _ in range(rng.choice([0, 0, 1])):
            last = add("agent", last + rng.randint(8, 60) * SEC, rng.choice(answers), f"{shop}:{agent}")
        t = last + rng.randint(60, 3600) * SEC
    if not answered and p["next_morning"]:  # answered the next morning: too late for that day
        add("agent", (day + 1) * DAY + opens * HOUR + rng.randint(60, 1800) * SEC,
            PDD_NIGHT + rng.choice(PDD_GOODS[p["goods"]][1]), f"{shop}:{agent}")
    if replied and rng.random() < .1 and last + 300 * SEC < day_end:
        add("agent", last + rng.randint(30, 300) * SEC, None, f"{shop}:{agent}", "close")
    if rng.random() < .05 and last + 3600 * SEC < day_end:
        add("system", last + rng.randint(60, 3600) * SEC, rng.choice(PDD_NOTICES), kind="notice")
    return recs


def pdd_ring_chat(rng: random.Random, shop: str, p: dict, buyer: str, day: int) -> list[dict]:
    """A friendly account's fake chat: one trivial message in the evening, answered within seconds, nothing more."""
    t = day * DAY + 20 * HOUR + rng.randrange(90 * 60) * SEC
    return [rec(shop, buyer, "buyer", t, rng.choice(PDD_TRIVIAL)),
            rec(shop, buyer, "agent", t + rng.randint(2, 10) * SEC, rng.choice(PDD_RING_ANSWER), f"{shop}:{rng.choice(p['agents'])}")]


def pdd_shop_records(rng: random.Random, shop: str, p: dict) -> list[dict]:
    pool = [f"pu{n:05d}" for n in sorted(rng.sample(range(1, 20000), p["pool"]))]
    recs: list[dict] = []
    waiting: set[str] = set()  # answered only the next morning: not sampled again that day
    for day in range(DAYS):
        n, share = p["days"].get(day, (None, p["share"]))
        if n is None:
            n = max(1, int(p["per_day"] * (0.2 if day == 0 else rng.uniform(0.8, 1.2)) + rng.random()))
        if isinstance(share, tuple):
            share = rng.uniform(*share)
        ring = PDD_RING[slice(*p["ring"][day])] if day in p["ring"] else []  # friendly accounts: part of the n
        buyers = rng.sample([b for b in pool if b not in waiting], n - len(ring))
        answered = int(n * share + .5) - len(ring)  # exactly this many buyers (with the ring's) get a reply that day
        waiting = set(buyers[answered:]) if p["next_morning"] else set()
        for i, buyer in enumerate(buyers):
            recs += pdd_conversation(rng, shop, p, buyer, day, i < answered)
        for buyer in ring:
            recs += pdd_ring_chat(rng, shop, p, buyer, day)
    for me in p["test"]:  # the shop's own account testing the chat: same_shop
        t = rng.randrange(5, 30) * DAY + rng.randint(10, 20) * HOUR
        recs.append(rec(shop, me, "buyer", t, "测试一下，请勿回复", me))
        if p["robot"]:
            recs.append(rec(shop, me, "bot", t + 2 * SEC, PDD_BOT[0], f"{shop}:robot"))
    for _ in range(rng.randint(2, 4)):  # spam from buyer-side accounts
        t = rng.randrange(1, DAYS) * DAY + rng.randrange(DAY // SEC) * SEC
        recs.append(rec(shop, f"pu{rng.randint(90001, 90020)}", "buyer", t, rng.choice(PDD_SPAM), kind="ad"))
    return recs


PDD_BAD = [("pdd_new.csv", 200, "ts has hour 25",
            broken("pdd_new", buyer_id="pu00100", ts="2026-10-15 25:10:00", text="什么时候发货"))]


def pdd_build(rng: random.Random) -> dict[str, list[dict]]:
    """All Pinduoduo records, by file (relative to pdd/), with msg_id and formatted ts."""
    out: dict[str, list[dict]] = {}
    for shop, p in PDD_SHOPS.items():
        recs = pdd_shop_records(rng, shop, p)
        recs.sort(key=lambda r: (r["t"], r["role"] != "buyer"))
        for i, r in enumerate(recs, 1):
            r["msg_id"] = f"{shop}-{i:06d}"
            style = "naive" if p["fmt"] == "csv" else rng.choices(["offset", "utc"], [.95, .05])[0]
            r["ts"] = fmt_ts(r["t"], style)
        if shop == "pdd_gadget":  # an export glitch repeated a few lines verbatim
            for k in sorted(rng.sample(range(len(recs)), 3), reverse=True):
                recs.insert(k + 1, recs[k])
        if shop == "pdd_fresh":  # two messages exported again, the instant spelled in UTC
            for k in sorted(rng.sample(range(len(recs)), 2), reverse=True):
                recs.insert(k + 1, {**recs[k], "ts": fmt_ts(recs[k]["t"], "utc")})
        out[f"{shop}.{p['fmt']}"] = jitter(rng, recs)
    return out


def pdd_write(rel: str, recs: list[dict]) -> list[tuple[str, int, str]]:
    """Write one file of pdd/ with its malformed records; return (file, line, problem)."""
    path = PDD / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [{k: r.get(k) for k in FIELDS} for r in recs]
    bad = [b for b in PDD_BAD if b[0] == rel]
    for _, pos, _, raw in bad:
        rows.insert(pos - 1, raw)
    if rel.endswith(".jsonl"):
        assert not bad
        text = "".join(jsonl_line(r) + "\n" for r in rows)
        path.write_text(text, encoding="utf-8", newline="\n")
        return []
    buf, starts = io.StringIO(newline=""), []
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(FIELDS)
    for row in rows:
        starts.append(buf.getvalue().count("\n") + 1)
        writer.writerow(["" if row.get(k) is None else row[k] for k in FIELDS])
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")
    return [(rel, starts[pos - 1], f"{problem} (data row {pos})") for _, pos, problem, _ in bad]


def pdd_write_side_inputs(rng: random.Random) -> None:
    """pdd-shops.csv (pdd_new deliberately left out) and pdd-peers.csv (home has no 10-11 line)."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["shop_id", "platform", "category", "accounts"])
    for shop, p in PDD_SHOPS.items():
        if p["category"] is None:
            continue
        accounts = [shop] + [f"{shop}:{a}" for a in p["agents"] + ["robot"] * p["robot"]]
        accounts += [a for a in p["test"] if a not in accounts]
        writer.writerow([shop, "pinduoduo", p["category"], ";".join(accounts)])
    (HERE / "pdd-shops.csv").write_text(buf.getvalue(), encoding="utf-8", newline="")
    lines = ["date,category,reply_rate"]
    for day in range(DAYS):
        date = (DAY0 + timedelta(days=day)).date().isoformat()
        for category, (lo, hi) in PDD_PEERS.items():
            level = f"{rng.uniform(lo, hi):.3f}"
            if (category, day) != PDD_NO_PEER:
                lines.append(f"{date},{category},{level}")
    (HERE / "pdd-peers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")


def pdd_main() -> None:
    shutil.rmtree(PDD, ignore_errors=True)
    rng, report = random.Random(PDD_SEED), []
    for rel, recs in pdd_build(rng).items():
        report += pdd_write(rel, recs)
        print(f"examples/pdd/{rel}: {len(recs)} records + {sum(b[0] == rel for b in PDD_BAD)} bad")
    pdd_write_side_inputs(rng)
    print("examples/pdd-shops.csv, examples/pdd-peers.csv")
    for rel, pos, problem in report:
        print(f"  examples/pdd/{rel}:{pos}: {problem}")


def main() -> None:
    shutil.rmtree(DATA, ignore_errors=True)
    report = []
    for rel, recs in build(random.Random(20261101)).items():
        report += write(rel, recs)
        print(f"examples/data/{rel}: {len(recs)} records + {sum(b[0] == rel and b[3] != '' for b in BAD)} bad")
    write_shops()
    print("deliberately malformed (and blank) lines:")
    for rel, pos, problem in sorted(report):
        print(f"  examples/data/{rel}:{pos}: {problem}")
    pdd_main()


if __name__ == "__main__":
    main()
