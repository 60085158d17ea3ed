"""Writes tests/golden/flags/input/chats.jsonl: one small shop per gaming pattern, plus an honest one.

Run from the repository root: python tests/golden/flags/make_input.py. The
output is fixed (no randomness); the golden reports beside it are the
expected taobao audit of this file.

  g_delay   agent d1 answers 10 rounds in 20-60 s and holds 8 rounds to 1805-1896 s
            (nothing between 1560 and 1800 s): delayed_reply for d1 and the shop.
  g_close   agent c1 closes 3 sessions 10 s after the buyer asks and answers 20 min later
            without the buyer writing again: close_reopen (3 pairs = score 1).
  g_bot     "agent" r1 answers 24 buyers with one of two long templates 1 s after they ask:
            bot_as_human.
  g_ringa,  6 buyers f1..f6 each send "在吗" once to both shops on 2026-03-09, answered
  g_ringb   in 3 s: fake_chat in both shops.
  g_honest  agent h1 answers 12 buyers' real questions in 15-150 s with free text: no flag.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

OUT = Path(__file__).parent / "input" / "chats.jsonl"
T0 = datetime(2026, 3, 10, 9, 0, 0)


def ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S") + "+08:00"


def main() -> None:
    rows: list[dict[str, str]] = []

    def add(shop: str, buyer: str, role: str, t: datetime, text: str = "", sender: str = "", kind: str = "") -> None:
        r = {"shop_id": shop, "buyer_id": buyer, "role": role, "ts": ts(t)}
        if kind:
            r["kind"] = kind
        if sender:
            r["sender_id"] = sender
        if text:
            r["text"] = text
        rows.append(r)

    for i in range(10):  # g_delay: honest part
        t = T0 + timedelta(minutes=10 * i)
        add("g_delay", f"dq{i}", "buyer", t, "请问这个有货吗？")
        add("g_delay", f"dq{i}", "agent", t + timedelta(seconds=20 + 4 * i), "有的，今天下单明天发。", "d1")
    for i in range(8):  # g_delay: the pile just past 1800 s
        t = T0 + timedelta(hours=2, minutes=40 * i)
        add("g_delay", f"dp{i}", "buyer", t, "发货了吗？")
        add("g_delay", f"dp{i}", "agent", t + timedelta(seconds=1805 + 13 * i), "亲，已经安排了。", "d1")
    for i in range(3):  # g_close
        t = T0 + timedelta(hours=i)
        add("g_close", f"cb{i}", "buyer", t, "可以便宜点吗？")
        add("g_close", f"cb{i}", "agent", t + timedelta(seconds=10), sender="c1", kind="close")
        add("g_close", f"cb{i}", "agent", t + timedelta(minutes=20), "亲，这个价格已经是最低了哦。", "c1")
    templates = ["亲，您好！欢迎光临本店，请问有什么可以帮您的吗？", "亲，本店所有商品均为现货，下单后48小时内发货哦！"]
    for i in range(24):  # g_bot
        t = T0 + timedelta(minutes=17 * i)
        add("g_bot", f"rb{i}", "buyer", t, "你好，想问一下尺码怎么选")
        add("g_bot", f"rb{i}", "agent", t + timedelta(seconds=1), templates[i % 2], "r1")
    for shop in ("g_ringa", "g_ringb"):  # fake_chat ring
        for i in range(6):
            t = datetime(2026, 3, 9, 20, 0, 0) + timedelta(minutes=i)
            add(shop, f"f{i + 1}", "buyer", t, "在吗")
            add(shop, f"f{i + 1}", "agent", t + timedelta(seconds=3), "在的", "k1")
        for i in range(3):  # the ring shops' real buyers
            t = datetime(2026, 3, 10, 10, 0, 0) + timedelta(hours=i)
            add(shop, f"{shop}_real{i}", "buyer", t, "这款和上一代相比有什么改进？")
            add(shop, f"{shop}_real{i}", "agent", t + timedelta(seconds=40 + 10 * i), "主要是电池更耐用，重量也轻了一些。", "k1")
    answers = ["您好，这款是纯棉的，可以机洗。", "可以的，七天无理由退换。", "稍等，我帮您查一下库存。", "这个颜色偏深一点，实物比图片暗。"]
    for i in range(12):  # g_honest
        t = T0 + timedelta(minutes=25 * i)
        add("g_honest", f"hb{i}", "buyer", t, "这件衣服起球吗？洗了会不会缩水？")
        add("g_honest", f"hb{i}", "agent", t + timedelta(seconds=15 + 11 * i), answers[i % 4] + f"（{i}）", "h1")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


if __name__ == "__main__":
    main()
