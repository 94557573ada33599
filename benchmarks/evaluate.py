"""Benchmark: evaluate() on realistic requests, against botocore's own parameter
validation of the same request (the work botocore already does on every call); then
evaluate() on the worst inputs for the credential scanner.

* common requests: ratio to botocore validate                   target < 50 us each
* a lifecycle config whose Content is 16,384 characters (the API maximum, a
  12,288-byte script) of adversarial text                       target < 50 ms each
* a CreateTrainingJob with a 40,000-character Environment value  target < 50 ms each
* a 20 KiB bucket policy (the store's denies, per-team role grants, service and
  organisation grants): the principal analyzer, and PutBucketPolicy
  judged by every rule, JSON parsing included (ratio: to parsing
  the document alone)                                           target < 1 ms each

The adversarial texts are long runs of what the patterns repeat on (letters,
newlines, "x://", "aws...secret", "-eyJ", assignments), each carrying every literal a
pattern looks for, so no substring pre-check can skip the regex.

Run: python benchmarks/evaluate.py
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import attrs
import botocore.session
from botocore.validate import ParamValidator

import secure_sagemaker as ss
from benchmarks._timing import median_seconds
from secure_sagemaker.artifacts._bucket import required_statements
from secure_sagemaker.controls import CATALOG, _principals
from tests._examples import ACCOUNT, BUCKET, POLICY, notebook, training

LCC_CONTENT = 16_384  # NotebookInstanceLifecycleConfigContent max length (base64)
SCRIPT_BYTES = LCC_CONTENT // 4 * 3
ENV_VALUE = 40_000
POLICY_BYTES = 20 * 1024

# every literal a pattern needs (so each regex runs), then a repeated unit
_LITERALS = "x:// eyJ aws = "
ADVERSARIAL = {
    "one alphanumeric line": "aB3",
    "newlines": "\n",
    "spaces": " ",
    "x:// fragments": "x://",
    "aws...secret + spaces": "awsawsawsawsawsawsawssecret" + " " * 25,
    "aws secret = ...": "awssecretsecretsecret" + "=" * 20 + "+" * 40 + "!",
    "-eyJ tokens": "-eyJ",
    "export lines": "export\n",
    "name lines": "A" * 80 + "\n",
}
REALISTIC_SCRIPT = """#!/bin/bash
set -euxo pipefail
sudo -u ec2-user -i <<'EOF'
source /home/ec2-user/anaconda3/bin/activate python3
pip install --quiet "pandas==2.2.*" "scikit-learn==1.5.*" boto3
export AWS_DEFAULT_REGION=us-east-1
export SECRET_ARN=arn:aws:secretsmanager:us-east-1:123456789012:secret:db
aws s3 cp s3://ml-artifacts-bucket/config/setup.json /home/ec2-user/SageMaker/
conda deactivate
EOF
echo "lifecycle done" >> /var/log/lifecycle.log
"""


def fill(unit: str, size: int) -> str:
    text = _LITERALS + unit * (size // len(unit) + 1)
    return text[:size]


def lifecycle(script: str) -> dict[str, object]:
    data = script.encode()[:SCRIPT_BYTES]
    content = base64.b64encode(data).decode()
    assert len(content) <= LCC_CONTENT
    return {"NotebookInstanceLifecycleConfigName": "lcc", "OnCreate": [{"Content": content}]}


def common() -> float:
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
    return worst


def worst_cases() -> float:
    cases: list[tuple[str, str, dict[str, object]]] = []
    for name, unit in ADVERSARIAL.items():
        cases.append(("lifecycle script", name, lifecycle(fill(unit, SCRIPT_BYTES))))
    cases.append(("lifecycle script", "realistic script",
                  lifecycle(REALISTIC_SCRIPT * (SCRIPT_BYTES // len(REALISTIC_SCRIPT) + 1))))
    for name, unit in ADVERSARIAL.items():
        cases.append(("environment value", name,
                      training(Environment={"LOG_LEVEL": "info", "BLOB": fill(unit, ENV_VALUE)})))
    print()
    print(f"worst cases: Content {LCC_CONTENT} chars ({SCRIPT_BYTES}-byte script), "
          f"Environment value {ENV_VALUE} chars")
    print(f"{'field':<19}{'text':<24}{'evaluate':>12}  budget 50 ms")
    worst = 0.0
    for field, name, params in cases:
        op = ("CreateNotebookInstanceLifecycleConfig" if field == "lifecycle script"
              else "CreateTrainingJob")
        t = median_seconds(lambda: ss.evaluate(op, params, POLICY), repeat=5, number=3)
        worst = max(worst, t)
        print(f"{field:<19}{name:<24}{t * 1e3:>10.2f}ms  {'met' if t < 50e-3 else 'MISSED'}")
    verdict = "met" if worst < 50e-3 else "MISSED"
    print(f"target < 50 ms per worst-case request: {verdict} (worst {worst * 1e3:.2f} ms)")
    return worst


def big_bucket_policy(size: int = POLICY_BYTES) -> str:
    """An artifact bucket policy of ``size`` bytes: the store's three denies, then per
    team a role grant on its prefix, log delivery pinned by aws:SourceAccount and an
    organisation-wide read - every Allow the analyzer has to read to the end."""
    arn = f"arn:aws:s3:::{BUCKET}"
    statements = required_statements(BUCKET, str(POLICY.kms_key_id))
    team = 0
    while len(json.dumps({"Version": "2012-10-17", "Statement": statements})) < size:
        statements += [
            {"Sid": f"Team{team}", "Effect": "Allow",
             "Principal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:role/team-{team}-train",
                                   f"arn:aws:iam::{ACCOUNT}:role/team-{team}-serve"]},
             "Action": ["s3:GetObject", "s3:PutObject", "s3:GetObjectVersion"],
             "Resource": f"{arn}/teams/{team}/*"},
            {"Sid": f"Logs{team}", "Effect": "Allow",
             "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
             "Resource": f"{arn}/logs/{team}/*",
             "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}},
            {"Sid": f"Org{team}", "Effect": "Allow", "Principal": "*",
             "Action": "s3:GetObject", "Resource": f"{arn}/shared/{team}/*",
             "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}},
        ]
        team += 1
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def bucket_policy() -> float:
    document = big_bucket_policy()
    trusted = (ACCOUNT,)
    params = {"Bucket": BUCKET, "Policy": document}
    assert _principals.analyze(document, trusted).access == "private"
    policy = attrs.evolve(POLICY, trusted_accounts=trusted)
    failed = [f.rule_id for f in ss.evaluate("PutBucketPolicy", params, policy) if f.failed]
    assert failed == [], failed

    def fresh(fn: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            _principals._parse.cache_clear()  # time the parse too, as a first request
            return fn()

        return run

    cases = [
        ("analyze()", fresh(lambda: _principals.analyze(document, trusted))),
        ("evaluate(PutBucketPolicy)", fresh(lambda: ss.evaluate("PutBucketPolicy", params, policy))),
    ]
    n_statements = len(json.loads(document)["Statement"])
    print()
    print(f"bucket policy: {len(document)} bytes, {n_statements} statements, "
          f"{len(ss.evaluate('PutBucketPolicy', params, policy))} rules")
    t_parse = median_seconds(lambda: json.loads(document), repeat=7, number=200)
    print(f"{'call':<28}{'time':>12}{'json.loads':>13}{'ratio':>8}  budget 1 ms")
    worst = 0.0
    for name, fn in cases:
        t = median_seconds(fn, repeat=7, number=200)
        worst = max(worst, t)
        print(f"{name:<28}{t * 1e6:>10.1f}us{t_parse * 1e6:>11.1f}us{t / t_parse:>7.2f}x"
              f"  {'met' if t < 1e-3 else 'MISSED'}")
    verdict = "met" if worst < 1e-3 else "MISSED"
    print(f"target < 1 ms per 20 KiB bucket policy: {verdict} (worst {worst * 1e6:.1f} us)")
    return worst


def main() -> int:
    common()
    worst_cases()
    bucket_policy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
