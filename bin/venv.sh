# Shared by bin/run and bin/test: create .venv once and reinstall only when pyproject.toml changes.
ensure_venv() {
  local extra="$1"
  local python="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
    echo "Creating .venv with $($python --version)"
    "$python" -m venv .venv
  fi
  local stamp=".venv/.installed${extra:+-$extra}-$(sha256sum pyproject.toml | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    echo "Installing TradeHub${extra:+ with [$extra]} into .venv (first run only)"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".${extra:+[$extra]}"
    rm -f .venv/.installed${extra:+-$extra}-*
    touch "$stamp"
  fi
  export PATH="$PWD/.venv/bin:$PATH"
}

# Shared by bin/run and bin/test: build the .mo files from locale/*/LC_MESSAGES/django.po (they are
# not committed). Needs GNU gettext's msgfmt; without it the admin stays English and says so.
compile_messages() {
  if command -v msgfmt >/dev/null 2>&1; then
    python manage.py compilemessages --ignore .venv --ignore var --ignore build -v 0
  else
    echo "msgfmt not found: install gettext (apt-get install gettext) for Russian and Chinese" >&2
  fi
}
