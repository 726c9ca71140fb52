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

# vt_build DIR [CMAKE ARGS...]
vt_build() {
  local dir=$1
  shift
  cmake -S "$VT_ROOT" -B "$VT_ROOT/$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$VT_ROOT/$dir" -j"$(nproc)"
}
