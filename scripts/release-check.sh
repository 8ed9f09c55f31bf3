#!/usr/bin/env bash
# Release check: validates .goreleaser.yaml with `goreleaser check` and builds
# a snapshot release into a temporary directory (never ./dist), then verifies
# what came out: the linux/amd64 archive (tip-cli and tip-credential-process,
# which must reach the tip-cli beside it; README.md, docs/), the
# deb/rpm packages, checksums.txt, and that the binary's `version` prints the
# snapshot version and commit stamped through -ldflags.
#
# By default the snapshot is narrowed to linux/amd64 (one build; homebrew and
# scoop are skipped because they need the darwin/windows archives). --full
# builds every target and also renders the Homebrew cask and Scoop manifest.
#
# GoReleaser is installed through the Go module proxy when the pinned version
# is not already on PATH or in $(go env GOBIN) / $(go env GOPATH)/bin.
# Needs: go, git (run inside the repository's git work tree), tar, sha256sum.
# Network: the Go module proxy only (and only for the first install).
#
# Usage: scripts/release-check.sh [--full] [--out DIR]
#   --full     all six targets, cask and scoop manifests
#   --out DIR  copy the snapshot dist directory to DIR afterwards
# Env: TIP_GORELEASER_VERSION overrides the pinned goreleaser version.
set -euo pipefail
export LC_ALL=C

# v2.15.1 is the newest release that builds here: v2.16+ need
# go.digitalxero.dev/go-msix (via nfpm), which the module proxy refuses (403),
# and v2.18+ need Go 1.27.
PIN=${TIP_GORELEASER_VERSION:-v2.15.1}
MODULE=github.com/goreleaser/goreleaser/v2

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FULL=0
OUT=

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
die() {
	echo "release-check: $*" >&2
	exit 1
}

while (($#)); do
	case $1 in
	--full) FULL=1 ;;
	--out)
		(($# >= 2)) || die "--out needs a directory"
		OUT=$2
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	*) die "unknown argument: $1 (see --help)" ;;
	esac
	shift
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tip-release-check.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }
fmt_ms() { printf '%d.%03ds' $(($1 / 1000)) $(($1 % 1000)); }
START=$(now_ms)
TIMINGS=()
STEP_NAME=
STEP_START=
step() {
	end_step
	STEP_NAME=$1
	STEP_START=$(now_ms)
	echo "==> $STEP_NAME"
}
end_step() {
	[[ -n $STEP_NAME ]] || return 0
	local took=$(($(now_ms) - STEP_START))
	TIMINGS+=("$(printf '%-28s %s' "$STEP_NAME" "$(fmt_ms "$took")")")
	echo "    done in $(fmt_ms "$took")"
	STEP_NAME=
}

# goreleaser_version prints the GitVersion a goreleaser binary reports.
goreleaser_version() {
	"$1" --version 2>/dev/null | awk '$1 == "GitVersion:" { print $2 }'
}

# ensure_goreleaser sets GORELEASER to a binary of the pinned version,
# installing it with `go install` when none is found.
ensure_goreleaser() {
	local gobin candidate
	gobin=$(go env GOBIN)
	if [[ -z $gobin ]]; then
		gobin="$(go env GOPATH | cut -d: -f1)/bin"
	fi
	for candidate in "$(command -v goreleaser || true)" "$gobin/goreleaser"; do
		if [[ -n $candidate && -x $candidate && $(goreleaser_version "$candidate") == "$PIN" ]]; then
			GORELEASER=$candidate
			echo "    using $GORELEASER ($PIN)"
			return 0
		fi
	done
	echo "    installing $MODULE@$PIN into $gobin ($(go version | awk '{print $3}'))"
	# Run outside the repository so its go.mod plays no part.
	(cd "$TMP" && GOBIN=$gobin go install "$MODULE@$PIN")
	GORELEASER=$gobin/goreleaser
	[[ $(goreleaser_version "$GORELEASER") == "$PIN" ]] ||
		die "installed $GORELEASER does not report $PIN"
}

# narrow_config writes the config used for the snapshot: the real one with
# dist pointed at the temporary directory and, unless --full, the targets
# narrowed to linux/amd64.
narrow_config() {
	local src=$ROOT/.goreleaser.yaml dst=$TMP/goreleaser.yaml
	grep -q '^dist:' "$src" && die ".goreleaser.yaml must not set dist: (this script sets it)"
	cp "$src" "$dst"
	if ((!FULL)); then
		[[ $(grep -cE '^ +goos:' "$src") == $(grep -cE '^ +goos: \[' "$src") &&
			$(grep -cE '^ +goarch:' "$src") == $(grep -cE '^ +goarch: \[' "$src") ]] ||
			die ".goreleaser.yaml: every goos and goarch must be a one-line '[...]' list"
		sed -i -E 's/^( +goos:) \[.*$/\1 [linux]/; s/^( +goarch:) \[.*$/\1 [amd64]/' "$dst"
	fi
	printf '\ndist: %s\n' "$DIST" >>"$dst"
}

