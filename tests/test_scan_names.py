"""Secret-named keys: a literal given to a key whose name says credential, in any
casing or delimiter style, in an Environment map, a JSON value, a lifecycle script or
a command line - and no finding for metadata about a credential or a reference to one.

What counts (decided here, documented in secure_sagemaker/scan.py):

* a name is secret-named when its last credential term - password, passwd,
  passphrase, secret, token (also as a word's ending: dbpassword, hftoken), <kind> key
  (api, access, secret, private, signing, client ... key; also apikey, wandbapikey),
  or as the whole last word pass, pwd, auth, creds, credential(s), authorization - is
  followed by no metadata word (file, path, arn, name, id, url, min, length, ttl, type,
  stdin ...) and preceded by no negating word (no, skip, use, is ...), and a token is
  not a tokenizer's (pad_token, eos_token, max_token);
* a value is a literal unless empty, a boolean/null word, a reference (Secrets
  Manager/SSM reference, any ARN, $VAR, ${VAR}, $(cmd), {{resolve:...}}, {{ var }}, a
  file path, a URL) or a placeholder (<your-key>, [PAD], ****); numbers are literals;
* in text the value has at least 4 characters; "name: value" needs a quoted key or
  value, or a YAML line of its own; an unquoted value that calls or indexes (code) or
  names a variable holding the secret (token=token, api_key=args.api_key) is not one.
"""

from __future__ import annotations

import base64
import random
import re

import pytest

import secure_sagemaker as ss
from secure_sagemaker import scan
from secure_sagemaker.scan import ASSIGNED, OPTION
from tests._examples import ACCOUNT, IMAGE, POLICY, training

LITERAL = "hunter2!x"  # never to appear in a message

# ------------------------------------------------------------------ key names

SECRET_NAMES = [
    "dbPassword",
    "DbPassword",
    "DB_PASSWORD",
    "db-password",
    "db.password",
    "dbpassword",
    "DBPASSWORD",
    "db_password_2",
    "password",
    "PASSWORD",
    "Passwd",
    "passphrase",
    "ssh_passphrase",
    "secretKey",
    "SECRET_KEY",
    "secret-key",
    "secretkey",
    "django.secret_key",
    "secret",
    "JWT_SECRET",
    "clientSecret",
    "client_secret",
    "wandbApiKey",
    "WANDB_API_KEY",
    "wandb-api-key",
    "wandbapikey",
    "apiKey",
    "API_KEY",
    "apikey",
    "x-api-key",
    "X_API_KEY",
    "OPENAI_API_KEY",
    "accessKey",
    "AWS_SECRET_ACCESS_KEY",
    "aws_access_key",
    "private_key",
    "privateKey",
    "signing-key",
    "DB_PASS",
    "MYSQL_PASS",
    "db.pass",
    "DB_PWD",
    "pwd",
    "HF_TOKEN",
    "hfToken",
    "hftoken",
    "HUGGING_FACE_HUB_TOKEN",
    "GITHUB_TOKEN",
    "authToken",
    "auth_token",
    "ACCESS_TOKEN",
    "refresh-token",
    "sessionToken",
    "NotebookApp.token",
    "BASIC_AUTH",
    "auth",
    "GOOGLE_CREDENTIALS",
    "credentials",
    "creds",
    "Authorization",
    "password2",
    "redis.password",
    "PASSWORD_DB",
    "secret_string",
    "OAuth2Token",
]
NOT_SECRET_NAMES = [
    "PASSWORD_FILE",
    "password_file",
    "passwordFile",
    "password-file",
    "DB_PASSWORD_PATH",
    "DB_SECRET_ARN",
    "dbSecretArn",
    "db-secret-arn",
    "DB_SECRET_NAME",
    "secretName",
    "SECRET_ID",
    "secretsmanager_secret_id",
    "TOKEN_URL",
    "tokenUrl",
    "token-endpoint",
    "TOKEN_TTL",
    "password_min_length",
    "PASSWORD_MIN_LENGTH",
    "passwordMinLength",
    "min_password_length",
    "PASSWORD_POLICY",
    "PASSWORD_ROTATION_DAYS",
    "API_KEY_HEADER",
    "api_key_name",
    "ACCESS_KEY_ID",
    "AWS_ACCESS_KEY_ID",
    "private_key_id",
    "GOOGLE_APPLICATION_CREDENTIALS_FILE",
    "CREDENTIALS_PROVIDER",
    "AUTH_TYPE",
    "auth_mode",
    "auth_method",
    "no_password",
    "skip_auth",
    "use_auth_token",
    "is_secret",
    "pad_token",
    "eos_token",
    "bos_token",
    "unk_token",
    "mask_token",
    "max_token",
    "max_tokens",
    "max_new_tokens",
    "num_tokens",
    "tokenizer",
    "TOKENIZERS_PARALLELISM",
    "tokenizer_name",
    "tokens",
    "KEY",
    "S3_KEY",
    "sort_key",
    "partition-key",
    "KMS_KEY_ID",
    "kms_key",
    "monkey",
    "keyboard",
    "PASS_THROUGH",
    "pass_rate",
    "bypass",
    "compass",
    "PWD_DIR",
    "author",
    "authority",
    "password_stdin",
    "secrets",
    "SECRETS_DIR",
    "passenger",
    "learning_rate",
    "epochs",
    "",
    "_",
    "--",
    "123",
]


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_secret_names_in_every_style(name: str) -> None:
    assert scan.secret_like_key(name), name


