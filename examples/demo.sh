#!/usr/bin/env bash
# The demo: creates the example project in examples/demo on this host, shows its status, and waits until the web
# server answers through its forwarded port. bin/demo runs it once the host and the checkout are ready.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
locker="$here/../bin/locker"
cd "$here/demo"
"$locker" up --yes
"$locker" status
echo

# httpd starts with the container's init, a moment after `up` has forwarded the port: give it up to 30 s.
url=http://127.0.0.1:8080/
for _ in $(seq 60); do
  if page="$(wget -qO- -T 2 "$url" 2>/dev/null)"; then
    echo "$url answers: $(sed -n 's:.*<p>\(.*\)</p>.*:\1:p' <<<"$page")"
    break
  fi
  sleep 0.5
done
[ -n "${page:-}" ] || { echo "$url did not answer within 30 s" >&2; exit 1; }

echo "Try: wget -qO- http://127.0.0.1:8080/   (web)   and   wget -qO- http://127.0.0.1:8081/   (web2)"
echo "Tear it down with: ./bin/demo down   (or: cd examples/demo && locker down --yes)"
