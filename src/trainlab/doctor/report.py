"""``Finding`` and ``Report``: the doctor's verdict, ordered most likely cause first.

A finding names a code of the fixed vocabulary (``trainlab.doctor.codes.CODES``),
a severity (``"info"``, ``"warning"``, ``"error"``), the layer it concerns (when one
does), the measured numbers that triggered it together with their threshold, and
the advice of its code. Findings are ordered so that root causes come before the
symptoms they explain: problems found in the setup before training ("static")
first, then the measured ones in the order of ``codes.PRIORITY``, infos last.

Example:
    >>> r = Report([Finding("stalled", "warning", evidence={"loss / trivial": 0.99, "threshold": 0.9}),
    ...             Finding("output_setup", "error", evidence={"last module": "Softmax"}, static=True)])
    >>> [f.code for f in r.findings], r.healthy
    (['output_setup', 'stalled'], False)
    >>> Report.from_dict(r.to_dict()) == r
    True
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from trainlab.constraints import Options, Satisfies, check
from trainlab.doctor.codes import CODES, PRIORITY

__all__ = ["Finding", "Report", "SEVERITIES"]

SEVERITIES = ("info", "warning", "error")
_CODE = Options(tuple(CODES))
_SEVERITY = Options(SEVERITIES)


@dataclass
class Finding:
    """One diagnosis with its evidence; ``advice`` defaults to the code's."""

    code: str
    severity: str
    layer: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    advice: tuple[str, ...] = ()
    epoch: int | None = None  # the first epoch (1-based, 0: before training) the rule held
    static: bool = False  # found in the setup, before training
    order: float | None = None  # a place in codes.PRIORITY that overrides the code's own (a cause found ahead)

    def __post_init__(self) -> None:
        check("Finding", "code", self.code, _CODE)
        check("Finding", "severity", self.severity, _SEVERITY)
        check("Finding", "evidence", self.evidence, Satisfies(lambda e: isinstance(e, dict), "a dict"))
        self.advice = tuple(self.advice) or CODES[self.code].advice

    @property
    def rank(self) -> tuple[bool, bool, float]:
        """The sort key: infos last, setup problems first, then root causes before symptoms."""
        place = PRIORITY.index(self.code) if self.order is None else self.order
        return (self.severity == "info", not self.static, place)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["advice"] = list(self.advice)
        d["evidence"] = {k: _plain(v) for k, v in self.evidence.items()}
        return d

    def describe(self) -> str:
        """``name=value`` pairs of the evidence, numbers to 3 significant digits."""
        return ", ".join(f"{k}={_short(v)}" for k, v in self.evidence.items())


@dataclass
class Report:
    """The findings of one examination, most likely cause first, and what was measured."""

    findings: list[Finding] = field(default_factory=list)
    measurements: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.findings = sorted(self.findings, key=lambda f: f.rank)

    @property
    def healthy(self) -> bool:
        """True when no finding is a warning or an error."""
        return not any(f.severity != "info" for f in self.findings)

    @property
    def codes(self) -> list[str]:
        """The codes of the warnings and errors, most likely first (each once)."""
        out: list[str] = []
        for f in self.findings:
            if f.severity != "info" and f.code not in out:
                out.append(f.code)
        return out

    def first(self, code: str) -> Finding | None:
        """The first finding with ``code``, or ``None``."""
        return next((f for f in self.findings if f.code == code), None)

    def to_dict(self) -> dict[str, Any]:
        return {"healthy": self.healthy, "findings": [f.to_dict() for f in self.findings],
                "measurements": _plain(self.measurements)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        findings = [Finding(**{**f, "advice": tuple(f.get("advice", ()))}) for f in data.get("findings", [])]
        return cls(findings, dict(data.get("measurements", {})))

    def __rich__(self) -> Any:
        from rich.table import Table

        title = "training doctor: healthy" if self.healthy else "training doctor: " + ", ".join(self.codes)
        table = Table(title=title, show_lines=True)
        for name in ("code", "severity", "layer", "evidence", "advice"):
            table.add_column(name, overflow="fold")
        colour = {"error": "red", "warning": "yellow", "info": "cyan"}
        for f in self.findings:
            table.add_row(f.code, f"[{colour[f.severity]}]{f.severity}[/]", f.layer or "",
                          f.describe(), "\n".join(f"{i}. {a}" for i, a in enumerate(f.advice, 1)))
        return table

    def __str__(self) -> str:
        if not self.findings:
            return "healthy: no findings"
        return "\n".join(f"{f.severity}: {f.code}{f' ({f.layer})' if f.layer else ''}: {f.describe()}; "
                         f"advice: {f.advice[0]}" for f in self.findings)


def _short(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


def _plain(v: Any) -> Any:
    """JSON-safe: floats stay floats (inf/nan as strings), containers recurse."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f if math.isfinite(f) else str(f)
