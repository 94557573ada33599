"""Bounds: the credential scanner finds exactly the token formats its first, quadratic
patterns found (the secret-named-key detector that replaced the first assignment
pattern is specified in tests/test_scan_names.py); nesting depth is measured without
recursion; requests and pipeline definitions nested too deeply are refused instead of
crashing evaluate().

Timing belongs to benchmarks/evaluate.py, not here: these tests check results."""

from __future__ import annotations

import fnmatch
import json
import random
import re
import sys
from typing import Any

import botocore.session
import pytest

import secure_sagemaker as ss
from secure_sagemaker import scan
from secure_sagemaker._paths import MAX_DEPTH, copy_structure, too_deep
from secure_sagemaker._pipelines import (
    Unresolved,
    iter_steps,
    load_pipeline_definition,
    unresolve,
)
from secure_sagemaker.controls._policy_document import action_matches, managed_policy_name
from tests._examples import POLICY, ROLE, notebook, pipeline, training

# ----------------------------------------------------------------- the scanner

# The patterns as first written: the specification of what the scanner finds.  They
# take quadratic time on long runs of one character, so they only judge short texts.
ORIGINAL = (
    (
        "AWS access key ID",
        re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"),
    ),
    (
        "AWS secret access key",
        re.compile(r"(?i)aws.{0,20}?(?:secret|private).{0,20}?['\"=: ]\s*[A-Za-z0-9/+=]{40}\b"),
    ),
    ("private key", re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY(?: BLOCK)?-----")),
    (
        "GitHub token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b"),
    ),
    ("GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}\b")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("Stripe key", re.compile(r"\b[sr]k_live_[0-9a-zA-Z]{20,}\b")),
    ("Hugging Face token", re.compile(r"\bhf_[A-Za-z0-9]{30,}\b")),
    ("OpenAI-style API key", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}\b")),
    (
        "JSON web token",
        re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    ),
    (
        "password in a URL",
        re.compile(r"[a-z][a-z0-9+.-]*://[^\s:/@]+:[^\s@/]{3,}@", re.IGNORECASE),
    ),
)
FORMATS = {kind for kind, _ in ORIGINAL}
KEYED = {scan.ASSIGNED, scan.OPTION}


def original_scan_text(text: str) -> list[str]:
    return [kind for kind, pattern in ORIGINAL if pattern.search(text)]


def formats_found(text: str) -> list[str]:
    """What the scanner finds in ``text``, the formats first, then at most the two
    secret-named-key kinds."""
    kinds = scan.scan_text(text)
    formats = [k for k in kinds if k in FORMATS]
    assert kinds[len(formats) :] == [k for k in (scan.ASSIGNED, scan.OPTION) if k in kinds]
    return formats


# characters the patterns treat specially, and the non-ASCII ones (?i) folds onto
# ASCII letters: long s, dotless i, dotted I, Kelvin sign
NOISE = "aAzZ09_-.:/@=+ \n\t'\"$eé!\r\x0b\u017f\u0131\u0130\u212a"


