"""What nothing in the project may do, whatever the input or the config.

* Secrets (access keys, STS tokens, webhook secrets and tokens, signatures, Redis passwords) never
  appear in logs, results, exceptions, reprs or files. The proof is suite-wide — every test's
  captured output is scanned (``tests/secret_scan.py``, wired in ``tests/conftest.py``) — and these
  tests pin the scanner itself down, plus the places a secret would most likely slip through.
* A receiver URL that is not ``http://`` or ``https://`` is refused when the config loads.
* User (Jinja) templates are bounded: the template, what it renders, what it builds on the way.
  (Guard rule messages: ``tests/guard/test_guard_templates.py``.)
* SQL from events is parsed (sqlglot), never executed.
* A policy file cannot execute code: YAML is read with ``safe_load`` only.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from openevent.errors import ConfigError
from openevent.local.functions import load_module
from openevent.runtime.config import load_config
from openevent.runtime.context import LocalContext
from openevent.runtime.redact import register_secret
from secret_scan import SCANNER, searchable
from support import ROOT

SHARED = ROOT / "shared" / "openevent"


# -- the suite-wide secret scan ---------------------------------------------------------------------------
CANARY = '''
import pytest
from openevent.runtime.redact import register_secret, registered_secrets

SECRET = "canary-secret-0123456789"


def test_printing_a_registered_secret_fails_the_test():
    register_secret(SECRET)
    print("the token is", SECRET)


@pytest.mark.secret_output
def test_a_test_marked_secret_output_may_print_one():
    register_secret(SECRET)
    print("the token is", SECRET)


def test_a_secret_logged_through_the_library_is_masked_and_passes():
    from openevent.runtime.logging import get_logger
    register_secret("canary-logged-0123456789")
    get_logger("canary").info("call", note="canary-logged-0123456789")


def test_zz_what_an_earlier_test_registered_is_forgotten_by_the_next():
    assert "canary-logged-0123456789" not in registered_secrets()


def test_a_secret_in_an_output_file_fails_the_test(tmp_path):
    register_secret("canary-file-0123456789")
    (tmp_path / "trail.jsonl").write_text("canary-file-0123456789")
'''


@pytest.fixture(scope="module")
def canary_run(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """A pytest run of :data:`CANARY` with this suite's conftest (the secret scan) and nothing else."""
    tree = tmp_path_factory.mktemp("canary") / "tests"
    (tree / "fixtures").mkdir(parents=True)
    for name in ("conftest.py", "secret_scan.py", "support.py"):
        shutil.copy(ROOT / "tests" / name, tree / name)
    for name in ("redis_server.py", "hung_server.py"):
        shutil.copy(ROOT / "tests" / "fixtures" / name, tree / "fixtures" / name)
    (tree / "test_canary.py").write_text(CANARY, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(ROOT / "shared")])}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA", "-c",
                           str(ROOT / "pyproject.toml"), "--rootdir", str(tree.parent), str(tree / "test_canary.py"),
                           "-o", "addopts=", "-o", "testpaths=", "-o", "pythonpath="],
                          capture_output=True, text=True, env=env, timeout=300, check=False)


def outcome_of(run: subprocess.CompletedProcess[str], test: str) -> str:
    """The test's outcome in the run's summary (``ERROR`` when its teardown failed, whatever its call did)."""
    # a summary line is "OUTCOME path::test" and, where the terminal is wide enough, " - reason" after it
    line = re.compile(rf"^(PASSED|FAILED|ERROR) \S+::{re.escape(test)}(?: - .*)?$")
    found = {m.group(1) for m in map(line.match, run.stdout.splitlines()) if m}
    return "ERROR" if "ERROR" in found else "FAILED" if "FAILED" in found else "PASSED" if found else "?"


def test_a_test_whose_output_holds_a_secret_fails_naming_only_its_first_characters(
        canary_run: subprocess.CompletedProcess[str]) -> None:
    assert outcome_of(canary_run, "test_printing_a_registered_secret_fails_the_test") == "FAILED", canary_run.stdout
    assert "a secret (can…, 24 chars)" in canary_run.stdout
    failures = canary_run.stdout.split("= FAILURES =", 1)[1].split("= PASSES =", 1)[0]
    assert "the token is ***" in failures and "canary-secret" not in failures  # the report's copy is masked too


