# Sourced by scripts/serve, scripts/test, scripts/production and .ci/run: make .venv with
# Python 3.11, 3.12 or 3.13 and install the pinned dependencies, again only when pyproject.toml
# has changed. An existing .venv of a supported Python is kept, whichever it is; one whose
# Python is missing or unsupported is made again. A new .venv uses $PYTHON if set, else the
# newest of python3.13, python3.12, python3.11 and python3 that runs (a pyenv shim may be on
# the PATH and not run).
supported_python() {
    "$1" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' 2>/dev/null
}
python_version() {
    "$1" -c 'import sys; print(*sys.version_info[:2], sep=".")'
}
if [ -n "${PYTHON:-}" ] && ! supported_python "$PYTHON"; then
    echo "shuanglian needs Python 3.11, 3.12 or 3.13; PYTHON=$PYTHON is none of them or does not run." >&2
    exit 1
fi
if { [ -e .venv ] || [ -L .venv ]; } && ! supported_python .venv/bin/python; then
    echo "Making .venv again: its Python is missing or not 3.11, 3.12 or 3.13." >&2
    rm -rf .venv
fi
if [ ! -e .venv ]; then
    if [ -z "${PYTHON:-}" ]; then
        for candidate in python3.13 python3.12 python3.11 python3; do
            if command -v "$candidate" >/dev/null 2>&1 && supported_python "$candidate"; then
                PYTHON="$candidate"
                break
            fi
        done
    fi
    if [ -z "${PYTHON:-}" ]; then
        echo "shuanglian needs Python 3.11, 3.12 or 3.13; install one, or set PYTHON=/path/to/python3.x" >&2
        exit 1
    fi
    "$PYTHON" -m venv .venv
elif [ -n "${PYTHON:-}" ] && [ "$(python_version "$PYTHON")" != "$(python_version .venv/bin/python)" ]; then
    echo "Keeping .venv (Python $(python_version .venv/bin/python)); remove it to make it again with $PYTHON." >&2
fi
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e '.[dev]'
    rm -f .venv/.installed-*
    touch "$stamp"
fi
