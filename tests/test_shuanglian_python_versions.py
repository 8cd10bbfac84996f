"""scripts/_venv.sh: the Python the scripts make .venv with, and when they keep the one there.

The Pythons here are stand-ins that answer the script's version checks as 3.x would, log how
they were called, and make a stand-in .venv; nothing is installed.
"""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What the script needs besides its shell's built-ins; no real Python is on the PATH.
TOOLS = ("sh", "sha256sum", "cut", "rm", "touch")

FAKE_PYTHON = """#!{interpreter}
import shutil, sys
from pathlib import Path
with open({log!r}, "a") as log:
    log.write(" ".join([Path(sys.argv[0]).name, *sys.argv[1:3]]) + "\\n")
if sys.argv[1] == "-c":
    sys.version_info = {version!r}
    exec(sys.argv[2])
elif sys.argv[1:3] == ["-m", "venv"]:
    (Path(sys.argv[3]) / "bin").mkdir(parents=True)
    shutil.copy(sys.argv[0], Path(sys.argv[3]) / "bin" / "python")
"""
# A pyenv shim for a version pyenv has but has not selected.
BROKEN_SHIM = '#!/bin/sh\necho "pyenv: $(basename "$0"): command not found" >&2\nexit 127\n'


class Checkout:
    def __init__(self, tmp_path: Path) -> None:
        self.root = tmp_path / "checkout"
        (self.root / "scripts").mkdir(parents=True)
        shutil.copy(ROOT / "scripts" / "_venv.sh", self.root / "scripts")
        shutil.copy(ROOT / "pyproject.toml", self.root)
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        for tool in TOOLS:
            (self.bin / tool).symlink_to(shutil.which(tool))
        self.log = tmp_path / "calls.log"
        self.log.touch()

    def python(self, path: Path, version: tuple[int, int] | None) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        if version is None:
            path.write_text(BROKEN_SHIM)
        else:
            path.write_text(
                FAKE_PYTHON.format(
                    interpreter=sys.executable, log=str(self.log), version=(*version, 0)
                )
            )
        path.chmod(0o755)
        return path

    def on_path(self, name: str, version: tuple[int, int] | None) -> Path:
        return self.python(self.bin / name, version)

    def venv(self, version: tuple[int, int] | None, *, installed: bool = True) -> None:
        self.python(self.root / ".venv" / "bin" / "python", version)
        if installed:
            digest = subprocess.run(  # noqa: S603
                [shutil.which("sha256sum"), "pyproject.toml"],
                cwd=self.root,
                capture_output=True,
                text=True,
                check=True,
            ).stdout[:16]
            (self.root / ".venv" / f".installed-{digest}").touch()

    def set_up(self, **env: str) -> subprocess.CompletedProcess:
        """Source the script as scripts/serve does (sh, set -eu)."""
        self.log.write_text("")
        return subprocess.run(  # noqa: S603
            [str(self.bin / "sh"), "-euc", ". scripts/_venv.sh"],
            cwd=self.root,
            env={"PATH": str(self.bin), **env},
            capture_output=True,
            text=True,
            check=False,
        )

    def calls(self) -> list[str]:
        """The calls other than version checks."""
        return [line for line in self.log.read_text().splitlines() if " -c " not in line + " "]


@pytest.fixture
def checkout(tmp_path: Path) -> Checkout:
    return Checkout(tmp_path)


def test_the_project_supports_python_3_11_to_3_13() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["requires-python"] == ">=3.11,<3.14"
    assert project["tool"]["ruff"]["target-version"] == "py311"


def test_a_new_venv_uses_the_newest_supported_python_that_runs(checkout: Checkout) -> None:
    checkout.on_path("python3.13", None)
    checkout.on_path("python3.12", (3, 12))
    checkout.on_path("python3.11", (3, 11))
    checkout.on_path("python3", (3, 11))

    result = checkout.set_up()

    assert result.returncode == 0, result.stderr
    assert checkout.calls() == [
        "python3.12 -m venv",
        "python -m pip",
        "python -m pip",
    ]
    assert list((checkout.root / ".venv").glob(".installed-*"))


def test_python3_is_used_when_it_is_supported_and_no_python3_x_is_found(
    checkout: Checkout,
) -> None:
    checkout.on_path("python3", (3, 13))
    result = checkout.set_up()
    assert result.returncode == 0, result.stderr
    assert checkout.calls()[0] == "python3 -m venv"


def test_an_existing_venv_of_a_supported_python_is_kept(checkout: Checkout) -> None:
    """The venv of an older supported Python goes on working: nothing is made or installed."""
    checkout.on_path("python3.13", (3, 13))
    checkout.venv((3, 11))

    result = checkout.set_up()

    assert result.returncode == 0, result.stderr
    assert checkout.calls() == []
    assert result.stderr == ""


@pytest.mark.parametrize("version", [(3, 10), None], ids=["unsupported", "broken"])
def test_a_venv_whose_python_is_unsupported_or_broken_is_made_again(
    checkout: Checkout, version: tuple[int, int] | None
) -> None:
    checkout.on_path("python3.13", (3, 13))
    checkout.venv(version)

    result = checkout.set_up()

    assert result.returncode == 0, result.stderr
    assert "Making .venv again: its Python is missing or not 3.11, 3.12 or 3.13." in result.stderr
    assert checkout.calls() == ["python3.13 -m venv", "python -m pip", "python -m pip"]


def test_python_from_the_environment_makes_the_venv(checkout: Checkout) -> None:
    checkout.on_path("python3.13", (3, 13))
    chosen = checkout.python(checkout.root.parent / "opt" / "python3.11", (3, 11))

    result = checkout.set_up(PYTHON=str(chosen))

    assert result.returncode == 0, result.stderr
    assert checkout.calls()[0] == "python3.11 -m venv"


def test_python_from_the_environment_keeps_a_working_venv_and_says_how_to_remake_it(
    checkout: Checkout,
) -> None:
    chosen = checkout.on_path("python3.13", (3, 13))
    checkout.venv((3, 11))

    result = checkout.set_up(PYTHON=str(chosen))

    assert result.returncode == 0, result.stderr
    assert checkout.calls() == []
    assert f"Keeping .venv (Python 3.11); remove it to make it again with {chosen}." in (
        result.stderr
    )


@pytest.mark.parametrize("version", [(3, 10), (3, 14), None], ids=["3.10", "3.14", "broken"])
def test_an_unsupported_python_from_the_environment_is_refused(
    checkout: Checkout, version: tuple[int, int] | None
) -> None:
    chosen = checkout.on_path("python3", version)

    result = checkout.set_up(PYTHON=str(chosen))

    assert result.returncode == 1
    assert result.stderr == (
        f"shuanglian needs Python 3.11, 3.12 or 3.13; PYTHON={chosen} is none of them or "
        "does not run.\n"
    )
    assert not (checkout.root / ".venv").exists()


def test_without_a_supported_python_the_scripts_say_what_is_needed(checkout: Checkout) -> None:
    checkout.on_path("python3.13", None)
    checkout.on_path("python3", (3, 10))

    result = checkout.set_up()

    assert result.returncode == 1
    assert result.stderr == (
        "shuanglian needs Python 3.11, 3.12 or 3.13; install one, or set "
        "PYTHON=/path/to/python3.x\n"
    )
