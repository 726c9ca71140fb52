# Shared by scripts/run, scripts/test and docker/Dockerfile: install what is
# missing from scripts/deps.txt, and build a CMake tree.
# shellcheck shell=bash

VT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Prints the packages of deps.txt that are not installed. A line may name a
# command after the package; when that command exists, the package is skipped.
vt_missing_packages() {
  local pkg cmd
  while read -r pkg cmd; do
    case "$pkg" in '' | '#'*) continue ;; esac
    if [ -n "${cmd:-}" ] && command -v "$cmd" >/dev/null 2>&1; then continue; fi
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || echo "$pkg"
  done <"$VT_ROOT/scripts/deps.txt"
}

vt_install_deps() {
  local missing sudo=
  missing=$(vt_missing_packages | tr '\n' ' ')
  [ -z "${missing// /}" ] && return 0
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "Installing: $missing"
  $sudo apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
}

# Installs the browser test's npm packages (playwright-core, see package.json)
# into node_modules when they are missing; the browser test is skipped without them.
vt_install_npm() {
  [ -d "$VT_ROOT/node_modules/playwright-core" ] && return 0
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is missing: the browser test will be skipped"
    return 0
  fi
  echo "Installing npm packages for the browser test"
  if [ -f "$VT_ROOT/package-lock.json" ]; then
    (cd "$VT_ROOT" && npm ci --no-audit --no-fund)
  else
    (cd "$VT_ROOT" && npm install --no-audit --no-fund)
  fi
}

# vt_build DIR [CMAKE ARGS...]
vt_build() {
  local dir=$1
  shift
  cmake -S "$VT_ROOT" -B "$VT_ROOT/$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$VT_ROOT/$dir" -j"$(nproc)"
}
