#!/usr/bin/env bash
# Create or update the virtualenv of one suite that needs its own dependency pins.
#   bash scripts/sdk-venv.sh v2    # .venv-v2: sagemaker>=2.200,<3
#   bash scripts/sdk-venv.sh v3    # .venv-v3: sagemaker>=3
#   bash scripts/sdk-venv.sh aio   # .venv-aio: aiobotocore (it pins an exact botocore)
# None of them can share a virtualenv.  Each gets the project (editable), pytest, pytest-xdist,
# moto[server] and cryptography.  An existing venv is reused while its stamp (this
# script + pyproject.toml) is unchanged; set SDK_VENV_FRESH=1 to rebuild.
set -euo pipefail
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$self")/.."
v=${1:?usage: sdk-venv.sh v2|v3|aio}
case "$v" in
  v2) spec='sagemaker>=2.200,<3'; dist=sagemaker ;;
  v3) spec='sagemaker>=3'; dist=sagemaker ;;
  aio) spec='aiobotocore'; dist=aiobotocore ;;
  *) echo "usage: sdk-venv.sh v2|v3|aio" >&2; exit 2 ;;
esac
venv=".venv-$v"
py=${SDK_PYTHON:-python3}
stamp="$venv/.secure-sagemaker-stamp"
want=$(cat "$self" pyproject.toml | sha256sum | cut -d' ' -f1)

if [ "${SDK_VENV_FRESH:-0}" = "1" ]; then rm -rf "$venv"; fi
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "$venv: up to date"
  exit 0
fi
start=$SECONDS
[ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
log="$venv/.install.log"  # pip's output, shown only when it fails
pip() {
  if ! "$venv/bin/python" -m pip --disable-pip-version-check install --prefer-binary "$@" \
      >"$log" 2>&1; then
    cat "$log" >&2
    echo "$venv: pip install failed" >&2
    exit 1
  fi
}
pip --upgrade pip
pip "$spec" -e . pytest pytest-xdist 'moto[server]>=5.1' 'cryptography>=42'
echo "$want" > "$stamp"
echo "$venv: $dist $("$venv/bin/python" -c "import importlib.metadata as m; print(m.version('$dist'))") installed in $((SECONDS - start))s"
