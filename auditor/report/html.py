"""`html`: the audit report as one self-contained page for people: summary per shop, findings with citations, charts.

One file, nothing fetched when it is opened: the stylesheet is inline, the
charts are inline SVG drawn in Python (``_svg``), and there is no script; a
Content-Security-Policy meta forbids scripts and fetches all the same. Per
shop it shows the summary (findings per severity, fines, eligibility with the
reason), the figures, three charts from the report's ``charts`` block (the
daily rate against the rules' lines and the peer level, the latency
distribution with the pack's time marks, rounds per hour of day over the
shaded service hours), the violations with their cited clause (the original
Chinese quoted, the English gloss beside it) and evidence records, the flags
with their evidence, and what could not be evaluated.

Wording comes from the ``html`` message catalogue (and ``common``) in the
report's language; titles, reasons and summaries from the pack and the
detectors are shown in that language. Every string from the data or a pack
goes through ``text()``: HTML-escaped, control characters shown as ``\\xNN``.
"""

from __future__ import annotations

import html
from collections import defaultdict
from datetime import date, timedelta
from typing import Any, BinaryIO

from auditor.i18n import t
from auditor.models import AuditReport, DayEvidence, Flag, MetricDefinition, MetricRow, RoundEvidence, ShopSummary, Violation
from auditor.report import _governance, _svg
from auditor.report.base import Reporter, register
from auditor.report.by_shop import ByShop
from auditor.report.escape import terminal_safe
from auditor.report.table import version_note

MAX_REJECTIONS_SHOWN = 20
SEVERITIES = ("error", "warning", "info")
HTML_LANG = {"zh": "zh-CN", "en": "en"}
# The page runs no script and fetches nothing; the policy says so to the browser, so a tag slipped past the
# escaping still could not run or load anything (inline styles and SVG stay allowed).
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

CSS = """
:root{--fg:#1d2329;--muted:#5b6670;--line:#d5dbe1;--bg:#fff;--err:#b3261e;--warn:#8a5a00;--info:#0b5cad;--ok:#1b6e3a;--bar:#3d6fb6;--peer:#7a8692}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1000px;padding:24px;font:15px/1.5 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.35em;margin:40px 0 8px;padding-top:8px;border-top:2px solid var(--fg)}
h3{font-size:1.1em;margin:24px 0 8px}h4{font-size:1em;margin:16px 0 4px}
.meta,.muted{color:var(--muted)}
table{border-collapse:collapse;margin:8px 0 16px;font-size:.92em}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em;overflow-wrap:anywhere}
.sev{display:inline-block;padding:0 6px;border-radius:3px;font-size:.85em;font-weight:600;color:#fff}
.sev-error{background:var(--err)}.sev-warning{background:var(--warn)}.sev-info{background:var(--info)}
.yes{color:var(--ok);font-weight:600}.no{color:var(--err);font-weight:600}
.finding{border:1px solid var(--line);border-left:4px solid var(--line);padding:8px 12px;margin:12px 0}
.finding.error{border-left-color:var(--err)}.finding.warning{border-left-color:var(--warn)}.finding.info{border-left-color:var(--info)}
figure.cite{margin:8px 0}
blockquote{margin:0;padding:4px 12px;border-left:3px solid var(--muted);background:#f7f8fa}
figure.cite figcaption{font-size:.9em;color:var(--muted)}
.charts figure{margin:12px 0}.charts figcaption{font-size:.9em;color:var(--muted)}
svg.chart{display:block;width:100%;max-width:720px;height:auto;border:1px solid var(--line);background:#fff}
svg .grid{stroke:#eceff2;stroke-width:1}svg .axis{stroke:var(--fg);stroke-width:1}
svg text{font-size:11px;fill:var(--muted)}
svg .bar{fill:var(--bar)}svg .bar.overflow{fill:var(--peer)}
svg .band{fill:#fff4cc}
svg .mark{stroke:var(--err);stroke-width:1.5;stroke-dasharray:4 3}svg .mark-label,svg .rule-label{fill:var(--err);font-weight:600;paint-order:stroke;stroke:#fff;stroke-width:3px}
svg .rule-line{stroke:var(--err);stroke-width:1.5;stroke-dasharray:6 3}
svg .series{fill:none;stroke:var(--bar);stroke-width:2}svg .pt{fill:var(--bar)}
svg .peer{fill:none;stroke:var(--peer);stroke-width:1.5;stroke-dasharray:3 3}svg .peer-pt{fill:var(--peer)}
nav ul{padding-left:20px}
@media print{body{max-width:none;padding:0;font-size:11pt}nav{display:none}h2{break-before:page}
.finding,figure,table{break-inside:avoid}svg.chart{max-width:100%}a{color:inherit;text-decoration:none}}
"""