# verify_dist checks the snapshot artifacts and the binary's version output.
verify_dist() {
	local version commit archive want got n
	# The commit goreleaser saw (HEAD may have moved since).
	version=$(sed -nE 's/.*"version":"([^"]+)".*/\1/p' "$DIST/metadata.json")
	commit=$(sed -nE 's/.*"commit":"([0-9a-f]{40})".*/\1/p' "$DIST/metadata.json")
	[[ -n $version && -n $commit ]] || die "no version or commit in $DIST/metadata.json"
	echo "    snapshot version $version, commit $commit"

	archive=$DIST/tip-cli_${version}_linux_amd64.tar.gz
	[[ -f $archive ]] || die "missing $archive"
	mkdir "$TMP/x"
	tar -xzf "$archive" -C "$TMP/x"
	for want in tip-cli tip-credential-process README.md docs/architecture.md; do
		[[ -e $TMP/x/$want ]] || die "$(basename "$archive") lacks $want"
	done
	got=$("$TMP/x/tip-cli" version)
	echo "    $got"
	[[ $got == "tip-cli $version (commit $commit, built "* ]] ||
		die "version output does not carry version $version and commit $commit"
	[[ $(go version -m "$TMP/x/tip-cli") == *'CGO_ENABLED=0'* ]] || die "binary was not built with CGO_ENABLED=0"
	# The lean binary hands what it does not serve to the tip-cli beside it.
	got=$("$TMP/x/tip-credential-process" version)
	[[ $got == "tip-cli $version (commit $commit, built "* ]] ||
		die "tip-credential-process version does not reach the archive's tip-cli: $got"
	echo "    tip-credential-process version → $got"

	for want in deb rpm; do
		n=$(find "$DIST" -maxdepth 1 -name "tip-cli*.$want" | wc -l)
		((n >= 1)) || die "no .$want package in $DIST"
	done
	if command -v dpkg-deb >/dev/null; then
		got=$(dpkg-deb -f "$(find "$DIST" -maxdepth 1 -name 'tip-cli*amd64.deb' | head -n1)" Package Version)
		echo "    deb: ${got//$'\n'/, }"
		got=$(dpkg-deb -c "$(find "$DIST" -maxdepth 1 -name 'tip-cli*amd64.deb' | head -n1)")
		[[ $got == *' ./usr/bin/tip-cli'* ]] || die "deb does not install /usr/bin/tip-cli"
		[[ $got == *' ./usr/bin/tip-credential-process'* ]] || die "deb does not install /usr/bin/tip-credential-process"
	fi
	verify_broker "$version" "$commit"
	(cd "$DIST" && sha256sum --quiet -c checksums.txt) || die "checksums.txt does not verify"
	echo "    checksums.txt: $(wc -l <"$DIST/checksums.txt") artifacts verified"

	if ((FULL)); then
		n=$(find "$DIST" -maxdepth 1 \( -name 'tip-cli_*.tar.gz' -o -name 'tip-cli_*.zip' \) | wc -l)
		((n == 6)) || die "expected 6 archives, found $n"
		[[ -f $DIST/homebrew/Casks/tip-cli.rb ]] || die "no Homebrew cask rendered"
		[[ -f $DIST/scoop/tip-cli.json ]] || die "no Scoop manifest rendered"
		grep -q tip-credential-process "$DIST/homebrew/Casks/tip-cli.rb" || die "Homebrew cask lacks tip-credential-process"
		grep -q tip-credential-process.exe "$DIST/scoop/tip-cli.json" || die "Scoop manifest lacks tip-credential-process.exe"
		echo "    6 archives, Homebrew cask and Scoop manifest rendered"
	fi
}

# verify_broker VERSION COMMIT checks tip-broker's archive and the Lambda zip
# (exactly one file, bootstrap, that runs and reports the version).
verify_broker() {
	local version=$1 commit=$2 archive zip got
	archive=$DIST/tip-broker_${version}_linux_amd64.tar.gz
	zip=$DIST/tip-broker-lambda_${version}_amd64.zip
	[[ -f $archive && -f $zip ]] || die "missing $archive or $zip"
	mkdir "$TMP/b" "$TMP/l"
	tar -xzf "$archive" -C "$TMP/b"
	[[ -x $TMP/b/tip-broker && -f $TMP/b/docs/broker.md ]] || die "$(basename "$archive") lacks tip-broker or docs/broker.md"
	python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$zip" "$TMP/l"
	got=$(cd "$TMP/l" && find . -type f | sort | tr '\n' ' ')
	[[ $got == "./bootstrap " ]] || die "Lambda zip holds '$got', want only bootstrap"
	chmod +x "$TMP/l/bootstrap" # zipfile does not restore modes
	got=$("$TMP/l/bootstrap" version)
	echo "    lambda zip: bootstrap → $got"
	[[ $got == "tip-broker $version (commit $commit, built "* ]] || die "bootstrap does not carry version $version and commit $commit"
}

cd "$ROOT"
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || die "$ROOT is not a git work tree (goreleaser needs one)"
DIST=$TMP/dist
# Without a remote, goreleaser (even in snapshot mode) drops all git facts,
# so the binary would say "commit none". A clone without one (local work
# trees) gets a placeholder origin through git's environment config, which
# changes nothing on disk.
if [[ -z $(git remote) && -z ${GIT_CONFIG_COUNT:-} ]]; then
	export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=remote.origin.url
	export GIT_CONFIG_VALUE_0=https://github.com/tip-cli/tip-cli.git
	echo "==> no git remote: using $GIT_CONFIG_VALUE_0 for this run only"
fi

step "goreleaser $PIN"
ensure_goreleaser

step "goreleaser check"
"$GORELEASER" check --config "$ROOT/.goreleaser.yaml"

skip=publish,announce,sign
label="snapshot linux/amd64"
if ((FULL)); then
	label="snapshot all targets"
else
	skip=$skip,homebrew,scoop
fi
step "$label"
narrow_config
"$GORELEASER" release --snapshot --clean --config "$TMP/goreleaser.yaml" --skip="$skip"

step "verify artifacts"
verify_dist

if [[ -n $OUT ]]; then
	step "copy to $OUT"
	mkdir -p "$OUT"
	cp -R "$DIST/." "$OUT/"
fi
end_step

echo "==> timings"
printf '    %s\n' "${TIMINGS[@]}"
printf '    %-28s %s\n' total "$(fmt_ms $(($(now_ms) - START)))"
echo "release-check: OK"
