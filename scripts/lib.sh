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

# free_port: a loopback port free now, from 10000-19999: below the kernel's
# ephemeral range, so no outgoing connection or :0 listener takes it before
# tip-cli binds it (a port the kernel picked could be, and the sign-in then
# failed by chance); Go tests reserve theirs from 20000 up (testport).
free_port() {
	python3 -c '
import random, socket
for p in random.sample(range(10000, 20000), 10000):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
'
}

# isolate: forget the caller's AWS and tip-cli settings (credentials,
# profiles, endpoints), so only what the script sets applies.
isolate() {
	local v
	while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(AWS_|TIP_CLI_)')
}

# start_sandbox TIP OUT [DEMO-SERVE-FLAG...]: runs `TIP demo serve --out OUT`
# on a free redirect port in the background (its pid in SANDBOX_PID, its
# stderr in OUT/demo.log) and waits up to 30 s for OUT/env and
# OUT/profile.json; dies with the log when it does not come up.
start_sandbox() {
	local tip=$1 out=$2
	shift 2
	mkdir -p "$out"
	"$tip" demo serve --out "$out" --redirect-uri "http://127.0.0.1:$(free_port)/callback" "$@" 2>"$out/demo.log" &
	SANDBOX_PID=$!
	for _ in $(seq 1 300); do
		[[ -s $out/env && -s $out/profile.json ]] && return 0
		kill -0 "$SANDBOX_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$out/demo.log" >&2
	die "demo serve did not start"
}
