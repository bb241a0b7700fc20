#!/usr/bin/env bash
# Make Debian's Chromium (and a Japanese font) available for the browser tests in tests/web.
#
# Playwright drives /usr/bin/chromium through executable_path: Playwright's own browser download
# does not work offline, so `playwright install` is never used. Installs the Debian packages only
# when they are missing. Never fails: without apt, or if the install fails, the browser tests
# are skipped with the reason shown by `pytest -ra`.
set -u

skip() {
    echo "$1: browser tests will be skipped."
    exit 0
}

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
# A Japanese font, so that screenshots show text rather than boxes (IPA Gothic: 12 MB).
fc-list 2>/dev/null | grep -qiE 'ipa|noto sans cjk|takao|vl gothic' || need+=(fonts-ipafont-gothic)

if [ ${#need[@]} -eq 0 ]; then
    echo "Chromium found: $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
    exit 0
fi

command -v apt-get >/dev/null 2>&1 || skip "apt-get is not available"
as_root=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || skip "Not root and no sudo, cannot install ${need[*]}"
    as_root=(sudo)
fi
echo "Installing ${need[*]} with apt-get ..."
"${as_root[@]}" apt-get update -qq || skip "apt-get update failed"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" \
    || skip "apt-get install ${need[*]} failed"
if [ -x /usr/bin/chromium ]; then
    echo "Chromium installed: $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
else
    skip "chromium was installed but /usr/bin/chromium is missing"
fi
