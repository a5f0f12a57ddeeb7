#!/usr/bin/env bash
# Runs each fuzz artifact given as a makefile through GNU make and fairmake
# (both with a timeout) and prints how each ended, so that crashes and
# timeouts GNU make shares (unbounded $(call)/$(eval) recursion, exponential
# expansions) can be told apart from fairmake bugs.
#
#   fuzz/triage.sh FAIRMAKE_BINARY ARTIFACT...
#
# NUL bytes are dropped (GNU stops reading at one). `$(shell`, `!=`, `$(file`
# and `include` are defused first (the fuzz target is
# sandboxed; these runs are not): the copy says `shelX`, `!X=`, `filX`.
set -u
fairmake=$1; shift
gnu=${GNU_MAKE:-/usr/bin/make}
secs=${TRIAGE_TIMEOUT:-20}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status() {
    local rc=$1
    if [[ $rc == 124 ]]; then echo "timeout(${secs}s)"
    elif (( rc > 128 )); then echo "signal $((rc - 128))"
    else echo "exit $rc"; fi
}
for a in "$@"; do
    sed -e 's/shell/shelX/g' -e 's/!=/!X=/g' -e 's/(file /(filX /g' -e 's/include/includX/g' "$a" | tr -d '\000' > "$scratch/Makefile"
    (cd "$scratch" && timeout -k 2 "$secs" "$gnu" -f Makefile >/dev/null 2>"$scratch/gnu.err" </dev/null)
    g=$(status $?)
    (cd "$scratch" && timeout -k 2 "$secs" "$fairmake" -f Makefile >/dev/null 2>"$scratch/fm.err" </dev/null)
    f=$(status $?)
    printf '%s\n  gnu:      %s  %s\n  fairmake: %s  %s\n' "$a" "$g" "$(tail -c 200 "$scratch/gnu.err" | tail -1)" "$f" "$(tail -c 200 "$scratch/fm.err" | tail -1)"
done
