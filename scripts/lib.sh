# Helpers shared by the end-to-end and benchmark scripts; source it after
# setting PROG (the name die prints). Counts checks in PASSED and FAILED.
PASSED=0
FAILED=0

pass() { PASSED=$((PASSED + 1)); echo "PASS  $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL  $*"; }
die() { echo "$PROG: $*" >&2; exit 1; }

# show FILE: indented head of a failed command's stderr (tip-cli, tip-broker
# and the AWS CLI never print secrets there).
show() { sed 's/^/      | /' "$1" | head -20; }

# field NAME: the string value of "NAME" in the JSON on stdin (one level).
field() { grep -o "\"$1\": *\"[^\"]*\"" | head -1 | sed 's/.*: *"\(.*\)"/\1/'; }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