def test_a_test_marked_secret_output_is_exempt(canary_run: subprocess.CompletedProcess[str]) -> None:
    assert outcome_of(canary_run, "test_a_test_marked_secret_output_may_print_one") == "PASSED", canary_run.stdout


def test_output_the_library_masked_passes_and_the_registry_is_reset_after_each_test(
        canary_run: subprocess.CompletedProcess[str]) -> None:
    assert outcome_of(canary_run, "test_a_secret_logged_through_the_library_is_masked_and_passes") == "PASSED"
    assert outcome_of(canary_run, "test_zz_what_an_earlier_test_registered_is_forgotten_by_the_next") == "PASSED"


def test_a_secret_in_a_file_the_test_leaves_fails_it_at_teardown(canary_run: subprocess.CompletedProcess[str]) -> None:
    assert outcome_of(canary_run, "test_a_secret_in_an_output_file_fails_the_test") == "ERROR", canary_run.stdout
    assert "trail.jsonl: a secret (can…" in canary_run.stdout


def test_the_scan_knows_every_registered_secret_and_its_url_encoded_form() -> None:
    register_secret("scan-me/0123+456=")
    SCANNER.learn()

    assert SCANNER.leak_in("x scan-me/0123+456= y") and SCANNER.leak_in("url?t=scan-me%2F0123%2B456%3D")
    assert SCANNER.leak_in("nothing to see") is None


def test_placeholder_words_are_masked_but_not_searched_for() -> None:
    assert not searchable("secret") and not searchable("password")  # they name log keys too
    assert searchable("hunter2-secret") and searchable("LTAI5tQ8example")


