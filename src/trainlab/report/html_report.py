"""The HTML report: one self-contained file that shows runs, readable offline.

``write_report(views, path)`` writes one HTML file: an index table across the
runs (sorted by a click on a column, filtered by typed text), an overlay of their
validation (or training) losses, then one section per run with its config, final
metrics, the results of an experiment folder (scalars, and lists of rows as
tables), interactive learning curves from ``history.csv``, its PNG figures, the
training doctor's findings when the folder has ``doctor.json``, and the tail of
its log. Images are inlined as ``data:`` URIs and the plotting script
(``trainlab.report.html_assets``) is inlined too, so the file needs no network
and no other file. Every text from a run is escaped (``html.escape``).

Example:
    >>> import json, os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> with open(os.path.join(d, "results.json"), "w") as f:
    ...     _ = f.write(json.dumps({"note": "<b>", "val_loss": 0.5}))
    >>> from trainlab.report.run_view import resolve_runs
    >>> out = write_report(resolve_runs([d]), os.path.join(d, "report.html"))
    >>> text = open(out).read(); "&lt;b&gt;" in text and "<b>" not in text
    True
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from trainlab.atomic import atomic_write_text
from trainlab.report.html_assets import SCRIPT, STYLE
from trainlab.report.run_view import RunView

__all__ = ["INDEX_METRICS", "MAX_ROWS", "render_report", "write_report"]

INDEX_METRICS = 8  # metric columns of the index table (the most common across runs, losses first)
MAX_ROWS = 300  # rows of one results table shown; the rest are counted

esc = html.escape


def _fmt(value: Any) -> tuple[str, str | None]:
    """(shown text, exact sort value or None) of a table cell."""
    if isinstance(value, bool) or value is None:
        return str(value), None
    if isinstance(value, int):
        return str(value), str(value)
    if isinstance(value, float):
        return (f"{value:.4g}", repr(value)) if math.isfinite(value) else (str(value), None)
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, float)) for v in value):
        shown = ", ".join(_fmt(v)[0] for v in value[:8])
        return (f"[{shown}{', ...' if len(value) > 8 else ''}] ({len(value)} values)" if len(value) > 8
                else f"[{shown}]"), None
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=str)[:300], None
    return str(value), None


def _cell(value: Any, tag: str = "td") -> str:
    text, exact = _fmt(value)
    number = exact is not None
    attrs = (' class="num"' if number else "") + (f' data-value="{esc(exact)}"' if number else "")
    return f"<{tag}{attrs}>{esc(text)}</{tag}>"


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]], table_id: str | None = None,
           sortable: bool = True) -> str:
    head = "".join(f"<th>{esc(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    ident = f' id="{esc(table_id)}"' if table_id else ""
    cls = ' class="sortable"' if sortable else ""
    return f"<table{ident}{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _key_values(values: dict[str, Any], title: str) -> str:
    if not values:
        return ""
    return f"<div><h3>{esc(title)}</h3>" + _table(["name", "value"], sorted(values.items())) + "</div>"


def _is_rows(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(r, dict) for r in value)


def _results(results: Any) -> str:
    """An experiment's results.json: scalars in one table, each list of rows as a table of its own."""
    if not isinstance(results, dict):
        return "" if results is None else f"<h3>results</h3><pre>{esc(json.dumps(results, indent=1)[:20000])}</pre>"
    scalars: dict[str, Any] = {}
    parts = []

    def walk(prefix: str, value: Any) -> None:
        if _is_rows(value):
            columns = list(dict.fromkeys(k for row in value for k in row))
            rows = [[row.get(c) for c in columns] for row in value[:MAX_ROWS]]
            more = f'<p class="muted">{len(value) - MAX_ROWS} more rows not shown</p>' if len(value) > MAX_ROWS else ""
            parts.append(f"<h3>{esc(prefix)}</h3>" + _table(columns, rows) + more)
        elif isinstance(value, dict) and value:
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        else:
            scalars[prefix] = value

    walk("", results)
    return "".join(parts) + (_key_values(scalars, "results") if scalars else "")


