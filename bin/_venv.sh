# Shared by bin/demo and bin/test: make .venv with Python 3.11+ and install the
# project (with the extras named in $1) when pyproject.toml changed since the
# last install.
set -euo pipefail

find_python() {
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
    echo "Python 3.11 or newer is needed (tried python3.13, 3.12, 3.11, python3)." >&2
    exit 1
}

ensure_venv() {
    local extras="$1" stamp
    if [ ! -x .venv/bin/python ]; then
        echo "==> Creating .venv"
        "$(find_python)" -m venv .venv
    fi
    # Hashed with Python, which every supported machine has (macOS lacks sha256sum).
    stamp=".venv/.installed-$(.venv/bin/python -c 'import hashlib; print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest()[:16])')${extras:+-$extras}"
    if [ ! -f "$stamp" ]; then
        echo "==> Installing dependencies${extras:+ ($extras)}"
        .venv/bin/python -m pip install --quiet --upgrade pip
        .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
        touch "$stamp"
    fi
}
