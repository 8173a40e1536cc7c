#!/usr/bin/env bash
# Install the Debian packages a make target needs, or stop at once saying which and how.
#
#   scripts/system_packages.sh test   # PostgreSQL server binaries, redis-server, Chromium (browser tests), npm,
#                                     # and what letters need
#   scripts/system_packages.sh demo   # npm (GOV.UK Frontend), and what letters need
#
# Letters (WeasyPrint) need Pango and HarfBuzz's subsetter (found by their library files) and a font (DejaVu Sans,
# found by its file; fontconfig finds it and WeasyPrint embeds the glyphs it uses).
#
# Where something is missing: as root, apt-get installs it; otherwise `sudo -n apt-get` where sudo needs no
# password; otherwise the script fails in its first second with one message naming the packages and the command.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:-test}
need=()
have_pg() {
  command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && return 0
  local lib=${POSTGRESQL_LIB:-/usr/lib/postgresql}  # where Debian puts the server binaries (not on PATH)
  compgen -G "$lib/*/bin/initdb" >/dev/null && compgen -G "$lib/*/bin/pg_ctl" >/dev/null
}
have_file() {  # have_file NAME DIR...: NAME in one of the DIRs or one level below (Debian's multiarch folders)
  local name=$1 dir
  shift
  for dir in "$@"; do
    if compgen -G "$dir/$name" >/dev/null || compgen -G "$dir/*/$name" >/dev/null; then
      return 0
    fi
  done
  return 1
}
read -r -a lib_dirs <<< "${SYSTEM_LIB_DIRS:-/usr/lib /lib /usr/lib64}"
font_dir=${SYSTEM_FONT_DIR:-/usr/share/fonts/truetype}
command -v npm >/dev/null 2>&1 || need+=(npm)
have_file libpango-1.0.so.0 "${lib_dirs[@]}" || need+=(libpango-1.0-0)
have_file libpangoft2-1.0.so.0 "${lib_dirs[@]}" || need+=(libpangoft2-1.0-0)
have_file libharfbuzz-subset.so.0 "${lib_dirs[@]}" || need+=(libharfbuzz-subset0)
have_file DejaVuSans.ttf "$font_dir" || need+=(fonts-dejavu-core)
if [ "$target" = test ]; then
  have_pg || need+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  if [ -d tests/e2e ] && ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
    need+=(chromium)
  fi
fi
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  apt=(apt-get)
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  apt=(sudo -n apt-get)
else
  echo "make $target needs the Debian packages: ${need[*]}" >&2
  echo "Install them with:  sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
  echo "(or run make $target as root, which installs them itself)" >&2
  exit 1
fi
echo "make $target: installing ${need[*]} with ${apt[*]}"
export DEBIAN_FRONTEND=noninteractive
"${apt[@]}" update -qq
"${apt[@]}" install -y -qq "${need[@]}" >/dev/null