def near_misses(rng: random.Random) -> list[str]:
    """One almost-credential of each kind (about half of them are real matches)."""

    def some(chars: str, low: int, high: int) -> str:
        return "".join(rng.choice(chars) for _ in range(rng.randint(low, high)))

    alnum, key = "abcXYZ0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    end = rng.choice(["", " ", "_", "é", "-", "="])
    return [
        rng.choice(["AKIA", "ASIA", "AROA", "AKIa"]) + some(key, 15, 17) + end,
        rng.choice(["aws", "AWS", "aw\u017f", "aw"])
        + some("aws _-:x\t", 0, 22)
        + rng.choice(["secret", "private", "\u017fecret", "pr\u0130vate", "secre"])
        + some(" =:'\"x\t", 0, 22)
        + some(" \t\n", 0, 30)
        + some(alnum + "/+=\u0131\u212a", 38, 42)
        + end,
        "-----BEGIN "
        + rng.choice(["", "RSA ", "rsa ", "EC"])
        + "PRIVATE KEY"
        + rng.choice(["", " BLOCK"])
        + rng.choice(["-----", "----"]),
        rng.choice(["ghp_", "gho_", "ghx_", "github_pat_"]) + some(alnum + "_", 34, 42) + end,
        rng.choice(["glpat-", "-glpat-"]) + some(alnum + "_-", 18, 24) + end,
        rng.choice(["xoxb-", "xoxa-", "xoxz-"]) + some(alnum + "-", 8, 14) + end,
        "AIza" + some(alnum + "_-", 33, 37) + end,
        rng.choice(["sk_live_", "rk_live_"]) + some(alnum, 18, 23) + end,
        "hf_" + some(alnum, 28, 33) + end,
        "sk-" + rng.choice(["", "proj-"]) + some(alnum + "_-", 30, 36) + end,
        some("a-_", 0, 3)
        + "eyJ"
        + some(alnum + "_-", 8, 14)
        + rng.choice([".", ""])
        + "eyJ"
        + some(alnum + "_-", 8, 14)
        + rng.choice([".", ""])
        + some(alnum + "_-", 8, 12),
        some("0+.-", 0, 3)
        + some("abcHTTPS\u0130\u017f\u212a", 0, 4)
        + some("a0+.-", 0, 4)
        + rng.choice(["://", "://", ":/"])
        + some("abcé", 0, 3)
        + some("ab:/@ ", 0, 1)
        + rng.choice([":", ":", ""])
        + some("ab:é", 2, 5)
        + some("ab:@/ ", 0, 1)
        + rng.choice(["@", "@", ""]),
        some(" \t\n", 0, 4)
        + rng.choice(["", "export ", "export\n", "export"])
        + some("AB_9a", 0, 3)
        + rng.choice(
            ["PASSWORD", "passwd", "API_KEY", "APIKEY", "acce\u017f\u017f_key", "TOKEN", "PASS"]
        )
        + some("AB_9a", 0, 3)
        + some(" \t\n", 0, 3)
        + rng.choice(["=", "", "=="])
        + some(" \t\n", 0, 3)
        + rng.choice(["", "'", '"', "$"])
        + some("ab=:", 2, 6)
        + some("ab$'\" x", 0, 2),
    ]


