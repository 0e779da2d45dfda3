# Shared by bin/demo, bin/test and bin/mutate: make .venv with Python 3.11+ and
# install the locked dependencies (requirements/<set>.lock) and the project,
# again only when the lock changed since the last install.
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

# The dependencies pyproject.toml declares, as a hash: bin/lock records it beside
# the locks, so a dependency added without refreshing them is noticed here.
declared_dependencies() {
    "$1" - <<'PY'
import hashlib, json, tomllib

project = tomllib.load(open("pyproject.toml", "rb"))["project"]
declared = {"dependencies": project["dependencies"], "extras": project.get("optional-dependencies", {})}
print(hashlib.sha256(json.dumps(declared, sort_keys=True).encode()).hexdigest()[:16])
PY
}

ensure_venv() {
    # $1: "test" (bin/test, bin/mutate) or "" (bin/demo).
    local name="${1:-base}" lock stamp
    lock="requirements/$name.lock"
    if [ ! -x .venv/bin/python ]; then
        echo "==> Creating .venv"
        "$(find_python)" -m venv .venv
    fi
    if [ "$(declared_dependencies .venv/bin/python)" != "$(cat requirements/declared.sha256 2>/dev/null)" ]; then
        echo "The dependencies in pyproject.toml changed since requirements/*.lock were made: run bin/lock." >&2
        exit 1
    fi
    # Hashed with Python, which every supported machine has (macOS lacks sha256sum).
    stamp=".venv/.installed-$name-$(.venv/bin/python -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest()[:16])' "$lock")"
    if [ ! -f "$stamp" ]; then
        echo "==> Installing the locked dependencies ($lock)"
        .venv/bin/python -m pip install --quiet --upgrade pip
        .venv/bin/python -m pip install --quiet -r "$lock"
        .venv/bin/python -m pip install --quiet --no-deps -e .
        rm -f ".venv/.installed-$name-"*
        touch "$stamp"
    fi
}