def text(value: object) -> str:
    """Data as inert HTML text: escaped, control characters shown as \\xNN, never raw."""
    return html.escape(terminal_safe(None if value is None else str(value)), quote=True)


def _pct(v: float) -> str:
    return f"{v * 100:.1f}%"


def _value(v: float | None, unit: str) -> str:
    if v is None:
        return "—"
    if unit == "ratio":
        return _pct(v)
    if unit == "seconds":
        return f"{v:.1f} s"
    return f"{v:g}"


def _amount(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.2f}"


def _seconds(v: float) -> str:
    return f"{v:g}"


def _span(start: str, end: str) -> str:
    return start if start == end else f"{start} → {end}"


def _days(start: str, end: str) -> list[str]:
    d0, d1 = date.fromisoformat(start), date.fromisoformat(end)
    return [(d0 + timedelta(days=i)).isoformat() for i in range((d1 - d0).days + 1)]


@register
class HtmlReporter(Reporter):
    name = "html"
    suffix = ".html"

    def m(self, key: str, /, **values: object) -> str:
        """A catalogued message with its values filled in, escaped as a whole (the values may come from the data)."""
        return html.escape(t(self.lang, f"html.{key}", **{k: terminal_safe(str(v)) for k, v in values.items()}), quote=True)

    def word(self, texts: dict[str, str] | None, fallback: str = "") -> str:
        """A pack text in the report's language (the other one when the pack has only that)."""
        if not texts:
            return fallback
        return texts.get(self.lang) or texts.get("en") or texts.get("zh") or fallback

    def render(self, report: AuditReport, out: BinaryIO) -> None:
        self.defs = {d.id: d for d in report.definitions}
        p: list[str] = []
        title = self.m("doc_title", pack=report.policy.name, version=report.policy.version)
        p.append(f'<!DOCTYPE html>\n<html lang="{HTML_LANG.get(self.lang, "en")}">\n<head>\n<meta charset="utf-8">\n')
        p.append('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
        p.append(f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n')
        p.append(f"<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n")
        p.append(f"<header>\n<h1>{title}</h1>\n")
        p.append(f'<p class="meta">{self.m("period", start=report.period.start, end=report.period.end, as_of=report.as_of)}<br>\n')
        p.append(
            self.m("generated_by", version=report.auditor_version, pack=report.policy.name, pack_version=report.policy.version, digest=report.policy.digest)
        )
        p.append("</p>\n</header>\n")
        shops = report.summary
        self._overview(p, report, shops)
        self._inputs(p, report)
        self._governance(p, report)
        if report.flag_notice:
            p.append(f'<p class="muted">{text(self.word(report.flag_notice))}</p>\n')
        profiles = {s.shop_id: s for s in (report.charts.shops if report.charts else [])}
        ix = ByShop(report)
        for i, s in enumerate(shops, 1):
            self._shop(p, report, ix, i, s, profiles.get(s.shop_id))
        self._definitions(p, report)
        p.append(f'<footer><p class="muted">{self.m("footer", version=report.auditor_version)}</p></footer>\n</body>\n</html>\n')
        out.write("".join(p).encode("utf-8"))

    # -- the page's top: overview and inputs -------------------------------------------------------------------

    def _findings_text(self, counts: dict[str, int]) -> str:
        parts = [f'<span class="sev sev-{s}">{counts[s]} {text(t(self.lang, f"common.severity_{s}"))}</span>' for s in SEVERITIES if counts.get(s)]
        return " ".join(parts) if parts else self.m("no_findings")

    def _fines_text(self, s: ShopSummary) -> str:
        if not s.fines:
            return self.m("no_fines")
        return "; ".join(
            self.m("fine_one" if f.findings == 1 else "fine_other", currency=f.currency, amount=_amount(f.total), n=f.findings) for f in s.fines
        )

    def _answer(self, eligible: bool) -> str:
        return f'<span class="{"yes" if eligible else "no"}">{self.m("answer_yes" if eligible else "answer_no")}</span>'

    def _overview(self, p: list[str], r: AuditReport, shops: list[ShopSummary]) -> None:
        p.append(f'<nav aria-label="{self.m("overview_title")}">\n<h2>{self.m("overview_title")}</h2>\n')
        if not shops:
            p.append(f"<p>{self.m('no_shops')}</p>\n</nav>\n")
            return
        p.append(
            f'<table>\n<thead><tr><th scope="col">{self.m("col_shop")}</th><th scope="col">{self.m("col_findings")}</th>'
            f'<th scope="col">{self.m("col_fines")}</th><th scope="col">{self.m("col_eligibility")}</th></tr></thead>\n<tbody>\n'
        )
        for i, s in enumerate(shops, 1):
            answers = "<br>".join(f"{text(self.word(e.question))} {self._answer(e.eligible)}" for e in s.eligibility) or "—"
            p.append(
                f'<tr><th scope="row"><a href="#shop-{i}"><code>{text(s.shop_id)}</code></a></th><td>{self._findings_text(s.findings)}</td>'
                f"<td>{self._fines_text(s)}</td><td>{answers}</td></tr>\n"
            )
        p.append("</tbody>\n</table>\n</nav>\n")

    def _inputs(self, p: list[str], r: AuditReport) -> None:
        i = r.inputs
        p.append(f'<section id="inputs">\n<h2>{self.m("inputs_title")}</h2>\n')
        p.append(f"<p>{self.m('ledger', read=i.read, used=i.used, excluded=sum(i.excluded.values()), rejected=i.rejected)}</p>\n")
        if i.excluded:
            p.append(f"<p>{self.m('excluded')}: " + " · ".join(f"<code>{text(k)}</code> {v}" for k, v in i.excluded.items()) + "</p>\n")
        if i.files:
            cols = ("col_file", "col_format", "col_read", "col_used", "col_excluded", "col_rejected", "col_status")
            p.append("<table>\n<thead><tr>" + "".join(f'<th scope="col">{self.m(c)}</th>' for c in cols) + "</tr></thead>\n<tbody>\n")
            for f in i.files:
                status = f.status + (f": {f.reason}" if f.reason else "")
                p.append(
                    f"<tr><td><code>{text(f.file)}</code></td><td>{text(f.format)}</td><td class=\"num\">{f.read}</td><td class=\"num\">{f.used}</td>"
                    f'<td class="num">{f.excluded}</td><td class="num">{f.rejected}</td><td>{text(status)}</td></tr>\n'
                )
            p.append("</tbody>\n</table>\n")
        notes = [f"<code>{text(f.file)}</code>: {text(n)}" for f in i.files for n in f.notes]
        notes += [f"<code>{text(s.file)}</code>: {self.m('skipped')} — {text(s.reason)}" for s in i.skipped]
        notes += [text(n) for n in i.notes]
        if notes:
            p.append(f"<h3>{self.m('notes_title')}</h3>\n<ul>\n" + "".join(f"<li>{n}</li>\n" for n in notes) + "</ul>\n")
        if i.rejections:
            shown = i.rejections[:MAX_REJECTIONS_SHOWN]
            p.append(f"<h3>{self.m('rejections_title', shown=len(shown), total=i.rejected)}</h3>\n")
            p.append(
                f'<table>\n<thead><tr><th scope="col">{self.m("col_file")}</th><th scope="col">{self.m("col_line")}</th>'
                f'<th scope="col">{self.m("col_code")}</th><th scope="col">{self.m("col_reason")}</th></tr></thead>\n<tbody>\n'
            )
            for rej in shown:
                p.append(
                    f'<tr><td><code>{text(rej.file)}</code></td><td class="num">{rej.line}</td><td><code>{text(rej.code)}</code></td>'
                    f"<td>{text(rej.reason)}</td></tr>\n"
                )
            p.append("</tbody>\n</table>\n")
        p.append("</section>\n")

    # -- one shop -----------------------------------------------------------------------------------------------

    def _shop(self, p: list[str], r: AuditReport, ix: ByShop, idx: int, s: ShopSummary, profile: Any) -> None:
        p.append(f'<section class="shop" id="shop-{idx}" aria-labelledby="shop-{idx}-h">\n')
        p.append(f'<h2 id="shop-{idx}-h">{self.m("shop_title", shop=s.shop_id)}</h2>\n')
        p.append(f'<p class="meta">{self.m("shop_meta", platform=s.platform or "—", category=s.category or "—")}</p>\n')
        p.append(f"<h3>{self.m('summary_title')}</h3>\n<ul>\n")
        p.append(f"<li>{self.m('col_findings')}: {self._findings_text(s.findings)}</li>\n")
        p.append(f"<li>{self.m('col_fines')}: {self._fines_text(s)}</li>\n")
        for e in s.eligibility:
            p.append(f"<li>{self.m('eligibility_on', day=e.day)} {text(self.word(e.question))} {self._answer(e.eligible)} — {text(self.word(e.reason))}")
            if not e.complete:
                p.append(f" <em>{self.m('incomplete')}</em>")
            p.append("</li>\n")
        p.append("</ul>\n")
        rows = ix.metrics.get(s.shop_id, [])
        self._figures(p, rows)
        self._charts(p, r, idx, s, rows, profile)
        self._violations(p, ix.violations.get(s.shop_id, []))
        self._flags(p, ix.flags.get(s.shop_id, []))
        missed = ix.not_evaluated(s.shop_id)
        if missed:
            p.append(f"<h3>{self.m('not_evaluated_title')}</h3>\n<ul>\n")
            for n in missed:
                days = f" ({self.m('days', days=', '.join(n.days))})" if n.days else ""
                p.append(f"<li><code>{text(n.rule_id)}</code>: {text(n.reason)}{days}</li>\n")
            p.append("</ul>\n")
        p.append("</section>\n")

    def _label(self, metric: str) -> str:
        d = self.defs.get(metric)
        return self.word(d.label, metric) if d else metric

    def _unit(self, metric: str) -> str:
        d: MetricDefinition | None = self.defs.get(metric)
        return d.unit if d else "count"

    def _figure(self, m: MetricRow) -> str:
        unit = self._unit(m.metric)
        if m.denominator is None:
            return _value(m.value, unit)
        return f"{_value(m.value, unit)} ({self.m('from', num=f'{m.numerator:g}', den=m.denominator)})"

    def _figures(self, p: list[str], rows: list[MetricRow]) -> None:
        spans = [m for m in rows if m.period.start != m.period.end or self._per_day(m.metric, rows) is False]
        shop_rows = [m for m in spans if m.agent_id is None]
        agent_rows = [m for m in spans if m.agent_id is not None]
        if not shop_rows and not agent_rows:
            return
        p.append(f"<h3>{self.m('figures_title')}</h3>\n")
        p.append(
            f'<table>\n<thead><tr><th scope="col">{self.m("col_metric")}</th><th scope="col">{self.m("col_agent")}</th>'
            f'<th scope="col">{self.m("col_period")}</th><th scope="col">{self.m("col_value")}</th></tr></thead>\n<tbody>\n'
        )
        for m in shop_rows + agent_rows:
            agent = f"<code>{text(m.agent_id)}</code>" if m.agent_id is not None else self.m("whole_shop")
            p.append(
                f'<tr><th scope="row">{text(self._label(m.metric))}</th><td>{agent}</td><td>{text(_span(m.period.start, m.period.end))}</td>'
                f'<td class="num">{text(self._figure(m))}</td></tr>\n'
            )
        p.append("</tbody>\n</table>\n")

    @staticmethod
    def _per_day(metric: str, rows: list[MetricRow]) -> bool:
        """Whether the metric's rows are daily figures (they are charted and tabled per day, not listed as figures)."""
        return any(m.metric == metric and m.period.start == m.period.end for m in rows) and all(
            m.period.start == m.period.end for m in rows if m.metric == metric
        )

    # -- charts -------------------------------------------------------------------------------------------------

    def _charts(self, p: list[str], r: AuditReport, idx: int, s: ShopSummary, rows: list[MetricRow], profile: Any) -> None:
        charts = r.charts
        if charts is None or profile is None:
            return
        p.append(f'<section class="charts">\n<h3>{self.m("charts_title")}</h3>\n')
        days = _days(r.period.start, r.period.end)
        daily_rows = [m for m in rows if m.agent_id is None and self._per_day(m.metric, rows)]
        series: dict[str, dict[str, tuple[float, float | int, int | None]]] = defaultdict(dict)
        for m in daily_rows:
            series[m.metric][m.period.start] = (m.value, m.numerator, m.denominator)
        for ds in profile.daily:
            for f in ds.days:
                series[ds.metric][f.day] = (f.value, f.numerator, f.denominator)
        rate_metrics = [d.id for d in r.definitions if d.id in series and d.unit == "ratio"]
        peers: dict[str, dict[str, float]] = defaultdict(dict)
        for pd in profile.peers:
            peers[pd.metric][pd.day] = pd.value
        for metric in rate_metrics:
            self._rate_chart(p, charts, idx, s, metric, days, series[metric], peers.get(metric, {}))
        self._latency_chart(p, charts, idx, s, profile)
        self._hours_chart(p, charts, idx, s, profile)
        if series:
            self._daily_table(p, days, series, peers)
        p.append("</section>\n")

    def _rate_chart(self, p: list[str], charts: Any, idx: int, s: ShopSummary, metric: str, days: list[str], figures: dict, peers: dict[str, float]) -> None:  # type: ignore[type-arg]
        label = self._label(metric)
        lines = [
            _svg.Line(ln.value, t(self.lang, "html.rule_line", op=ln.op, value=_pct(ln.value), rules=", ".join(ln.rules)))
            for ln in charts.rule_lines
            if ln.metric == metric
        ]
        values = {d: v[0] for d, v in figures.items()}
        titles = {d: f"{d}: {_pct(v[0])} ({v[1]:g}/{v[2]})" for d, v in figures.items()}
        peer_label = t(self.lang, "html.peer_label", category=s.category or "—")
        desc = t(self.lang, "html.rate_desc", metric=label, shop=s.shop_id, n=len(values))
        if lines:
            desc += " " + t(self.lang, "html.rate_desc_lines", lines="; ".join(ln.label for ln in lines))
        if peers:
            desc += " " + t(self.lang, "html.rate_desc_peers", category=s.category or "—", n=len(peers))
        chart_id = f"s{idx}-rate-{metric}"
        p.append(f"<figure>\n{_svg.rate_chart(chart_id, t(self.lang, 'html.rate_title', metric=label), desc, days, values, titles, peers, peer_label, lines)}\n")
        p.append(f"<figcaption>{text(desc)}</figcaption>\n</figure>\n")

    def _latency_chart(self, p: list[str], charts: Any, idx: int, s: ShopSummary, profile: Any) -> None:
        width, top = charts.latency_bin_seconds, charts.latency_max_seconds
        counts = profile.latency
        titles = [
            t(self.lang, "html.latency_bar", lo=i * width, hi=(i + 1) * width, n=c) for i, c in enumerate(counts[:-1])
        ] + [t(self.lang, "html.latency_overflow_bar", max=top, n=counts[-1])]
        ticks = [(float(sec), t(self.lang, "html.minutes", m=sec // 60)) for sec in range(0, top, 600)]
        ticks.append((float(top + width / 2), t(self.lang, "html.over_minutes", m=top // 60)))
        marks = [_svg.Line(mk.seconds, t(self.lang, "html.mark_label", seconds=_seconds(mk.seconds))) for mk in charts.latency_marks]
        legend = "; ".join(
            t(self.lang, "html.mark_legend", seconds=_seconds(mk.seconds), metrics=", ".join(self._label(x) for x in mk.metrics)) for mk in charts.latency_marks
        )
        desc = t(self.lang, "html.latency_desc", n=sum(counts), bin=width, max=top)
        if legend:
            desc += " " + t(self.lang, "html.latency_desc_marks", marks=legend)
        if profile.unanswered:
            desc += " " + t(self.lang, "html.latency_desc_unanswered", n=profile.unanswered)
        chart = _svg.histogram(f"s{idx}-latency", t(self.lang, "html.latency_title"), desc, counts, width, titles, ticks, marks)
        p.append(f"<figure>\n{chart}\n<figcaption>{text(desc)}</figcaption>\n</figure>\n")

    def _hours_chart(self, p: list[str], charts: Any, idx: int, s: ShopSummary, profile: Any) -> None:
        def hours(hhmm: str) -> float:
            h, m = hhmm.split(":")
            return int(h) + int(m) / 60

        windows = ", ".join(f"{w.start}–{w.end}" for w in charts.service_hours)
        bands = [_svg.Band(hours(w.start), hours(w.end)) for w in charts.service_hours]
        titles = [t(self.lang, "html.hour_bar", hour=f"{h:02d}", n=c) for h, c in enumerate(profile.hours)]
        desc = t(self.lang, "html.hours_desc", n=sum(profile.hours), windows=windows)
        band_label = t(self.lang, "html.service_hours", windows=windows)
        chart = _svg.hour_bars(f"s{idx}-hours", t(self.lang, "html.hours_title"), desc, profile.hours, titles, bands, band_label)
        p.append(f"<figure>\n{chart}\n<figcaption>{text(desc)}</figcaption>\n</figure>\n")

    def _daily_table(self, p: list[str], days: list[str], series: dict, peers: dict) -> None:  # type: ignore[type-arg]
        metrics = [d for d in self.defs if d in series]
        peer_metrics = [d for d in metrics if peers.get(d)]
        shown = [d for d in days if any(d in series[m] for m in metrics) or any(d in peers[m] for m in peer_metrics)]
        if not shown:
            return
        p.append(f"<details>\n<summary>{self.m('daily_table', n=len(shown))}</summary>\n<table>\n<thead><tr><th scope=\"col\">{self.m('col_day')}</th>")
        p.append("".join(f'<th scope="col">{text(self._label(m))}</th>' for m in metrics))
        p.append("".join(f'<th scope="col">{self.m("col_peer", metric=self._label(m))}</th>' for m in peer_metrics))
        p.append("</tr></thead>\n<tbody>\n")
        for d in shown:
            cells = []
            for m in metrics:
                v = series[m].get(d)
                if v is None:
                    cells.append("—")
                elif v[2] is None:
                    cells.append(_value(v[0], self._unit(m)))
                else:
                    cells.append(f"{_value(v[0], self._unit(m))} ({v[1]:g}/{v[2]})")
            cells += [_value(peers[m].get(d), self._unit(m)) for m in peer_metrics]
            p.append(f'<tr><th scope="row">{d}</th>' + "".join(f'<td class="num">{text(c)}</td>' for c in cells) + "</tr>\n")
        p.append("</tbody>\n</table>\n</details>\n")

    # -- findings -----------------------------------------------------------------------------------------------

    def _citation(self, c: Any) -> str:
        gloss = f'<br><span lang="en">{text(c.gloss_en)}</span>' if c.gloss_en else ""
        return (
            f'<figure class="cite"><blockquote lang="zh-CN">「{text(c.text)}」</blockquote>'
            f"<figcaption>{self.m('source', source=c.source)}{gloss}</figcaption></figure>\n"
        )

    def _consequence(self, c: dict[str, Any]) -> str:
        kind = str(c.get("type", "none"))
        try:
            return self.m(f"consequence_{kind}", amount=_amount(float(c.get("amount") or 0)), currency=c.get("currency") or "")
        except KeyError:
            return text(kind)

    def _ref(self, ref: Any) -> str:
        if ref is None:
            return "—"
        return f"<code>{text(ref.file)}:{ref.line}</code>"

    def _violations(self, p: list[str], found: list[Violation]) -> None:
        if not found:
            return
        p.append(f"<h3>{self.m('violations_title')}</h3>\n")
        for v in found:
            unit = self._unit(v.metric)
            p.append(f'<article class="finding {text(v.severity)}">\n<h4><span class="sev sev-{text(v.severity)}">')
            p.append(f"{text(t(self.lang, f'common.severity_{v.severity}') if v.severity in SEVERITIES else v.severity)}</span> {text(self.word(v.title, v.rule_id))}</h4>\n")
            figure = self.m("violation_figure", metric=self._label(v.metric), value=_value(v.value, unit), op=v.op, threshold=_value(v.threshold, unit))
            if v.numerator is not None and v.denominator is not None:
                figure += f" ({self.m('from', num=f'{v.numerator:g}', den=v.denominator)})"
            version = f" · {text(version_note(self.lang, v.rule_version))}" if v.rule_version is not None else ""
            p.append(f"<p><code>{text(v.rule_id)}</code>{version} · {text(_span(v.period.start, v.period.end))} · {figure}<br>\n")
            p.append(f"{self.m('consequence')}: {self._consequence(v.consequence)}</p>\n")
            self._mark(p, v)
            p.append(self._citation(v.citation))
            self._evidence(p, v)
            p.append("</article>\n")

    def _evidence(self, p: list[str], v: Violation) -> None:
        rounds = [e for e in v.evidence if isinstance(e, RoundEvidence)]
        days = [e for e in v.evidence if isinstance(e, DayEvidence)]
        unit = self._unit(v.metric)
        if days:
            cols = ("col_day", "col_value", "col_peer_level", "col_in_streak", "col_note")
            p.append("<table>\n<thead><tr>" + "".join(f'<th scope="col">{self.m(c)}</th>' for c in cols) + "</tr></thead>\n<tbody>\n")
            for d in days:
                value = _value(d.value, unit) + (f" ({d.numerator:g}/{d.denominator})" if d.denominator is not None else "")
                p.append(
                    f'<tr><th scope="row">{text(d.day)}</th><td class="num">{text(value)}</td><td class="num">{text(_value(d.peer_value, unit))}</td>'
                    f"<td>{self.m('yes' if d.in_streak else 'no')}</td><td>{text(d.note or '')}</td></tr>\n"
                )
            p.append("</tbody>\n</table>\n")
        if rounds:
            p.append(f"<p>{self.m('evidence_title', shown=len(rounds), total=v.evidence_total)}</p>\n")
            cols = ("col_buyer", "col_first", "col_msg_id", "col_ts", "col_reply", "col_latency", "col_agent", "col_counted")
            p.append("<table>\n<thead><tr>" + "".join(f'<th scope="col">{self.m(c)}</th>' for c in cols) + "</tr></thead>\n<tbody>\n")
            for e in rounds:
                latency = f"{e.latency_s:g} s" if e.latency_s is not None else "—"
                p.append(
                    f"<tr><td><code>{text(e.buyer_id)}</code></td><td>{self._ref(e.first_message)}</td><td><code>{text(e.first_message.msg_id or '—')}</code></td>"
                    f"<td>{text(e.first_message.ts)}</td><td>{self._ref(e.reply)}</td><td class=\"num\">{text(latency)}</td>"
                    f"<td><code>{text(e.agent_id or '—')}</code></td><td>{self.m('yes' if e.counted_good else 'no')}</td></tr>\n"
                )
            p.append("</tbody>\n</table>\n")

    def _flags(self, p: list[str], mine: list[Flag]) -> None:
        if not mine:
            return
        p.append(f"<h3>{self.m('flags_title')}</h3>\n")
        for f in mine:
            who = f" · {self.m('agent', agent=f.agent_id)}" if f.agent_id else ""
            p.append(f'<article class="finding {text(f.severity)}">\n<h4><span class="sev sev-{text(f.severity)}">')
            p.append(f"{text(t(self.lang, f'common.severity_{f.severity}') if f.severity in SEVERITIES else f.severity)}</span> {text(self.word(f.title, f.detector))}</h4>\n")
            summary = f.summary_zh if self.lang == "zh" else f.summary
            p.append(f"<p><code>{text(f.detector)}</code>{who} · {text(_span(f.period.start, f.period.end))} · {self.m('score', score=f'{f.score:.2f}')}</p>\n")
            p.append(f"<p>{text(summary)}</p>\n")
            self._mark(p, f)
            if f.measures:
                p.append(f"<p class=\"muted\">{self.m('measures')}: " + " · ".join(f"<code>{text(k)}</code> {text(f'{v:g}')}" for k, v in f.measures.items()) + "</p>\n")
            p.append(self._citation(f.citation))
            if f.evidence:
                p.append(f"<p>{self.m('evidence_title', shown=len(f.evidence), total=f.evidence_total)}</p>\n")
                p.append(f'<table>\n<thead><tr><th scope="col">{self.m("col_kind")}</th><th scope="col">{self.m("col_details")}</th></tr></thead>\n<tbody>\n')
                for item in f.evidence:
                    details = "; ".join(f"<code>{text(k)}</code> {self._item(v)}" for k, v in item.items() if k != "kind")
                    p.append(f"<tr><td>{text(item.get('kind', ''))}</td><td>{details}</td></tr>\n")
                p.append("</tbody>\n</table>\n")
            p.append("</article>\n")

    def _mark(self, p: list[str], x: Violation | Flag) -> None:
        if (said := _governance.mark(self.lang, x)) is not None:
            p.append(f'<p class="muted"><strong>{text(said)}</strong></p>\n')

    def _governance(self, p: list[str], r: AuditReport) -> None:
        said = _governance.lines(self.lang, r)
        if not said:
            return
        p.append(f"<section id=\"governance\">\n<h2>{text(_governance.g(self.lang, 'title'))}</h2>\n<ul>\n")
        p += [f"<li>{'<strong>' + text(s) + '</strong>' if level == 'warning' else text(s)}</li>\n" for level, s in said]
        p.append("</ul>\n")
        held = _governance.baselined(self.lang, r)
        if held:
            p.append(f"<h3>{text(held[0])}</h3>\n<ul>\n" + "".join(f"<li>{text(s)}</li>\n" for s in held[1:]) + "</ul>\n")
        p.append("</section>\n")

    def _item(self, v: Any) -> str:
        """A flag evidence value: a record as file:line (msg_id, ts), lists item by item, numbers as they are."""
        if isinstance(v, dict) and "file" in v and "line" in v:
            extra = ", ".join(text(x) for x in (v.get("msg_id"), v.get("ts")) if x)
            return f"<code>{text(v['file'])}:{text(v['line'])}</code>" + (f" ({extra})" if extra else "")
        if isinstance(v, list):
            return "[" + ", ".join(self._item(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{text(k)}: {self._item(x)}" for k, x in v.items()) + "}"
        if isinstance(v, float):
            return text(f"{v:g}")
        return text(v)

    def _definitions(self, p: list[str], r: AuditReport) -> None:
        if not r.definitions:
            return
        p.append(f'<section id="definitions">\n<h2>{self.m("definitions_title")}</h2>\n<dl>\n')
        for d in r.definitions:
            p.append(f"<dt><strong>{text(self.word(d.label, d.id))}</strong> <code>{text(d.id)}</code></dt>\n<dd>{text(self.word(d.doc))}")
            if d.citation:
                p.append(self._citation(d.citation))
            p.append("</dd>\n")
        p.append("</dl>\n</section>\n")