def mutated(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(rng.randint(0, 3)):
        at = rng.randint(0, len(chars))
        op = rng.random()
        if op < 0.4 and chars:
            chars[min(at, len(chars) - 1)] = rng.choice(NOISE)
        elif op < 0.7:
            chars.insert(at, rng.choice(NOISE))
        elif chars:
            del chars[min(at, len(chars) - 1)]
    return "".join(chars)


def texts(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    return [
        "".join(
            mutated(rng.choice(near_misses(rng)), rng)
            if rng.random() < 0.8
            else rng.choice(NOISE) * rng.choice([1, 3, 21, 22, 40])
            for _ in range(rng.randint(1, 4))
        )
        for _ in range(n)
    ]


@pytest.mark.parametrize("seed", range(4))
def test_the_scanner_finds_exactly_the_formats_the_original_patterns_find(seed: int) -> None:
    found: set[str] = set()
    for text in texts(seed, 1500):
        expected = original_scan_text(text)
        assert formats_found(text) == expected, text
        found.update(expected)
    assert found == FORMATS  # every kind was found somewhere


def test_scan_mapping_reports_the_first_kind_as_before() -> None:
    for text in texts(9, 500):
        expected = next((kind for kind, p in ORIGINAL if p.search(text)), None)
        found = dict(scan.scan_mapping({"VALUE": text, "DB_PASSWORD": text}))
        if expected is not None:
            assert found == {"VALUE": expected, "DB_PASSWORD": expected}
            continue
        assert found.get("VALUE") in (None, *KEYED)
        if scan.is_literal(text):
            assert found["DB_PASSWORD"] == "literal value in a secret-named variable"
        else:
            assert found.get("DB_PASSWORD") == found.get("VALUE")


@pytest.mark.parametrize(
    "text",
    [
        "aws_secret_access_key = " + "A" * 39 + "b",
        "AWS private key:" + " " * 50 + "\n" + "a/b+" * 10,  # \s* crosses the newline
        "aws secret" + "\t" * 25 + "=" + "k" * 40,
        "awsawsaws secret " + " " * 30 + "A" * 40 + "!",
        "aws" + "x" * 21 + "secret=" + "A" * 40,  # "secret" too far from "aws"
        "url https://user:pa55word@example.com/x",
        "123://user:pa55@host",  # a scheme starts with a letter
        "-eyJ-eyJabcdefghijk.eyJabcdefghijk.abcdefghijk",
        "\n\n   export\n\n  MY_API_KEY  =  'abcd'",
        "PASSWORD=$SECRET_FROM_ENV",
        "PASSWORDPASSWORDPASSWORD x= abcd",
    ],
)
def test_the_scanner_agrees_on_hand_picked_edges(text: str) -> None:
    assert formats_found(text) == original_scan_text(text)


ALL_CHARACTERS = "".join(map(chr, range(sys.maxunicode + 1)))


def test_spelled_out_letters_match_what_ignorecase_matches() -> None:
    def matched(pattern: str) -> set[str]:
        return set(re.findall(pattern, ALL_CHARACTERS))

    assert matched(f"[{scan._LETTER}]") == matched("(?i)[a-z]")
    for letter in "abcdefghijklmnopqrstuvwxyz":
        assert matched(scan._nocase(letter)) == matched(f"(?i){letter}"), letter


# ----------------------------------------------------------------- IAM wildcards


def test_action_matching_agrees_with_fnmatch() -> None:
    rng = random.Random(3)
    for actions, patterns in (("ab:[]İIi", "ab:*?[]İI"), ("ab", "a*?"), ("aab", "ab*?")):
        for _ in range(8000):
            action = "".join(rng.choice(actions) for _ in range(rng.randint(0, 8)))
            pattern = "".join(rng.choice(patterns) for _ in range(rng.randint(0, 9)))
            expected = fnmatch.fnmatchcase(action.lower(), pattern.lower().replace("[", "[[]"))
            assert action_matches(pattern, action) is expected, (pattern, action)


def test_long_wildcard_patterns_are_matched_without_a_regex() -> None:
    assert action_matches("iam:pass" + "*" * 40000 + "role", "iam:PassRole")
    assert not action_matches("a*" * 20000, "iam:PassRole")
    assert not action_matches("*?" * 20000, "iam:PassRole")
    assert action_matches("*" * 40000 + "?" * 12, "iam:PassRole")


def test_managed_policy_names() -> None:
    assert (
        managed_policy_name("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess")
        == "ViewOnlyAccess"
    )
    assert (
        managed_policy_name("arn:aws:iam::aws:policy/AdministratorAccess") == "AdministratorAccess"
    )
    assert managed_policy_name("arn:aws:iam::aws:policy/a/") is None
    assert managed_policy_name("arn:aws:iam::aws:policy/" + "a/" * 20000 + " ") is None


# ----------------------------------------------------------------- depth


def nested(depth: int, kinds: str = "d") -> Any:
    """``depth`` levels of containers, cycling through dict/list/tuple (d/l/t)."""
    value: Any = "leaf"
    for i in range(depth):
        kind = kinds[i % len(kinds)]
        value = {"a": value} if kind == "d" else [value] if kind == "l" else (value,)
    return value


@pytest.mark.parametrize("kinds", ["d", "l", "t", "dlt"])
def test_too_deep_counts_container_levels(kinds: str) -> None:
    assert not too_deep(nested(MAX_DEPTH, kinds))
    assert too_deep(nested(MAX_DEPTH + 1, kinds))
    assert too_deep(nested(5000, kinds))
    assert too_deep(nested(200_000, kinds))  # iterative: no RecursionError
    assert not too_deep(nested(3, kinds), limit=3) and too_deep(nested(4, kinds), limit=3)


def test_too_deep_edges() -> None:
    assert MAX_DEPTH == 64
    assert not too_deep("x" * 100) and not too_deep(None) and not too_deep(b"[[[")
    assert too_deep({}, limit=0) and not too_deep({}, limit=1) and too_deep({"a": []}, limit=1)
    for request in (training(), notebook(), pipeline(training())):
        assert not too_deep(request)
    cycle: list[Any] = []
    cycle.append(cycle)
    assert too_deep(cycle)
    shared: list[Any] = []
    for _ in range(MAX_DEPTH - 1):
        shared = [shared, shared]  # 2**63 paths, 64 containers
    assert not too_deep(shared)
    assert too_deep([shared, shared])
    wide = {f"k{i}": [{"x": [1]}] for i in range(5000)}
    assert not too_deep(wide) and too_deep(wide, limit=3)


def test_the_deepest_sagemaker_request_shape_fits() -> None:
    model = botocore.session.get_session().get_service_model("sagemaker")

    def depth(shape: Any, seen: tuple[str, ...] = ()) -> float:
        if shape.name in seen:
            return float("inf")  # a recursive shape (Search's SearchExpression)
        inner = {
            "structure": lambda: list(shape.members.values()),
            "list": lambda: [shape.member],
            "map": lambda: [shape.value],
        }.get(shape.type_name)
        return (
            0 if inner is None else 1 + max([depth(s, (*seen, shape.name)) for s in inner()] or [0])
        )

    depths = {
        op: depth(model.operation_model(op).input_shape)
        for op in model.operation_names
        if model.operation_model(op).input_shape is not None
    }
    assert max(d for d in depths.values() if d != float("inf")) <= MAX_DEPTH // 4  # 10 today
    assert {op for op, d in depths.items() if d == float("inf")} <= {"Search"}


def test_copy_structure_copies_every_level_and_survives_any_depth() -> None:
    request = training()
    copy = copy_structure(request)
    assert copy == request
    copy["ResourceConfig"]["InstanceCount"] = 9
    copy["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] = "s3://other/"
    assert request == training()
    deep = copy_structure(nested(200_000, "dl"))
    assert too_deep(deep)
    cycle: dict[str, Any] = {}
    cycle["self"] = cycle
    assert copy_structure(cycle)["self"] is not cycle


def test_unresolve_marks_expressions_at_any_depth() -> None:
    args = {
        "VpcConfig": {"Get": "Parameters.Vpc"},
        "List": [{"Std:Join": {"On": "", "Values": [{"Get": "Steps.A.Properties.B"}]}}],
        "Keep": ({"Get": "x"},),
    }
    out = unresolve(args)
    assert out["VpcConfig"] == Unresolved("Get", parameter=True)  # no value known
    assert out["List"] == [Unresolved("Std:Join")]
    assert out["Keep"] is args["Keep"]  # tuples are values, as before
    assert unresolve({"Get": "x"}) == Unresolved("Get")
    unresolve(nested(200_000, "dl"))  # no RecursionError


# ----------------------------------------------------------------- pipelines


def definition(depth: int) -> str:
    """A pipeline definition ``depth + 1`` levels deep (json.dumps would recurse)."""
    return '{"Version": "2020-12-01", "Steps": [], "Metadata": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize("depth", [MAX_DEPTH, 5000, 200_000])
def test_a_pipeline_definition_nested_too_deeply_is_refused(depth: int) -> None:
    # 5000 and 200,000 levels overflow the json module's recursion
    assert load_pipeline_definition({"PipelineDefinition": definition(depth)}) == (
        f"nests deeper than {MAX_DEPTH} levels"
    )
    assert load_pipeline_definition({"PipelineDefinition": json.loads(definition(MAX_DEPTH))}) == (
        f"nests deeper than {MAX_DEPTH} levels"
    )
    assert isinstance(
        load_pipeline_definition({"PipelineDefinition": definition(MAX_DEPTH - 2)}), dict
    )


def test_evaluate_fails_a_deep_pipeline_definition_instead_of_raising() -> None:
    params = dict(pipeline(training()), PipelineDefinition=definition(5000))
    findings = ss.evaluate("CreatePipeline", params, POLICY)
    assert any(f.status == "fail" and "nests deeper than 64 levels" in f.message for f in findings)
    new, _filled = ss.secure_request("CreatePipeline", params, POLICY)
    assert new["PipelineDefinition"] == params["PipelineDefinition"]


def test_nested_condition_steps_are_walked_in_order_without_recursion() -> None:
    leaf = {"Name": "Leaf", "Type": "Training", "Arguments": {"RoleArn": ROLE}}
    tree = [
        {
            "Name": "C",
            "Type": "Condition",
            "Arguments": {
                "IfSteps": [{"Name": "If", "Type": "Training"}],
                "ElseSteps": [
                    {"Name": "C2", "Type": "Condition", "Arguments": {"IfSteps": [leaf]}}
                ],
            },
        },
        {"Name": "Last", "Type": "Model"},
    ]
    assert [label for label, _ in iter_steps(tree, "Steps")] == [
        "Steps[C]",
        "Steps[C].Arguments.IfSteps[If]",
        "Steps[C].Arguments.ElseSteps[C2]",
        "Steps[C].Arguments.ElseSteps[C2].Arguments.IfSteps[Leaf]",
        "Steps[Last]",
    ]
    steps: list[Any] = [leaf]
    for _ in range(5000):
        steps = [{"Type": "Condition", "Arguments": {"IfSteps": steps}}]
    assert sum(1 for _ in iter_steps(steps, "Steps")) == 5001