def _evidence(evidence: Any) -> str:
    """A finding's measured numbers, one ``name = value`` per line."""
    if not isinstance(evidence, dict):
        return esc(str(evidence or ""))
    return "<br>".join(f"{esc(str(k))} = {esc(_fmt(v)[0])}" for k, v in evidence.items())


def _advice(advice: Any) -> str:
    """A finding's advice as the numbered changes to try, in order."""
    if not isinstance(advice, (list, tuple)):
        return esc(str(advice or ""))
    return "<br>".join(f"{i}. {esc(str(a))}" for i, a in enumerate(advice, 1))


def _doctor(doctor: dict[str, Any] | None) -> str:
    if doctor is None:
        return ""
    findings = doctor.get("findings") or []
    healthy = doctor.get("healthy")
    verdict = "healthy" if healthy else "not healthy" if healthy is not None else "no verdict"
    head = f'<h3>training doctor: <span class="doctor-verdict">{esc(verdict)}</span></h3>'
    if not findings:
        return head + '<p class="muted">no findings</p>'
    rows = "".join(
        "<tr>" + f'<td class="severity-{esc(str(f.get("severity", "")))}">{esc(str(f.get("severity", "")))}</td>'
        + f"<td>{esc(str(f.get('code', '')))}</td><td>{esc(str(f.get('layer') or ''))}</td>"
        + f"<td>{_evidence(f.get('evidence'))}</td><td>{_advice(f.get('advice'))}</td></tr>"
        for f in findings if isinstance(f, dict))
    return (head + '<table class="doctor sortable"><thead><tr><th>severity</th><th>code</th><th>layer</th>'
            f"<th>evidence</th><th>advice</th></tr></thead><tbody>{rows}</tbody></table>")


def _finite_or_none(values: list[float]) -> list[float | None]:
    return [v if isinstance(v, (int, float)) and math.isfinite(v) else None for v in values]


def _curve_plots(view: RunView, key: str) -> dict[str, dict[str, Any]]:
    """Plot specs of a run's history: the losses, then accuracies, then a changing learning rate."""
    curves = view.curves
    x_name = "step" if "step" in curves else "epoch" if "epoch" in curves else None
    if x_name is None:
        return {}
    x = _finite_or_none(curves[x_name])
    groups = {"loss": [c for c in curves if c.endswith("loss")],
              "accuracy": [c for c in curves if c.endswith("accuracy")],
              "learning rate": [c for c in curves if c == "lr" and len(set(curves[c])) > 1]}
    plots = {}
    for title, columns in groups.items():
        if columns:
            plots[f"{key}-{title.replace(' ', '-')}"] = {
                "title": f"{view.label}: {title}", "xlabel": x_name, "log": title != "accuracy",
                "series": [{"name": c, "x": x, "y": _finite_or_none(curves[c])} for c in columns]}
    return plots


def _figure(path: str) -> str:
    with open(path, "rb") as f:
        data = base64.b64encode(f.read()).decode("ascii")
    name = esc(os.path.basename(path))
    return f'<figure><img alt="{name}" src="data:image/png;base64,{data}"><figcaption>{name}</figcaption></figure>'


def _status(status: str) -> str:
    return f'<span class="status status-{esc(status)}">{esc(status)}</span>'


def _section(view: RunView, number: int, plots: dict[str, Any]) -> str:
    key = f"run-{number}"
    own = _curve_plots(view, key)
    plots.update(own)
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(view.started)) if view.started else "unknown"
    ident = f"run {view.run_id} · " if view.run_id is not None else ""
    parts = [f'<section class="run" id="{key}"><h2>{esc(view.label)} {_status(view.status)}</h2>',
             f'<p class="muted">{esc(ident)}{esc(view.kind)} · started {esc(started)} · '
             f"<code>{esc(view.folder)}</code></p>",
             '<div class="columns">', _key_values(view.config, "config"),
             _key_values(view.metrics if view.results is None else {}, "final metrics"), "</div>",
             _results(view.results)]
    if own:
        parts.append('<h3>learning curves</h3><div class="plots">'
                     + "".join(f'<div class="plot" data-plot="{esc(k)}"></div>' for k in own) + "</div>")
    parts.append(_doctor(view.doctor))
    if view.figures:
        parts.append('<h3>figures</h3><div class="figures">' + "".join(_figure(p) for p in view.figures) + "</div>")
    if view.log:
        parts.append(f"<details><summary>log (last lines)</summary><pre>{esc(view.log)}</pre></details>")
    return "".join(parts) + "</section>"