# -- the places a secret would slip through -------------------------------------------------------------
def test_a_redis_password_never_reaches_a_log_line_an_error_or_a_repr(capsys: pytest.CaptureFixture[str],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from openevent.state.url import parse_state_url

    url = "redis://:redis-fault-password-0123@127.0.0.1:1/0"  # nothing listens: every call fails
    monkeypatch.setenv("OPENEVENT_STATE_URL", url)
    monkeypatch.setenv("OPENEVENT_CONFIG", str(ROOT / "functions" / "download_guard" / "config.yaml"))
    module = load_module("download_guard", fresh=True)
    try:
        out = module.handler(json.dumps(_download_event()).encode(), LocalContext(function_name="download_guard"))
    finally:
        module.reset()

    text = capsys.readouterr().out + json.dumps(out) + repr(parse_state_url(url))
    assert "redis-fault-password-0123" not in text and "degraded" in text


def test_credentials_and_clients_never_show_their_secret_in_a_repr() -> None:
    from openevent.dataworks.client import DataWorksClient
    from openevent.runtime.context import ContextCredentials
    from openevent.runtime.credentials import Credentials

    creds = Credentials("LTAI5tQ8example", "the-secret-0123456789", "sts-token-0123456789")
    client = DataWorksClient(region="cn-hangzhou", credentials=creds, endpoint="http://127.0.0.1:9")
    shown = repr(creds) + repr(client) + repr(ContextCredentials("id", "the-secret-0123456789", "sts-token-0123456789"))

    assert "the-secret-0123456789" not in shown and "sts-token-0123456789" not in shown


def test_a_signature_error_never_carries_the_string_to_sign_that_embeds_the_sts_token() -> None:
    from openevent.dataworks.errors import DataWorksApiError

    register_secret("sts-token-in-string-to-sign")
    err = DataWorksApiError("SignatureDoesNotMatch", "Specified signature is not matched with our calculation. "
                            "server string to sign is:POST&%2F&SecurityToken%3Dsts-token-in-string-to-sign")

    assert "sts-token-in-string-to-sign" not in f"{err} {err!r} {err.as_log_fields()}"


# -- receiver URLs -----------------------------------------------------------------------------------------
BAD_URLS = ["file:///etc/passwd", "ftp://example.com/hook", "gopher://127.0.0.1:6379/_FLUSHALL", "javascript:alert(1)",
            "data:text/plain,hi", "/var/run/docker.sock", "oapi.dingtalk.com/robot/send?access_token=x", "http:///nohost",
            "dict://127.0.0.1:11211/stat"]


def write(tmp_path: Path, doc: dict[str, Any]) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize("url", BAD_URLS)
@pytest.mark.parametrize("kind", ["dingtalk", "feishu", "wecom", "slack", "webhook"])
def test_a_receiver_url_that_is_not_http_is_refused_when_the_notifier_config_loads(
        tmp_path: Path, kind: str, url: str) -> None:
    from openevent.alerting.config import NotifierConfig

    with pytest.raises(ConfigError, match=r"receivers\.x\..*url: (only http:// and https:// URLs|the URL has no host)"):
        load_config(NotifierConfig, write(tmp_path, {"receivers": {"x": {"kind": kind, "url": url}}}))


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_dq_webhook_or_receiver_url_that_is_not_http_is_refused_when_the_forwarder_config_loads(
        tmp_path: Path, url: str) -> None:
    from openevent.quality.config import QualityConfig

    with pytest.raises(ConfigError, match="url"):
        load_config(QualityConfig, write(tmp_path, {"destinations": {"w": {"kind": "webhook", "url": url}}}))
    with pytest.raises(ConfigError, match="url"):
        load_config(QualityConfig, write(tmp_path, {"receivers": {"d": {"kind": "dingtalk", "url": url}}}))


def test_an_audit_summary_receiver_that_is_not_http_is_refused_before_anything_is_sent(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write(tmp_path, {"sinks": {"stdout": False}, "chat_summary": {"receivers": ["r"]},
                              "receivers": {"r": {"kind": "webhook", "url": "file:///etc/passwd"}}})
    monkeypatch.setenv("OPENEVENT_CONFIG", str(config))
    monkeypatch.setenv("OPENEVENT_STATE_URL", "memory://")
    module = load_module("node_change_auditor", fresh=True)
    try:
        with pytest.raises(ConfigError, match="only http:// and https://"):
            module.handler(b"{}", LocalContext(function_name="node_change_auditor"))
    finally:
        module.reset()


def test_the_console_link_base_of_alerts_must_be_http_too(tmp_path: Path) -> None:
    from openevent.alerting.config import NotifierConfig

    with pytest.raises(ConfigError, match="console"):
        load_config(NotifierConfig, write(tmp_path, {"links": {"console": "javascript:alert(1)//"}}))


def test_http_and_https_receivers_still_load(tmp_path: Path) -> None:
    from openevent.alerting.config import NotifierConfig

    cfg = load_config(NotifierConfig, write(tmp_path, {"receivers": {
        "a": {"kind": "webhook", "url": "HTTPS://hooks.example.com/x"}, "b": {"kind": "slack", "url": "http://127.0.0.1:9/s"},
        "c": {"kind": "dingtalk", "url": None}}}))

    assert sorted(cfg.receivers) == ["a", "b", "c"]


# -- templates ---------------------------------------------------------------------------------------------
def test_a_template_longer_than_the_limit_is_refused_when_the_config_loads(tmp_path: Path) -> None:
    from openevent.alerting.config import NotifierConfig
    from openevent.notify.templates import MAX_TEMPLATE_CHARS

    template = {"body": "x" * (MAX_TEMPLATE_CHARS + 1)}
    doc = {"receivers": {"x": {"kind": "webhook", "url": "https://h/x", "template": template}}}
    with pytest.raises(ConfigError, match=r"template\.body"):
        load_config(NotifierConfig, write(tmp_path, doc))


@pytest.mark.parametrize("body", [
    '{{ "x" * 1000000000 }}',                                                          # one huge repetition
    '{{ 10 ** 10000000 }}',                                                            # a huge power
    '{% set a = "x" * 60000 %}{% set b = a ~ a ~ a %}{% set c = b ~ b %}{{ c }}',      # doubling by ~
    '{% set a = "x" * 60000 %}{{ a + a }}',                                             # doubling by +
    '{{ "x".center(1000000000) }}', '{{ "x".zfill(1000000000) }}',                      # padding
    '{{ "{:>1000000000}".format(1) }}',                                                 # a format width
    '{% for i in range(100000) %}{{ "0123456789" }}{% endfor %}',                       # a long rendering
    '{{ "x"|center(100000000) }}', '{{ "x"|indent(100000000) }}',                       # unavailable filters
])
def test_a_template_that_would_build_a_huge_text_falls_back_to_the_default_at_once(body: str) -> None:
    from openevent.notify.message import Message
    from openevent.notify.templates import TemplateOverride, render

    message = Message(kind="test", title="hi", lang="en")
    started = time.perf_counter()

    rendered = render(message, "plain", TemplateOverride(body=body))

    assert rendered.custom is False and rendered.body == render(message, "plain").body
    assert time.perf_counter() - started < 2.0


def test_a_bounded_template_still_renders() -> None:
    from openevent.notify.message import Message
    from openevent.notify.templates import TemplateOverride, render

    rendered = render(Message(kind="test", title="hi", lang="en"),
                      "plain", TemplateOverride(body='{{ title ~ "!" }} {{ "ab" * 3 }} {{ 2 ** 10 }}'))

    assert (rendered.custom, rendered.body) == (True, "hi! ababab 1024")


# -- SQL from events ---------------------------------------------------------------------------------------
DB_MODULES = {"sqlite3", "pymysql", "MySQLdb", "psycopg", "psycopg2", "odps", "pyodps", "sqlalchemy", "pyhive",
              "hologres", "pymssql", "cx_Oracle", "jaydebeapi", "duckdb"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_guard_package_imports_no_database_driver_and_sqlglot_only_to_parse() -> None:
    for path in sorted((SHARED / "guard").glob("*.py")):
        imported = imports_of(path)
        assert not {m.split(".")[0] for m in imported} & DB_MODULES, path.name
        assert not [m for m in imported if m.startswith("sqlglot.") and m.split(".")[1] in ("executor", "planner")]
        calls = {n.func.attr for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
        assert not calls & {"execute", "executemany", "executescript", "cursor"}, path.name


def test_sql_in_a_download_event_is_parsed_and_never_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from openevent.guard.sql import analyse_sql, extract_tables  # the guard's entry points into SQL

    for name in [m for m in sys.modules if m.startswith("sqlglot.executor")]:
        monkeypatch.delitem(sys.modules, name)

    sql = "DROP TABLE sales.orders; SELECT * FROM sales.ods_user_pii; DELETE FROM t"
    facts = (extract_tables(sql), analyse_sql(sql))

    assert "sales.ods_user_pii" in str(facts) and not any(m.startswith("sqlglot.executor") for m in sys.modules)


# -- policy files ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("tag", ['!!python/object/apply:os.system ["touch {marker}"]',
                                 '!!python/object/new:subprocess.Popen [["touch", "{marker}"]]',
                                 "!!python/name:os.system"])
def test_a_policy_with_a_python_tag_is_refused_and_runs_nothing(tmp_path: Path, tag: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from openevent.guard.policy import load_policy

    marker = tmp_path / "pwned"
    policy = tmp_path / "policy.yaml"
    policy.write_text(f"contact: {tag.format(marker=marker)}\nrules: []\n", encoding="utf-8")

    with pytest.raises(ConfigError, match="not valid YAML"):
        load_policy(str(policy))

    assert not marker.exists()


def test_every_yaml_read_in_the_library_is_a_safe_load() -> None:
    unsafe = []
    for path in sorted(SHARED.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "yaml" \
                    and node.func.attr in ("load", "load_all", "unsafe_load", "full_load", "full_load_all"):
                unsafe.append(f"{path.relative_to(SHARED)}:{node.lineno}")
    assert unsafe == []


def _download_event() -> dict[str, Any]:
    from openevent.events.samples import sample_event

    return sample_event("dataworks:ResourcesDownload:DownloadResources")

