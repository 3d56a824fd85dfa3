# Sourced by test.sh and demo.sh: make sure the Debian packages a command needs are there.
#   need_packages WHAT PACKAGE... : installs the missing ones with apt-get when it can (root, or
#   sudo without a password), otherwise stops (exit 1) with the exact command to run.
# A package counts as present when the thing kvali uses from it is found (see _present).

_present() {
  case "$1" in
    postgresql) ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 ;;
    chromium) [ -x "${KVALI_CHROMIUM:-/usr/bin/chromium}" ] ;;
    hunspell-no) [ -f /usr/share/hunspell/nb_NO.dic ] && [ -f /usr/share/hunspell/nn_NO.dic ] ;;
    python3-venv) "${PYTHON:-python3}" -c 'import ensurepip, venv' >/dev/null 2>&1 ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

need_packages() {
  local what=$1 missing=() pkg
  shift
  for pkg in "$@"; do _present "$pkg" || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local cmd="apt-get install -y --no-install-recommends ${missing[*]}"
  local run=()
  if [ "$(id -u)" = 0 ]; then
    run=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    run=(sudo -n)
  else
    run=(none)
  fi
  if ! command -v apt-get >/dev/null 2>&1 || [ "${run[*]}" = none ]; then
    echo "$what needs these system packages, which are missing: ${missing[*]}" >&2
    if command -v apt-get >/dev/null 2>&1; then
      echo "Install them, then run this again:  sudo apt-get update && sudo $cmd" >&2
    else
      echo "Install them with your system's package manager, then run this again." >&2
    fi
    exit 1
  fi
  echo "$what: installing ${missing[*]} (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${run[@]}" apt-get update -qq
  "${run[@]}" $cmd -qq >/dev/null
  for pkg in "${missing[@]}"; do
    _present "$pkg" || { echo "$what: $pkg still missing after apt-get" >&2; exit 1; }
  done
}

# A Python >= 3.12 for the pyqdpx interop test (it cannot be installed with apt on Debian 12).
need_python312() {
  local c
  for c in "${KVALI_TEST_PYTHON312:-}" python3.13 python3.12 \
    $(ls -d "$(pyenv root 2>/dev/null || echo /nonexistent)"/versions/3.1[2-9]*/bin/python3 2>/dev/null); do
    [ -n "$c" ] && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && return 0
  done
  echo "the test suite needs a Python >= 3.12 for its pyqdpx interop test, and none was found." >&2
  echo "Install one (Debian 13: apt-get install python3; elsewhere: pyenv install 3.12)," >&2
  echo "or name it: KVALI_TEST_PYTHON312=/path/to/python3.12 bash scripts/test.sh" >&2
  exit 1
}
