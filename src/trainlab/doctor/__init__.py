"""The training doctor: say why training fails, show the evidence, advise the fix.

* ``examine(model, data, loss=...)`` trains a copy briefly and returns a ``Report``;
* ``Doctor`` is the Trainer callback that measures (``trainlab.doctor.watch``);
* ``static_checks`` looks at data, model and loss before training;
* ``repair(model_factory, data, report, ...)`` applies the first advised fix and retrains;
* ``CODES`` is the fixed vocabulary, one row per code with its threshold and source.

Example:
    >>> from trainlab.doctor import CODES, Report
    >>> sorted(CODES)[:3]
    ['collapse', 'dying_relu', 'exploding_gradient']
"""

from trainlab.doctor.codes import CODES, Code
from trainlab.doctor.examine import examine
from trainlab.doctor.report import Finding, Report
from trainlab.doctor.static import static_checks
from trainlab.doctor.watch import Doctor

__all__ = ["CODES", "Code", "Doctor", "Finding", "Report", "examine", "static_checks"]
