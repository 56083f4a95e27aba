"""The deploy files and the README keep up with the code: app.json, Procfile, the variables,
the commands and the HTTP routes (SPEC sections 7-9)."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.app import create_app
from gateway.cli import main
from gateway.config import Config

ROOT = Path(__file__).resolve().parents[1]
APP_JSON = json.loads((ROOT / "app.json").read_text(encoding="utf-8"))
README = (ROOT / "README.md").read_text(encoding="utf-8")
CONFIG_SOURCE = (ROOT / "gateway" / "config.py").read_text(encoding="utf-8")

# Every read in Config.from_env goes through the _Reader: env.text("NAME"), env.secret("NAME")…
READ = re.compile(r'\benv\.(\w+)\(\s*"([A-Z][A-Z0-9_]*)"')
VARIABLES = sorted({name for _, name in READ.findall(CONFIG_SOURCE)})
SECRET_VARIABLES = sorted({name for kind, name in READ.findall(CONFIG_SOURCE) if kind == "secret"})
# Secrets smsprefs makes up itself; the others are issued by Slack or Vonage.
GENERATED = {"SMSPREFS_API_TOKEN", "WEBHOOK_TOKEN"}
ISSUED_ELSEWHERE = {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "VONAGE_API_SECRET",
                    "VONAGE_SIGNATURE_SECRET"}
# Not asked on the deploy form (app.json): Heroku sets these itself (add-on, router), and
# these only point the gateway at a test fake. The README's configuration table has them all.
SET_BY_HEROKU = {"DATABASE_URL", "PORT"}
FOR_TESTS_ONLY = {"VONAGE_REST_HOST", "VONAGE_API_HOST", "SLACK_API_URL"}
ASKED = sorted(set(VARIABLES) - SET_BY_HEROKU - FOR_TESTS_ONLY)

# Heroku's app.json schema (docs/vonage.md section 8.1)
TOP_LEVEL_KEYS = {"name", "description", "keywords", "website", "repository", "logo",
                  "success_url", "scripts", "env", "formation", "addons", "buildpacks",
                  "environments", "stack", "image"}
ENV_KEYS = {"description", "value", "required", "generator"}


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    entries = [line.split(":", 1) for line in lines if line.strip() and not line.startswith("#")]
    return {name.strip(): command.strip() for name, command in entries}


def readme_section(title: str) -> str:
    """Return the README's `## title` section, up to the next `## ` heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"the README has no '## {title}' section"
    return match.group(1)


def test_the_config_regex_finds_the_variables():
    # a guard on the guard: if config.py stops reading through env.*("NAME"), say so here
    assert len(VARIABLES) >= 26
    assert {"DATABASE_URL", "PORT", "SMSPREFS_API_TOKEN", "SMS_TRANSPORT"} <= set(VARIABLES)


def test_app_json_has_only_schema_keys():
    assert set(APP_JSON) <= TOP_LEVEL_KEYS
    assert APP_JSON["buildpacks"] == [{"url": "heroku/python"}]
    for name, spec in APP_JSON["env"].items():
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", name)
        assert isinstance(spec, dict) and set(spec) <= ENV_KEYS, name
        assert isinstance(spec.get("required", True), bool), name
        assert isinstance(spec.get("value", ""), str), name


@pytest.mark.parametrize("name", ASKED)
def test_every_variable_a_person_sets_is_in_app_json_with_a_description(name):
    assert name in APP_JSON["env"], f"{name} is read by gateway/config.py but not in app.json"
    assert APP_JSON["env"][name].get("description", "").strip()


def test_app_json_asks_only_what_a_person_must_fill_in():
    assert sorted(APP_JSON["env"]) == ASKED


def test_app_json_opens_the_status_page_after_deploy():
    assert APP_JSON["success_url"] == "/"


def test_our_own_secrets_are_generated_and_required():
    env = APP_JSON["env"]
    generated = {name for name, spec in env.items() if spec.get("generator")}
    assert generated == GENERATED
    for name in GENERATED:
        assert env[name] == {**env[name], "generator": "secret", "required": True}
        assert "value" not in env[name]


def test_every_secret_is_either_generated_or_issued_by_slack_or_vonage():
    # a new secret variable must be sorted into one of the two on purpose
    assert set(SECRET_VARIABLES) == GENERATED | ISSUED_ELSEWHERE
    for name in ISSUED_ELSEWHERE:
        assert "value" not in APP_JSON["env"][name]


def test_what_heroku_sets_and_test_fakes_need_is_documented_in_the_readme():
    table = readme_section("Configuration")
    for name in SET_BY_HEROKU | FOR_TESTS_ONLY:
        assert f"`{name}`" in table


def test_slack_can_be_configured_after_the_first_deploy():
    # the Slack manifest needs the app's URL, which exists only once the app is deployed
    for name, spec in APP_JSON["env"].items():
        if name.startswith("SLACK_") or name == "SMSPREFS_EDITORS":
            assert spec.get("required") is False, name


