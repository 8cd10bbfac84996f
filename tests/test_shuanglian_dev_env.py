"""A development checkout's .env: manage.py works without exports, production stays fail-closed."""

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.test_settings import CONFIGURED, GOOD_KEY, PROBE

ROOT = Path(__file__).resolve().parent.parent
# What scripts/serve writes, give or take the key.
DEV_KEY = "dEv-" + GOOD_KEY


def run(
    command: list[str], env: dict[str, str], env_file: Path | None
) -> subprocess.CompletedProcess:
    """Run in the project with only `env` of the settings' variables, and `env_file` as .env."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in CONFIGURED | {"ENV_FILE", "ALLOWED_HOSTS", "TASKS_BACKEND"}
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, *command],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "shuanglian.settings",
            "ENV_FILE": str(env_file) if env_file else "",
            **env,
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def settings_from(env: dict[str, str], env_file: Path | None, *names: str) -> dict:
    result = run(["-c", PROBE, *names], env, env_file)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def dot_env(tmp_path: Path) -> Path:
    path = tmp_path / ".env"
    path.write_text(
        "# This checkout's development settings\n\nDEBUG=true\n"
        f"SECRET_KEY={DEV_KEY}\nASSIGNMENT_MAX_PER_CADRE='12'\n"
    )
    return path


def test_with_a_dot_env_and_no_exports_manage_py_commands_work(dot_env: Path) -> None:
    result = run(["manage.py", "check"], {}, dot_env)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout

    values = settings_from({}, dot_env, "DEBUG", "SECRET_KEY", "ASSIGNMENT_MAX_PER_CADRE")
    assert values == {"DEBUG": True, "SECRET_KEY": DEV_KEY, "ASSIGNMENT_MAX_PER_CADRE": 12}


def test_without_a_dot_env_the_same_command_stops_for_the_secret_key(tmp_path: Path) -> None:
    result = run(["manage.py", "check"], {}, tmp_path / "missing.env")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_the_environment_beats_the_dot_env(dot_env: Path) -> None:
    values = settings_from(
        {"DEBUG": "true", "SECRET_KEY": "a-key-of-my-own", "ASSIGNMENT_MAX_PER_CADRE": "20"},
        dot_env,
        "SECRET_KEY",
        "ASSIGNMENT_MAX_PER_CADRE",
    )
    assert values == {"SECRET_KEY": "a-key-of-my-own", "ASSIGNMENT_MAX_PER_CADRE": 20}


def test_debug_false_in_the_environment_ignores_the_dot_env_and_needs_a_secret_key(
    dot_env: Path,
) -> None:
    result = run(["manage.py", "check"], {"DEBUG": "false"}, dot_env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr

    values = settings_from(
        {"DEBUG": "false", "SECRET_KEY": GOOD_KEY},
        dot_env,
        "DEBUG",
        "SECRET_KEY",
        "ASSIGNMENT_MAX_PER_CADRE",
    )
    assert values == {"DEBUG": False, "SECRET_KEY": GOOD_KEY, "ASSIGNMENT_MAX_PER_CADRE": 10}


def test_a_dot_env_never_turns_a_production_machine_into_debug(dot_env: Path) -> None:
    """A production environment gives SECRET_KEY and leaves DEBUG unset (README)."""
    values = settings_from(
        {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "sl.example.cn"},
        dot_env,
        "DEBUG",
        "SECRET_KEY",
        "ASSIGNMENT_MAX_PER_CADRE",
    )
    assert values == {"DEBUG": False, "SECRET_KEY": GOOD_KEY, "ASSIGNMENT_MAX_PER_CADRE": 10}


def test_a_dot_env_that_leaves_debug_off_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(f"SECRET_KEY={GOOD_KEY}\nALLOWED_HOSTS=sl.example.cn\n")
    result = run(["-c", PROBE, "DEBUG"], {}, path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_a_line_that_is_not_key_equals_value_fails_loudly(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("DEBUG=true\nSECRET KEY\n")
    result = run(["-c", PROBE, "DEBUG"], {}, path)
    assert result.returncode != 0
    assert f"{path}, line 2: not a KEY=value line." in result.stderr


def test_the_dot_env_is_the_one_in_the_project_folder_and_git_ignores_it() -> None:
    clean = {k: v for k, v in os.environ.items() if k != "ENV_FILE"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE, "ENV_FILE"],
        env={**clean, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "shuanglian.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout) == {"ENV_FILE": str(ROOT / ".env")}
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()


def test_the_tests_never_read_a_checkouts_dot_env() -> None:
    assert settings.ENV_FILE == ""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A checkout with scripts/_dev_env.sh and a .venv whose python is this one."""
    root = tmp_path / "checkout"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "_dev_env.sh", root / "scripts")
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / "bin" / "python").symlink_to(sys.executable)
    return root


def source_dev_env(checkout: Path) -> None:
    subprocess.run(  # noqa: S603
        [shutil.which("sh"), "-euc", ". scripts/_dev_env.sh"], cwd=checkout, check=True
    )


def test_the_scripts_write_debug_and_a_random_secret_key_readable_by_the_owner_only(
    checkout: Path,
) -> None:
    source_dev_env(checkout)

    path = checkout / ".env"
    values = dict(
        line.split("=", 1) for line in path.read_text().splitlines() if not line.startswith("#")
    )
    assert values.keys() == {"DEBUG", "SECRET_KEY"}
    assert values["DEBUG"] == "true"
    assert len(values["SECRET_KEY"]) == 67
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    other = checkout.parent / "other"
    shutil.copytree(checkout, other, symlinks=True, ignore=shutil.ignore_patterns(".env"))
    source_dev_env(other)
    assert (other / ".env").read_text() != path.read_text()


def test_the_scripts_leave_an_existing_dot_env_alone(checkout: Path) -> None:
    (checkout / ".env").write_text("DEBUG=true\nDATABASE_URL=postgres://localhost/mine\n")
    source_dev_env(checkout)
    assert (checkout / ".env").read_text() == "DEBUG=true\nDATABASE_URL=postgres://localhost/mine\n"
