"""Benchmark: evaluate() on realistic requests, against botocore's own parameter
validation of the same request (the work botocore already does on every call).

Run: python benchmarks/evaluate.py        target: < 50 us per request
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import botocore.session
from botocore.validate import ParamValidator

import secure_sagemaker as ss
from benchmarks._timing import median_seconds
from secure_sagemaker.controls import CATALOG
from tests._examples import POLICY, notebook, training


def main() -> int:
    model = botocore.session.get_session().get_service_model("sagemaker")
    validator = ParamValidator()
    print(f"catalog: {len(CATALOG.rules)} rules")
    print(f"{'request':<26}{'rules':>6}{'evaluate':>12}{'secure_request':>16}{'botocore validate':>19}{'ratio':>8}")
    worst = 0.0
    for op, params in (("CreateTrainingJob", training()), ("CreateNotebookInstance", notebook())):
        shape = model.operation_model(op).input_shape
        n_rules = len(ss.evaluate(op, params, POLICY))
        t_eval = median_seconds(lambda: ss.evaluate(op, params, POLICY))
        t_fill = median_seconds(lambda: ss.secure_request(op, params, POLICY))
        t_base = median_seconds(lambda: validator.validate(params, shape))
        worst = max(worst, t_eval)
        print(f"{op:<26}{n_rules:>6}{t_eval * 1e6:>10.1f}us{t_fill * 1e6:>14.1f}us"
              f"{t_base * 1e6:>17.1f}us{t_eval / t_base:>7.2f}x")
    verdict = "met" if worst < 50e-6 else "MISSED"
    print(f"target < 50 us per request: {verdict} (worst {worst * 1e6:.1f} us)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
