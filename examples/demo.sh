#!/usr/bin/env bash
# The demo: creates the example project in examples/demo on this host, then shows its status.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
locker="$here/../bin/locker"
cd "$here/demo"
"$locker" up --yes
"$locker" status
echo
echo "Try: wget -qO- http://127.0.0.1:8080/   (web)   and   wget -qO- http://127.0.0.1:8081/   (web2)"
echo "Tear it down with: (cd examples/demo && ../../bin/locker down --yes)"
