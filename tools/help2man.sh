#!/bin/sh
# help2man.sh KMM OUTDIR VERSION - the man pages kmm.1 and kmm-COMMAND.1, made from the
# --help texts the command prints (their one source: tools/*.c), so a page and --help
# cannot say different things.  A --help text is laid out as a man page already:
# upper-case section heads at the margin, an option at four spaces, its text at eight.
set -eu
KMM=$1; OUT=$2; VERSION=$3
mkdir -p "$OUT"
date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%d 2>/dev/null || date -u +%Y-%m-%d)

# roff from help text on stdin; $1: page title
to_roff() {
	printf '.TH %s 1 "%s" "kmm %s" "kmm manual"\n' "$1" "$date" "$VERSION"
	sed -e 's/\\/\\e/g' -e "s/^'/\\\\(aq/" -e 's/^\./\\\&./' | awk '
	/^[A-Z][A-Z ]*$/      { if (nf) print ".fi"; print ".SH " $0; nf = ($0 == "EXAMPLES" || $0 == "SYNOPSIS");
	                        if (nf) print ".nf"; next }
	nf                    { sub(/^    /, ""); print; next }
	/^    -/ && /^    [^ ]/ { sub(/^    /, ""); print ".TP"; print ".B " $0; next }
	/^        / && prevopt { sub(/^ +/, ""); print; next }
	/^$/                  { print ".PP"; prevopt = 0; next }
	{ sub(/^ +/, ""); print }
	/^.B / { prevopt = 1 }
	END { if (nf) print ".fi" }'
}

for cmd in $("$KMM" --list commands); do
	"$KMM" "$cmd" --help | to_roff "KMM-$(echo "$cmd" | tr a-z A-Z)" > "$OUT/kmm-$cmd.1"
done

{
	printf 'NAME\n    kmm - the Linux 6.1 memory manager as a user-space simulator\n\n'
	printf 'SYNOPSIS\n'
	"$KMM" --help | sed -e 's/^usage: /    /' -e 's/^       /    /'
	printf '\nDESCRIPTION\n    kmm boots a simulated machine (a 32-bit i386 PC with 4 GiB and high memory by\n'
	printf '    default) and runs Linux 6.1'"'"'s memory manager on it: zones, the buddy and slab\n'
	printf '    allocators, vmalloc, kmap, page faults, reclaim, swap, compaction and the OOM killer,\n'
	printf '    with /proc views in Linux'"'"'s formats.  Each command has its own page:\n'
	for cmd in $("$KMM" --list commands); do printf '    kmm-%s(1)\n' "$cmd"; done
	printf '\nOPTIONS\n    --version\n        the version.\n    --list commands|profiles|views\n'
	printf '        the commands, machine profiles or /proc views, one a line.\n    -h, --help\n        the synopsis.\n'
} | to_roff KMM > "$OUT/kmm.1"
