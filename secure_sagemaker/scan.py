"""Finding credentials in strings, without ever returning them.

Used by the rules on ``Environment`` / ``HyperParameters`` values, container
arguments and lifecycle scripts.  Every function returns *kinds* ("AWS access key
ID") and key names, never the matched text.

Two detectors: well-known token formats (``_PATTERNS``), and a literal given to a
secret-named key - ``DB_PASS=...``, ``"password": "..."``, ``--api-key ...`` - where
the name says credential (:func:`secret_like_key`, any casing or delimiter style)
and the value is a literal, not a reference (:func:`is_literal`).
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = [
    "ASSIGNED",
    "OPTION",
    "decode_script",
    "is_literal",
    "is_secret_reference",
    "scan_arguments",
    "scan_mapping",
    "scan_text",
    "secret_like_key",
]

# Every pattern below takes time linear in the text (a 16 KiB lifecycle script or a
# 40,000-character environment value is scanned in milliseconds) and finds exactly
# what its plain spelling, in the comment above it, finds.  The rewrites:
# * a token's leading \b becomes a look-behind *after* its literal prefix
#   (glpat-(?<!\wglpat-) is \bglpat-), so the engine jumps between occurrences of
#   the prefix instead of attempting a match at every character;
# * a repetition followed by a character it cannot match is possessive
#   ([^\s:/@]++:): giving characters back can never help, only cost;
# * where many starting points share one run of characters (each letter of a long
#   word could start a URL scheme), only the run's first character starts a match,
#   and an atomic group commits to the run's first candidate, which succeeds whenever
#   a later one would;
# * case-insensitive words are spelled as classes ([sS\u017f][eE]...): the engine skips
#   ahead to a class but not to a (?i) literal, and tests a class twice as fast.

# the non-ASCII characters (?i) matches for an ASCII letter (Python's re, Unicode)
_FOLDS = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}
_LETTER = "A-Za-z" + "".join(_FOLDS.values())  # (?i)[a-z]


def _nocase(word: str) -> str:
    """``word`` as (?i) matches it, without the flag: ``"a_s"`` -> ``"[Aa]_[Ss\u017f]"``."""
    return "".join(f"[{c.upper()}{c}{_FOLDS.get(c, '')}]" if c.isalpha() else c for c in word)


def _token(prefix: str, rest: str) -> re.Pattern[str]:
    r"""``\b{prefix}{rest}`` (``prefix`` starts with a word character, has a fixed width)."""
    return re.compile(rf"{prefix}(?<!\w{prefix}){rest}")


def _containing(literal: str, pattern: re.Pattern[str]) -> Callable[[str], bool]:
    """``pattern.search`` for a pattern that only matches text containing ``literal``
    (a substring test, far faster than any regex, settles the usual text)."""

    def detect(text: str) -> bool:
        return literal in text and pattern.search(text) is not None

    return detect


# (?i)aws.{0,20}?(?:secret|private).{0,20}?['"=: ]\s*[A-Za-z0-9/+=]{40}\b
# No complete "aws" between "aws" and "secret": the nearest "aws" before "secret"
# matches whenever an earlier one does.  The second gap is greedy (the same matches as
# lazy, in cheaper steps).  Run on the text with long whitespace runs cut.
_AWS = _nocase("aws")
_AWS_SECRET = re.compile(
    rf"{_AWS}(?:.(?<!{_AWS})){{0,20}}?(?:{_nocase('secret')}|{_nocase('private')})"
    rf".{{0,20}}['\"=: ]\s*+[{_LETTER}0-9/+=]{{40}}\b"
)
# _AWS_SECRET reads at most the first 21 characters of a whitespace run (.{0,20} then
# a space as the separator) before \s* takes the rest, and a run longer than 20 cannot
# sit between "aws" and "secret"; so cutting each run to 21 characters changes no
# result, and bounds what each of the (at most 21) separators re-reads after it.
_LONG_SPACE = re.compile(r"(\s{21})\s+")


def _aws_secret(text: str) -> bool:
    # casefold() maps each character (?i) takes for a, w or s (U+017F too) to that letter
    return "aws" in text.casefold() and bool(_AWS_SECRET.search(_LONG_SPACE.sub(r"\1", text)))


_AWS_KEY_PREFIX = "(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)"

# (kind, detector) - well-known credential formats; the plain spelling in comments
_PATTERNS: tuple[tuple[str, Callable[[str], object]], ...] = (
    # \b(?:AKIA|ASIA|...)[A-Z0-9]{16}\b
    ("AWS access key ID", _token(_AWS_KEY_PREFIX, r"[A-Z0-9]{16}\b").search),
    ("AWS secret access key", _aws_secret),
    # -----BEGIN (?:[A-Z]+ )?PRIVATE KEY(?: BLOCK)?-----
    (
        "private key",
        re.compile(r"-----BEGIN (?:[A-Z]++ )?PRIVATE KEY(?: BLOCK)?-----").search,
    ),
    # \b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b
    (
        "GitHub token",
        re.compile(
            r"(?:gh[pousr]_(?<!\wgh[pousr]_)[A-Za-z0-9]{36,}+"
            r"|github_pat_(?<!\wgithub_pat_)[A-Za-z0-9_]{40,}+)\b"
        ).search,
    ),
    # \bglpat-[A-Za-z0-9_-]{20,}\b
    ("GitLab token", _token("glpat-", r"[A-Za-z0-9_-]{20,}\b").search),
    # \bxox[abposr]-[A-Za-z0-9-]{10,}\b
    ("Slack token", _token("xox[abposr]-", r"[A-Za-z0-9-]{10,}\b").search),
    # \bAIza[0-9A-Za-z_-]{35}\b
    ("Google API key", _token("AIza", r"[0-9A-Za-z_-]{35}\b").search),
    # \b[sr]k_live_[0-9a-zA-Z]{20,}\b
    ("Stripe key", _token("[sr]k_live_", r"[0-9a-zA-Z]{20,}+\b").search),
    # \bhf_[A-Za-z0-9]{30,}\b
    ("Hugging Face token", _token("hf_", r"[A-Za-z0-9]{30,}+\b").search),
    # \bsk-(?:proj-)?[A-Za-z0-9_-]{32,}\b
    ("OpenAI-style API key", _token("sk-", r"(?:proj-)?[A-Za-z0-9_-]{32,}\b").search),
    # \beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}
    (
        "JSON web token",
        _containing(
            "eyJ",
            re.compile(
                r"(?<![A-Za-z0-9_-])(?>[A-Za-z0-9_-]*?\beyJ)[A-Za-z0-9_-]{10,}+\."
                r"eyJ[A-Za-z0-9_-]{10,}+\.[A-Za-z0-9_-]{10}"
            ),
        ),
    ),
    # (?i)[a-z][a-z0-9+.-]*://[^\s:/@]+:[^\s@/]{3,}@
    (
        "password in a URL",
        _containing(
            "://",
            re.compile(
                rf"(?<![{_LETTER}0-9+.-])[0-9+.-]*+[{_LETTER}][{_LETTER}0-9+.-]*+"
                r"://[^\s:/@]++:[^\s@/]{3,}+@"
            ),
        ),
    ),
)

# ----------------------------------------------------------------- secret-named keys
# A name is cut into words at every delimiter and camelCase boundary (dbPassword,
# DB_PASSWORD, db-password, db.password -> db password); a word that ends in a strong
# term counts without a delimiter too (dbpassword, wandbapikey).  The name is
# secret-named when the last credential term in it is followed by no word that makes
# it metadata about a credential (PASSWORD_FILE, DB_SECRET_ARN, TOKEN_URL,
# password_min_length) and preceded by none that negates it (no_password).
_WORDS = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# a word equal to or ending in one of these: password, dbpassword, clientsecret, hftoken
_STRONG = ("password", "passwd", "passphrase", "secret", "token")
# "<kind> key" or "<kind>key": api key, apiKey, APIKEY, wandbapikey, secret_key
_KEY_KINDS = _set(
    "api access secret private priv signing master encryption account app client consumer "
    "subscription license ssh auth service storage shared hmac db database"
)
_COMPACT_KEYS = tuple(kind + "key" for kind in sorted(_KEY_KINDS))
# only as the whole last word: DB_PASS, PWD, BASIC_AUTH, GOOGLE_CREDENTIALS
_WEAK = _set("pass pwd pswd auth authorization creds credential credentials")
# after the term: a description of the credential, not the credential
_METADATA = _set(
    "file files filename path paths dir directory folder location loc mount arn arns name "
    "names id ids ref refs reference url urls uri uris endpoint endpoints host hostname port "
    "server region bucket vault store manager provider backend source length len min max "
    "size count limit chars policy rotation rotate days age ttl timeout expiry expires "
    "expiration lifetime duration enabled enable disabled disable required require prompt "
    "hint help description desc label type kind mode version header headers field param "
    "params parameter env var variable format regex pattern prefix suffix stdin command cmd "
    "script method scheme algorithm algo strength complexity generator placeholder exists "
    "flag"
)
# before the term: a switch about a credential (no_password, skip_auth, use_auth_token)
_NEGATING = _set("no not skip without disable ignore use is has")
# right before "token": a tokenizer's token or a count (pad_token, eos_token, max_token)
_TOKENIZER = _set(
    "pad eos bos unk sep cls mask special start end stop sos max min num n total new extra "
    "additional image audio video vision system decoder encoder thinking reasoning chat "
    "prompt sample input output context"
)
_CACHED_NAME = 128  # longer names are classified uncached


def _is_term(words: list[str], i: int) -> bool:
    word = words[i]
    if word.endswith(_STRONG) or word.endswith(_COMPACT_KEYS):
        return True
    if word == "key":
        return i > 0 and words[i - 1] in _KEY_KINDS
    return word in _WEAK and i == len(words) - 1


def _classify(name: str) -> bool:
    words = [w for w in (part.rstrip("0123456789").lower() for part in _WORDS.split(name)) if w]
    last = next((i for i in range(len(words) - 1, -1, -1) if _is_term(words, i)), None)
    if last is None:
        return False
    if any(w in _METADATA for w in words[last + 1 :]):
        return False
    if any(w in _NEGATING for w in words[:last]):
        return False
    return not (words[last].endswith("token") and last and words[last - 1] in _TOKENIZER)


_classify_cached = functools.lru_cache(maxsize=2048)(_classify)


def secret_like_key(name: str) -> bool:
    """True when a key or option name says it holds a credential, in any casing or
    delimiter style: ``DB_PASS``, ``dbPassword``, ``dbpassword``, ``wandb-api-key``,
    ``secret.key``; false for metadata about one (``PASSWORD_FILE``, ``DB_SECRET_ARN``,
    ``TOKEN_URL``, ``password_min_length``) and for tokenizer tokens (``pad_token``)."""
    return _classify_cached(name) if len(name) <= _CACHED_NAME else _classify(name)


_REFERENCE = re.compile(
    r"^(?:arn:aws[a-z-]*:(?:secretsmanager|ssm):[a-z0-9-]+:\d{12}:.+"
    r"|secretsmanager:.+|\{\{resolve:(?:secretsmanager|ssm-secure):.+\}\})$"
)


def is_secret_reference(value: str) -> bool:
    """True for a reference to a secret rather than the secret: a Secrets Manager
    or SSM parameter ARN, ``secretsmanager:<name>``, or a CloudFormation
    ``{{resolve:secretsmanager:...}}``."""
    return bool(_REFERENCE.match(value.strip()))


# values that are a setting, not a credential
_NOT_SECRET_WORDS = _set(
    "true false yes no on off none null nil undefined unset empty enabled disabled "
    "required optional auto default n/a na"
)
# a reference or an expansion: any ARN, ${VAR}/$VAR/$(cmd), {{resolve:...}}/{{ var }},
# %(name)s, a file path, and a URL (one with a password is the "password in a URL" kind)
_REFERENCE_PREFIXES = ("arn:", "$", "{{", "%(", "/", "~/", "./", "../")
_PLACEHOLDERS = (("<", ">"), ("[", "]"))  # <your-api-key>, [PAD]
_MASK = frozenset("*xX.#\u2022")  # ****, xxxx


def is_literal(value: str) -> bool:
    """True when ``value`` could be a credential given literally: not empty, not a
    boolean or null word, not a reference (a Secrets Manager/SSM reference, any ARN,
    ``$VAR``/``${VAR}``/``$(cmd)``, ``{{resolve:...}}``, a file path, a URL) and not a
    placeholder (``<your-key>``, ``****``).  Numbers are literals (``API_KEY=12345``)."""
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        v = v[1:-1].strip()
    if not v or v.lower() in _NOT_SECRET_WORDS or is_secret_reference(v):
        return False
    if v.startswith(_REFERENCE_PREFIXES) or "://" in v:
        return False
    return (v[0], v[-1]) not in _PLACEHOLDERS and not set(v) <= _MASK


# name [closing quote] separator value, where the name holds a credential keyword:
# NAME=value, name := value, "name": "value", name: 'value', --name value, --name=value.
# Every name secret_like_key accepts contains one of _KEYWORDS.  The search starts at a
# keyword, spelled as a class of first letters and then any keyword's rest (a superset:
# "tey" too) so that the engine skips ahead to those letters; it takes the rest of the
# name possessively, then optionally a separator and a value of at most 256 characters.
# Each run of name characters is read once and the name's start is looked for at most
# _LONGEST_NAME characters back, so each match costs bounded work: linear time.
_KEYWORDS = ("pass", "pwd", "pswd", "secret", "token", "key", "auth", "cred")
_KEYWORD_IN_NAME = "[{}](?:{})".format(
    "".join(sorted({c for w in _KEYWORDS for c in (w[0], w[0].upper())})),
    "|".join(sorted({_nocase(w[1:]) for w in _KEYWORDS})),
)
_QUOTED = r"(?P<quote>[\"'])(?![$<])(?:(?!(?P=quote))[^\n]){4,256}+"
_KEYED = re.compile(
    rf"(?:{_KEYWORD_IN_NAME})[\w.-]*+(?P<tail>(?P<closing>[\"']?)[ \t]*+"
    r"(?:(?P<sep>:?=(?!=)|:(?![:/=]))[ \t]*+|(?<=[ \t])(?!-))"
    rf"(?P<value>{_QUOTED}|(?![$<])[^\s'\"`,;&|<>(){{}}\[\]]{{4,256}}+)"
    r"(?P<after>[(\[]?)(?P<eol>(?=[ \t]{0,64}+(?:#|\r?\n|\Z)))?)?"
)
_LONGEST_NAME = 256
_NAME_RUN = re.compile(r"[\w.-]*+")


def _name_char(char: str) -> bool:
    return char in "_.-" or char.isalnum()  # [\w.-], as re defines \w


_SCHEMES = frozenset({"bearer", "basic", "token"})  # Authorization: Bearer <token>
_AFTER_SCHEME = re.compile(r"[ \t]++([^\s'\"`]{4,256})")
_VARIABLE = re.compile(r"[A-Za-z_]\w*+(?:\.[A-Za-z_]\w*+)*+")  # api_key, args.token
ASSIGNED = "credential assigned to a variable"
OPTION = "credential passed as a command-line option"


def _name_start(text: str, keyword: int) -> int | None:
    """Where the name holding the keyword at ``keyword`` starts (a name character
    precedes the keyword); ``None`` when it is longer than _LONGEST_NAME."""
    window = text[max(0, keyword - _LONGEST_NAME - 1) : keyword][::-1]
    run = _NAME_RUN.match(window)  # [\w.-]*+ always matches
    length = run.end() if run else 0
    return keyword - length if length <= _LONGEST_NAME else None


def _at_line_start(text: str, start: int) -> bool:
    """Whether only indentation or a YAML list dash precede ``start`` on its line
    (looking back at most 64 characters)."""
    before = text[max(0, start - 64) : start].rstrip(" \t-")
    return before.endswith("\n") if before else start <= 64


def _variable(value: str, name: str) -> bool:
    """An unquoted value that names a variable holding the credential (``token=token``,
    ``api_key=args.api_key``, ``password=DB_PASSWORD``), as code passes it on."""
    if _VARIABLE.fullmatch(value) is None:
        return False
    if value.lower() == name.lower():
        return True
    last = value.rpartition(".")[2]
    return ("." in value or "_" in value) and secret_like_key(last)


def _keyed_kind(match: re.Match[str], text: str) -> str | None:
    """The kind of credential this name/value match gives, if any."""
    keyword, sep, quoted = match.start(), match["sep"], match["quote"] is not None
    joined = keyword > 0 and _name_char(text[keyword - 1])  # the name starts before it
    if sep is None and not joined:
        return None  # "name value" is an option only after a dash (the usual text)
    colon_bare = sep == ":" and not (quoted or joined or match["closing"])
    if colon_bare and match["eol"] is None and not (keyword and text[keyword - 1] in "'\""):
        return None  # prose: "password: see the vault" (the usual text)
    start = _name_start(text, keyword) if joined else keyword
    if start is None or text[max(0, start - 2) : start].endswith(("$", "${")):
        return None  # too long to be a name, or a use: $TOKEN, ${TOKEN}
    name = text[start : match.start("tail")]
    bare = name.lstrip("-")
    option = bare != name
    if (sep is None and not option) or not secret_like_key(bare):
        return None
    value = match["value"][1:] if quoted else match["value"]
    if not quoted:
        if match["after"] or _variable(value, bare):
            return None  # a call or an index (code), or a variable
        if value.lower() in _SCHEMES:
            scheme = _AFTER_SCHEME.match(text, match.end("value"))
            if scheme is None:
                return None
            value = scheme[1]
    if sep == ":" and not match["closing"] and not _colon_pair(match, text, start, value):
        return None
    return (OPTION if option else ASSIGNED) if is_literal(value) else None


def _colon_pair(match: re.Match[str], text: str, start: int, value: str) -> bool:
    """Whether ``name: value`` with an unquoted name pairs a key with its value: inside
    a string (``"X-Api-Key: ..."``, a header) the value must look like a token, not a
    word (``"Secret: done"``); else the value is quoted (``password: "..."``) or the
    pair is a YAML line (``password: ...`` alone on its line), not prose."""
    if start and text[start - 1] in "'\"":
        return match["quote"] is None and (len(value) >= 12 or any(c.isdigit() for c in value))
    if match["quote"] is not None:
        return True
    return match["eol"] is not None and _at_line_start(text, start)


def _keyed(text: str) -> list[str]:
    """The kinds of secret-named key given a literal in ``text`` (each once)."""
    if "=" not in text and ":" not in text and "-" not in text:
        return []
    lowered = text.lower()
    if not any(keyword in lowered for keyword in _KEYWORDS):
        return []
    if "\\" in text:
        text = text.replace('\\"', '"').replace("\\'", "'")  # JSON inside a JSON string
    kinds: list[str] = []
    for match in _KEYED.finditer(text):
        if match["value"] is None:
            continue  # a name with no value after it
        if kinds == [ASSIGNED] and not (match.start() and _name_char(text[match.start() - 1])):
            continue  # only an option (--name: a dash before the keyword) adds a kind
        kind = _keyed_kind(match, text)
        if kind is not None and kind not in kinds:
            kinds.append(kind)
            if len(kinds) == 2:
                break
    return sorted(kinds, key=(ASSIGNED, OPTION).index)


def scan_text(text: str) -> list[str]:
    """The kinds of credential found in ``text`` (empty if none)."""
    return [kind for kind, found in _PATTERNS if found(text)] + _keyed(text)


def scan_arguments(arguments: Iterable[object]) -> list[str]:
    """The kinds of credential in a command line (``ContainerArguments``,
    ``ContainerEntrypoint``): its items joined by spaces, so ``["--password", x]``
    reads as the option it is."""
    return scan_text(" ".join(str(a) for a in arguments))


def scan_mapping(mapping: Mapping[Any, Any]) -> list[tuple[str, str]]:
    """``[(key, kind), ...]`` for every entry of an ``Environment``-like mapping that
    holds a credential: a known token format in the value, a secret-named key holding
    a literal instead of a reference, or a value that itself gives one to a
    secret-named key (JSON ``{"password": ...}``, ``--api-key=...``)."""
    found: list[tuple[str, str]] = []
    for key, value in mapping.items():
        name = str(key)
        if not isinstance(value, str):
            continue
        kind = next((k for k, detect in _PATTERNS if detect(value)), None)
        if kind is None and secret_like_key(name) and is_literal(value):
            kind = "literal value in a secret-named variable"
        if kind is None:
            kind = next(iter(_keyed(value)), None)
        if kind is not None:
            found.append((name, kind))
    return found


def decode_script(content: str) -> str:
    """A lifecycle script's base64 ``Content`` as text (the raw text if not base64)."""
    try:
        return base64.b64decode(content, validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return content