def test_app_json_defaults_are_valid_configuration():
    values = {name: spec["value"] for name, spec in APP_JSON["env"].items() if "value" in spec}
    config = Config.from_env({**values, "SMSPREFS_API_TOKEN": "x", "WEBHOOK_TOKEN": "y"},
                             dotenv=False)
    assert config.allow_unsigned_webhooks is False
    assert config.vonage_signature_method == "sha256"
    assert config.confirmation_owner == "app"


def test_app_json_provisions_postgres_and_both_dynos():
    addons = [a if isinstance(a, str) else a["plan"] for a in APP_JSON["addons"]]
    assert any(a.split(":")[0] == "heroku-postgresql" for a in addons)
    formation = APP_JSON["formation"]
    assert formation["web"]["quantity"] >= 1
    assert formation["worker"]["quantity"] >= 1
    assert set(formation) <= set(procfile()) - {"release"}


def test_heroku_ci_runs_the_suite_on_in_dyno_postgres():
    test = APP_JSON["environments"]["test"]
    assert "heroku-postgresql:in-dyno" in test["addons"]
    script = test["scripts"]["test"]
    assert "SMSPREFS_TEST_DATABASE_URL=$DATABASE_URL" in script
    assert "pytest" in script


def test_procfile_runs_gunicorn_the_worker_and_migrations():
    processes = procfile()
    assert set(processes) == {"web", "worker", "release"}
    web = shlex.split(processes["web"])
    assert web[0] == "gunicorn"
    assert web[-1] == "gateway.app:create_app()"  # quoted in the Procfile: bash would choke on ()
    assert "0.0.0.0:$PORT" in web
    assert processes["worker"] == "smsprefs worker"
    assert processes["release"] == "smsprefs migrate"


def test_heroku_build_finds_one_lock_file_and_a_python_version():
    assert (ROOT / "uv.lock").is_file()
    for other in ("requirements.txt", "poetry.lock", "Pipfile.lock"):
        assert not (ROOT / other).exists(), f"{other} next to uv.lock fails Heroku's build"
    assert re.fullmatch(r"3\.1[1-4](\.\d+)?", (ROOT / ".python-version").read_text().strip())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_procfile_commands_run_as_heroku_runs_them(tmp_path):
    """Release twice (safe to repeat), then web under bash, with Heroku's access log on."""
    processes, port = procfile(), _free_port()
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "PORT": str(port), "DATABASE_URL": f"sqlite:///{tmp_path / 'heroku.db'}",
           "SMSPREFS_API_TOKEN": "t", "WEBHOOK_TOKEN": "w", "WEB_CONCURRENCY": "1",
           "GUNICORN_CMD_ARGS": "--access-logfile -"}  # what the Python buildpack sets
    for _ in range(2):
        done = subprocess.run(["bash", "-c", processes["release"]], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
    assert "database is up to date" in done.stdout

    log = tmp_path / "web.log"
    with log.open("w") as out:
        web = subprocess.Popen(["bash", "-c", f"exec {processes['web']}"], env=env, cwd=ROOT,
                               stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, answer = time.monotonic() + 30, None
        while time.monotonic() < deadline and web.poll() is None:
            try:
                url = f"http://127.0.0.1:{port}/healthz?token=do-not-log-me"
                with urllib.request.urlopen(url, timeout=2) as response:
                    answer = json.load(response)
                break
            except OSError:
                time.sleep(0.2)
        assert answer == {"status": "ok", "database": "ok"}, log.read_text()
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        try:
            web.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(web.pid, signal.SIGKILL)
            web.wait()
    text = log.read_text()
    assert '"GET /healthz" 200' in text
    assert "do-not-log-me" not in text  # webhook tokens and phones travel in query strings


def test_every_command_is_in_the_readme_cli_reference(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["--help"],
                                env={"DATABASE_URL": f"sqlite:///{tmp_path / 'help.db'}"})
    assert result.exit_code == 0, result.output
    listed = result.output.split("Commands:", 1)[1]
    commands = re.findall(r"^  (\S+)", listed, re.M)
    assert len(commands) >= 10
    reference = readme_section("Command line reference")
    for command in commands:
        assert re.search(rf"smsprefs {re.escape(command)}\b", reference), command


@pytest.mark.parametrize("name", VARIABLES)
def test_every_variable_is_in_the_readme_table(name):
    table = readme_section("Configuration")
    assert re.search(rf"^\| `{name}` \|", table, re.M), f"{name} is not in the README's table"


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_every_route_is_in_the_readme(database, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = create_app({"DATABASE_URL": database.url, "SMS_TRANSPORT": "console"})
    documented = {_shape(p) for p in re.findall(r"`(?:[A-Z]+(?:/[A-Z]+)? )?(/[^`\s?]*)", README)}
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static":
            assert _shape(rule.rule) in documented, f"{rule.rule} is not in the README"


def _shape(path: str) -> str:
    return re.sub(r"<[^>]*>", "<>", path)