@pytest.mark.parametrize("name", NOT_SECRET_NAMES)
def test_metadata_tokenizer_and_plain_names(name: str) -> None:
    assert not scan.secret_like_key(name), name


def styles(words: list[str]) -> list[str]:
    """One name in every delimiter style: snake, SCREAMING, kebab, dotted, camel, Pascal."""
    camel = words[0] + "".join(w.capitalize() for w in words[1:])
    return [
        "_".join(words),
        "_".join(words).upper(),
        "-".join(words),
        ".".join(words),
        camel,
        camel[0].upper() + camel[1:],
        "--" + "-".join(words),
    ]


@pytest.mark.parametrize(
    "words",
    [
        ["db", "password"],
        ["wandb", "api", "key"],
        ["secret", "key"],
        ["db", "pass"],
        ["hf", "token"],
        ["password", "file"],
        ["db", "secret", "arn"],
        ["token", "url"],
        ["password", "min", "length"],
        ["pad", "token"],
        ["api", "key", "header"],
        ["no", "password"],
    ],
)
def test_the_style_does_not_change_the_verdict(words: list[str]) -> None:
    verdicts = {scan.secret_like_key(name.lstrip("-")) for name in styles(words)}
    assert len(verdicts) == 1, words


def test_every_secret_name_contains_a_search_keyword() -> None:
    """The text search starts at a keyword: a secret-named key without one would never
    be looked at.  Random names from every word the classifier knows."""
    vocabulary = sorted(
        set(scan._STRONG)
        | scan._KEY_KINDS
        | scan._WEAK
        | scan._METADATA
        | scan._NEGATING
        | scan._TOKENIZER
        | {"key", "db", "my", "x", "2", "service", "app"}
    )
    rng = random.Random(7)
    accepted = 0
    for _ in range(20000):
        words = [rng.choice(vocabulary) for _ in range(rng.randint(1, 4))]
        for name in (rng.choice(styles(words)), "".join(words)):
            if scan.secret_like_key(name.lstrip("-")):
                accepted += 1
                assert any(k in name.lower() for k in scan._KEYWORDS), name
    assert accepted > 1000


# ------------------------------------------------------------------ values


@pytest.mark.parametrize(
    "value",
    [
        "hunter2",
        "12345",
        "0",
        "p@ss w0rd",
        "changeme",
        "'quoted'",
        "sk_test_abc",
        "-starts-with-dash",
    ],
)
def test_literals(value: str) -> None:
    assert scan.is_literal(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "''",
        "true",
        "False",
        "YES",
        "off",
        "none",
        "null",
        "undefined",
        "disabled",
        "required",
        f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:db-AbCdEf",
        f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/db/password",
        "arn:aws:kms:us-east-1:1:key/x",
        "{{resolve:secretsmanager:db:SecretString:password}}",
        "{{resolve:ssm:/a/b}}",
        "{{ vault_password }}",
        "secretsmanager:db-password",
        "$DB_PASSWORD",
        "${DB_PASSWORD}",
        "$(aws secretsmanager get-secret-value)",
        "${{ secrets.TOKEN }}",
        "%(password)s",
        "/run/secrets/db",
        "~/.netrc",
        "./token.txt",
        "../x",
        "file:///etc/pw",
        "s3://bucket/secret.json",
        "https://vault.example.com/v1/x",
        "<your-api-key>",
        "<pad>",
        "[PAD]",
        "****",
        "xxxxxxxx",
    ],
)
def test_references_placeholders_and_settings_are_not_literals(value: str) -> None:
    assert not scan.is_literal(value)