def _index_metrics(views: Sequence[RunView]) -> list[str]:
    counts = Counter(k for v in views for k, value in v.metrics.items()
                     if isinstance(value, (int, float)) and not isinstance(value, bool))
    return sorted(counts, key=lambda k: (-counts[k], "loss" not in k, k))[:INDEX_METRICS]


def _index(views: Sequence[RunView]) -> str:
    metrics = _index_metrics(views)
    head = "".join(f"<th>{esc(h)}</th>" for h in ["run", "kind", "status", "started", *metrics])
    rows = []
    for number, view in enumerate(views, 1):
        started = time.strftime("%Y-%m-%d %H:%M", time.localtime(view.started)) if view.started else ""
        rows.append(f'<tr><td data-value="{esc(view.label)}"><a href="#run-{number}">{esc(view.label)}</a></td>'
                    f"<td>{esc(view.kind)}</td><td>{esc(view.status)}</td>"
                    f'<td class="nowrap" data-value="{view.started}">{esc(started)}</td>'
                    + "".join(_cell(view.metrics[m]) if m in view.metrics else "<td></td>" for m in metrics)
                    + "</tr>")
    return ('<input class="table-filter" data-table="run-index" type="search" placeholder="filter runs '
            '(name, kind, status...)" aria-label="filter runs">'
            f'<table id="run-index" class="sortable"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}'
            "</tbody></table>")


def _overlay(views: Sequence[RunView]) -> dict[str, Any] | None:
    """Every run's validation loss (training loss where it has none) in one plot."""
    series = []
    for view in views:
        c = view.curves
        column = "val_loss" if "val_loss" in c else "train_loss" if "train_loss" in c else None
        x = c.get("step") or c.get("epoch")
        if column and x:
            series.append({"name": f"{view.label} ({column})", "x": _finite_or_none(x),
                           "y": _finite_or_none(c[column])})
    if len(series) < 2:
        return None
    return {"title": "all runs: validation loss (training loss where there is none)", "xlabel": "step",
            "series": series}


def render_report(views: Sequence[RunView], title: str = "trainlab report") -> str:
    """The report of ``views`` as one HTML document (a string)."""
    plots: dict[str, Any] = {}
    sections = [_section(view, number, plots) for number, view in enumerate(views, 1)]
    overlay = _overlay(views)
    if overlay:
        plots["overlay"] = overlay
    data = json.dumps({"plots": plots}, allow_nan=False).replace("</", "<\\/").replace("<!--", "<\\u0021--")
    made = time.strftime("%Y-%m-%d %H:%M:%S")
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
            f"<style>{STYLE}</style></head><body><h1>{esc(title)}</h1>"
            f'<p class="muted">{len(views)} run{"s" * (len(views) != 1)} · made {esc(made)} by trainlab report</p>'
            f"<h2>runs</h2>{_index(views)}"
            + ('<div class="plots"><div class="plot" data-plot="overlay"></div></div>' if overlay else "")
            + "".join(sections)
            + f'<script id="trainlab-data" type="application/json">{data}</script><script>{SCRIPT}</script>'
            "</body></html>")


def write_report(views: Sequence[RunView], path: str | os.PathLike[str], title: str = "trainlab report") -> str:
    """Write ``render_report(views, title)`` to ``path`` (atomically); return the path."""
    path = os.fspath(path)
    atomic_write_text(path, render_report(views, title))
    return path
