#!/bin/sh
# Make sure a headless Chromium is there for the browser test (tests/browser),
# with a Chinese font so that its screenshots of `--lang zh` pages are legible.
# Installs the Debian packages `chromium` and `fonts-wqy-zenhei` when they are
# missing and we may (root with apt-get); otherwise says why not. Never fails
# the build: the browser test itself skips (or, under CI=true, fails) when no
# browser is found.
set -u
BROWSER="${AUDITOR_CHROMIUM:-/usr/bin/chromium}"
need=""
[ -x "$BROWSER" ] || need="chromium"
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
    need="$need fonts-wqy-zenhei"
elif ! command -v fc-list >/dev/null 2>&1 && [ -n "$need" ]; then
    need="$need fonts-wqy-zenhei"
fi
[ -z "$need" ] && exit 0
if [ "$(id -u)" != "0" ]; then
    echo "ensure_chromium: missing$need and not root, so not installing; install the Debian package(s)$need to run the browser test" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: missing $need and there is no apt-get here; install Chromium to run the browser test" >&2
    exit 0
fi
echo "ensure_chromium: installing $need (apt-get) for the browser test" >&2
# shellcheck disable=SC2086  # $need is a list of package names
if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $need >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 \
             && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $need >/dev/null 2>&1; }; }; then
    echo "ensure_chromium: apt-get could not install $need; the browser test will be skipped (or fail under CI=true)" >&2
fi
exit 0