# ------------------------------------------------------------------ Environment maps


@pytest.mark.parametrize(
    "mapping",
    [
        {"dbPassword": LITERAL},
        {"secretKey": LITERAL},
        {"wandbApiKey": "abc123"},
        {"DB_PASS": LITERAL},
        {"dbpassword": LITERAL},
        {"db.password": LITERAL},
        {"API_KEY": "12345"},
        {"CONFIG": '{"user": "a", "password": "' + LITERAL + '"}'},
        {"CONFIG": '{"db": {"credentials": {"apiKey": "' + LITERAL + '"}}}'},
        {"CONFIG": "{'user': 'a', 'secret': '" + LITERAL + "'}"},
        {"CONFIG": "db:\n  host: db.internal\n  password: " + LITERAL + "\n"},
        {"ARGS": "--epochs 3 --api-key=" + LITERAL},
        {"ARGS": "--password " + LITERAL + " --epochs 3"},
        {"JDBC": "jdbc:mysql://db/x?user=a&password=" + LITERAL},
    ],
)
def test_environment_credentials_are_found(mapping: dict[str, str]) -> None:
    found = scan.scan_mapping(mapping)
    assert [key for key, _ in found] == list(mapping), mapping
    assert all(LITERAL not in kind for _, kind in found)


@pytest.mark.parametrize(
    "mapping",
    [
        {"PASSWORD_FILE": "/run/secrets/db"},
        {"DB_SECRET_ARN": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:x"},
        {"DB_SECRET_NAME": "prod/db"},
        {"TOKEN_URL": "https://auth.example.com/token"},
        {"password_min_length": "12"},
        {"PASSWORD_MIN_LENGTH": "8"},
        {"DB_PASSWORD": "${DB_PASSWORD}"},
        {"DB_PASSWORD": "$DB_PASSWORD"},
        {"DB_PASSWORD": "{{resolve:secretsmanager:db:SecretString:pw}}"},
        {"DB_PASSWORD": ""},
        {"USE_AUTH_TOKEN": "true"},
        {"HF_TOKEN": "false"},
        {"AUTH_ENABLED": "1"},
        {"TOKENIZERS_PARALLELISM": "false"},
        {"pad_token": "<pad>"},
        {"max_tokens": "512"},
        {"CONFIG": '{"user": "a", "password_file": "/run/secrets/db"}'},
        {"CONFIG": '{"password": "${DB_PASSWORD}", "token": ""}'},
        {"ARGS": "--epochs 3 --api-key-secret-arn arn:aws:secretsmanager:us-east-1:1:secret:k"},
        {"ARGS": "--password-stdin --token $HF_TOKEN"},
        {"NOTE": "the password is rotated daily"},
        {"NOTE": "Password: see the vault"},
        {"LOG_LEVEL": "info"},
        {"epochs": "3"},
    ],
)
def test_environment_non_credentials_are_not_found(mapping: dict[str, str]) -> None:
    assert scan.scan_mapping(mapping) == []


# ------------------------------------------------------------------ scripts


def kinds(text: str) -> list[str]:
    return [k for k in scan.scan_text(text) if k in (ASSIGNED, OPTION)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("API_KEY=12345", [ASSIGNED]),
        ("#!/bin/bash\nset -e\nAPI_KEY=12345 python train.py\n", [ASSIGNED]),
        ("echo start && DB_PASS=" + LITERAL + " ./run.sh", [ASSIGNED]),
        ("export dbPassword='" + LITERAL + "'", [ASSIGNED]),
        ("docker run -e WANDB_API_KEY=" + LITERAL + " img", [ASSIGNED]),
        ('cat > c.json <<EOF\n{"password": "' + LITERAL + '"}\nEOF', [ASSIGNED]),
        ("cat > c.yaml <<EOF\ndb:\n  - password: " + LITERAL + "\nEOF", [ASSIGNED]),
        ('python - <<EOF\nclient = Client(api_key="' + LITERAL + '")\nEOF', [ASSIGNED]),
        ("curl -H 'Authorization: Bearer abc123def456' https://x", [ASSIGNED]),
        ('curl -H "X-Api-Key: abc123def456" https://x', [ASSIGNED]),
        ("huggingface-cli login --token " + LITERAL, [OPTION]),
        ("aws secretsmanager create-secret --name db --secret-string " + LITERAL, [OPTION]),
        ("jupyter lab --NotebookApp.token=abc123", [OPTION]),
        ("java -Djavax.net.ssl.trustStorePassword=" + LITERAL + " -jar x.jar", [OPTION]),
        ("PASSWORD=" + LITERAL + "\nrun --api-key " + LITERAL, [ASSIGNED, OPTION]),
    ],
)
def test_script_credentials_are_found(text: str, expected: list[str]) -> None:
    assert kinds(text) == expected
    assert LITERAL not in " ".join(scan.scan_text(text))


@pytest.mark.parametrize(
    "text",
    [
        "export TOKENIZERS_PARALLELISM=false",
        "PASSWORD_FILE=/etc/pw",
        "export DB_SECRET_ARN=arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
        "DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id db --query SecretString)",
        'export HF_TOKEN="$(cat /run/secrets/hf)"',
        "export DB_PASSWORD=${DB_PASSWORD:-}",
        'if [ "$PASSWORD" = "abcd" ]; then echo ok; fi',
        'if password == "abcd":\n    pass',
        'token = os.environ["HF_TOKEN"]',
        "token = get_token()",
        "login(token=token)",
        "client = Client(api_key=args.api_key)",
        "api_key=API_KEY",
        "docker login --username AWS --password-stdin 123.dkr.ecr.us-east-1.amazonaws.com",
        "aws secretsmanager get-secret-value --secret-id prod/db",
        "git config --global credential.helper store",
        "python train.py --max-new-tokens 512 --pad-token '<pad>'",
        "python train.py --no-password train.py",
        "# password: see the vault",
        "echo 'the token is rotated daily'",
        'read -p "Password: " PASSWORD',
        'echo "Secret: done"',
        "token: Optional[str] = None",
        "password: str = field(default=None)",
        "PASSWORD=abc",  # shorter than 4 characters
        "$TOKEN=abcdefgh",
        "export AWS_DEFAULT_REGION=us-east-1\npip install keyring",
    ],
)
def test_script_non_credentials_are_not_found(text: str) -> None:
    assert kinds(text) == [], text


def test_names_longer_than_the_cap_are_not_names() -> None:
    assert kinds("a" * 300 + "_password=" + LITERAL) == []
    assert kinds("a" * 200 + "_password=" + LITERAL) == [ASSIGNED]


# ------------------------------------------------------------------ command lines


@pytest.mark.parametrize(
    ("arguments", "found"),
    [
        (["--api-key=" + LITERAL], [OPTION]),
        (["--password", LITERAL], [OPTION]),
        (["--db-password", LITERAL, "--epochs", "3"], [OPTION]),
        (["bash", "-c", "python train.py --hf-token " + LITERAL], [OPTION]),
        (["python", "train.py", "API_KEY=" + LITERAL], [ASSIGNED]),
        (["--token", "hf_" + "a" * 34], ["Hugging Face token", OPTION]),
        (["--password", "--epochs", "3"], []),
        (["--password-file", "/run/secrets/pw"], []),
        (["--api-key-secret-arn", f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:k"], []),
        (["--token", "$HF_TOKEN"], []),
        (["--max-tokens", "512", "--pad-token", "<pad>"], []),
        (["python3", "train.py", "--epochs", "3"], []),
    ],
)
def test_command_lines(arguments: list[str], found: list[str]) -> None:
    assert scan.scan_arguments(arguments) == found


# ------------------------------------------------------------------ through the rules


def lifecycle(text: str) -> dict[str, object]:
    return {
        "NotebookInstanceLifecycleConfigName": "lcc",
        "OnStart": [{"Content": base64.b64encode(text.encode()).decode()}],
    }


def failures(operation: str, params: dict[str, object], rule_id: str) -> list[ss.Finding]:
    found = [f for f in ss.evaluate(operation, params, POLICY) if f.rule_id == rule_id]
    assert found, f"{rule_id} did not judge {operation}"
    return [f for f in found if f.status == "fail"]


@pytest.mark.parametrize(
    ("operation", "params", "rule_id"),
    [
        (
            "CreateNotebookInstanceLifecycleConfig",
            lifecycle("#!/bin/bash\necho x; API_KEY=12345 ./run\n"),
            "SM109",
        ),
        ("CreateNotebookInstanceLifecycleConfig", lifecycle("export DB_PASS=" + LITERAL), "SM109"),
        ("CreateTrainingJob", training(Environment={"dbPassword": LITERAL}), "SM510"),
        (
            "CreateTrainingJob",
            training(Environment={"CFG": '{"user": "a", "password": "' + LITERAL + '"}'}),
            "SM510",
        ),
        ("CreateTrainingJob", training(HyperParameters={"args": "--api-key=" + LITERAL}), "SM510"),
        ("CreateTrainingJob", training(HyperParameters={"wandb-api-key": LITERAL}), "SM510"),
        (
            "CreateTrainingJob",
            training(
                AlgorithmSpecification={
                    "TrainingImage": IMAGE,
                    "TrainingInputMode": "File",
                    "ContainerArguments": ["--password", LITERAL],
                }
            ),
            "SM209",
        ),
        (
            "CreateTrainingJob",
            training(
                AlgorithmSpecification={
                    "TrainingImage": IMAGE,
                    "TrainingInputMode": "File",
                    "ContainerEntrypoint": ["python3", "train.py", "--api-key=" + LITERAL],
                }
            ),
            "SM209",
        ),
    ],
)
def test_the_rules_refuse_each_case_without_quoting_it(
    operation: str, params: dict[str, object], rule_id: str
) -> None:
    (finding,) = failures(operation, params, rule_id)
    assert LITERAL not in finding.message and "12345" not in finding.message
    assert LITERAL not in finding.field


@pytest.mark.parametrize(
    ("operation", "params", "rule_id"),
    [
        (
            "CreateNotebookInstanceLifecycleConfig",
            lifecycle(
                "export TOKENIZERS_PARALLELISM=false\n"
                "DB_PASSWORD=$(aws secretsmanager get-secret-value)\n"
            ),
            "SM109",
        ),
        (
            "CreateTrainingJob",
            training(
                Environment={
                    "PASSWORD_FILE": "/run/secrets/db",
                    "DB_SECRET_NAME": "prod/db",
                    "TOKEN_URL": "https://a.example.com/t",
                    "password_min_length": "8",
                }
            ),
            "SM510",
        ),
        (
            "CreateTrainingJob",
            training(HyperParameters={"max_tokens": "512", "pad_token": "<pad>", "epochs": "3"}),
            "SM510",
        ),
        (
            "CreateTrainingJob",
            training(
                AlgorithmSpecification={
                    "TrainingImage": IMAGE,
                    "TrainingInputMode": "File",
                    "ContainerArguments": [
                        "--password-file",
                        "/run/secrets/db",
                        "--token",
                        "$HF_TOKEN",
                    ],
                }
            ),
            "SM209",
        ),
    ],
)
def test_the_rules_pass_the_non_secrets(
    operation: str, params: dict[str, object], rule_id: str
) -> None:
    assert failures(operation, params, rule_id) == []


# ------------------------------------------------------------------ robustness


def test_the_scanner_never_raises_and_never_returns_text() -> None:
    rng = random.Random(11)
    pieces = [
        "password",
        "PASS",
        "api_key",
        "Token",
        "--",
        "-",
        "=",
        ":",
        ":=",
        "==",
        '"',
        "'",
        '\\"',
        " ",
        "\t",
        "\n",
        "$",
        "${",
        "(",
        "[",
        "<",
        ">",
        "abcd",
        "1234",
        "x",
        "é",
        "\u017f",
        "Bearer",
        "#",
        ".",
    ]
    vocabulary = {"abcd", "1234", "x"}
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        for found in (
            scan.scan_text(text),
            scan.scan_arguments(text.split(" ")),
            [k for _, k in scan.scan_mapping({"k": text, "password": text})],
        ):
            assert set(found) <= {k for k, _ in scan._PATTERNS} | {
                ASSIGNED,
                OPTION,
                "literal value in a secret-named variable",
            }
            assert not any(v in kind for kind in found for v in vocabulary if v != "x")


def test_kinds_are_reported_once_in_a_fixed_order() -> None:
    text = "run --token abcdef1 && PASSWORD=abcdef2 && --api-key abcdef3 && TOKEN=abcdef4"
    assert kinds(text) == [ASSIGNED, OPTION]
    assert re.search("abcdef", " ".join(scan.scan_text(text))) is None
