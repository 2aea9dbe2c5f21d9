#!/bin/sh
# cli.sh - the kmm command as a user runs it: options, --proc-dir, and the
# exit status and message of every kind of bad input.  Prints the plain
# "N passed, N failed" line; exits non-zero on any failure.
set -u
KMM=${KMM:-build/kmm}
SHARED=${SHARED:-../shared}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { # name, command...: the command succeeds
	name=$1; shift
	if "$@" >"$tmp/out" 2>"$tmp/err"; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL: $name"; sed 's/^/  /' "$tmp/err" | head -5; fi
}
bad() { # name, expected-message, command...: the command fails with status 1 or 2 and says expected
	name=$1; want=$2; shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
	if [ $rc -ne 0 ] && [ $rc -le 2 ] && grep -qF -- "$want" "$tmp/err"; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL: $name (exit $rc)"; sed 's/^/  /' "$tmp/err" | head -5; fi
}
has() { # name, text, file
	if grep -qF -- "$2" "$3"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1: no \"$2\" in $3"; fi
}

ok "default boot" "$KMM" boot
has "boot log" "Memory: " "$tmp/out"
has "zone summary" "Zone summary" "$tmp/out"
ok "proc-dir" "$KMM" boot -q --profile i386-pae --mem 2G --proc-dir "$tmp/proc"
for f in zoneinfo meminfo buddyinfo iomem sys/vm/min_free_kbytes sys/vm/watermark_scale_factor sys/vm/lowmem_reserve_ratio; do
	if [ -s "$tmp/proc/$f" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: --proc-dir wrote no $f"; fi
done
has "proc zoneinfo" "Node 0, zone   Normal" "$tmp/proc/zoneinfo"
ok "e820 file from a real dmesg" "$KMM" boot --e820 "$SHARED/linux-ref/i386-686-2G/dmesg.txt" --show meminfo
has "e820 meminfo" "HighTotal:" "$tmp/out"
ok "numa" "$KMM" boot -q --profile x86_64 --mem 8G --cpus 4 --numa 0:0-4G,1:4G-9G --distance "10 21,21 10" --show buddyinfo
has "numa buddyinfo" "Node 1, zone   Normal" "$tmp/out"
ok "cmdline" "$KMM" boot -q --cmdline "mem=1G vmalloc=192M min_free_kbytes=4096" --show sys/vm/min_free_kbytes
has "cmdline sysctl" "4096" "$tmp/out"
ok "small kernel on a tiny machine" "$KMM" boot -q --mem 16M --kernel-size 2M --show zoneinfo

# procps slabtop reads kmm's /proc/slabinfo (bind-mounted over the host's in a private mount namespace)
ok "slabinfo for slabtop" "$KMM" boot -q --proc-dir "$tmp/pd"
if command -v slabtop >/dev/null && command -v unshare >/dev/null && [ "$(id -u)" = 0 ] &&
	unshare -m true 2>/dev/null; then
	unshare -m sh -c "mount --bind '$tmp/pd/slabinfo' /proc/slabinfo && slabtop -o -s c" >"$tmp/slabtop" 2>&1
	has "slabtop reads it" "Active / Total Caches (% used)     : 2 / 54" "$tmp/slabtop"
	has "slabtop lists kmm's caches" "kmem_cache_node" "$tmp/slabtop"
else
	echo "cli: slabtop check skipped (needs root, unshare and procps)"
fi

bad "unknown command" "unknown command" "$KMM" frob
bad "bad size" "is not a size" "$KMM" boot --mem lots
bad "missing e820 file" "No such file" "$KMM" boot --e820 "$tmp/none"
printf 'BIOS-e820: [mem 0x0-0x9fbff] usable\nBIOS-e820: [mem 0x100000-0x7fffff] usable\nBIOS-e820: [mem 0x700000-0x8fffff] reserved\n' > "$tmp/overlap"
bad "overlapping e820" "overlaps" "$KMM" boot --e820 "$tmp/overlap"
printf 'BIOS-e820: [mem 0x0-0x9fbff] usable\nBIOS-e820: [mem 0x100000-0x7fffff] sometimes\n' > "$tmp/badtype"
bad "bad e820 type" "line 2" "$KMM" boot --e820 "$tmp/badtype"
bad "unknown parameter" "Unknown kernel command line parameters" "$KMM" boot --cmdline "foo=bar"
bad "mem below kernel" "mem= is too small" "$KMM" boot --cmdline "mem=8M"
ok "layout view" "$KMM" boot -q --cmdline "vmalloc=256M" --show kmm/layout
has "layout vmalloc" "vmalloc : 0x" "$tmp/out"
has "layout vmalloc= size" "( 256 MB)" "$tmp/out"
has "layout pkmap" "pkmap   : 0x" "$tmp/out"
ok "vmalloc in meminfo" "$KMM" boot -q --show meminfo
has "meminfo VmallocUsed" "VmallocUsed:" "$tmp/out"
bad "bad profile" "unknown profile" "$KMM" boot --profile vax
bad "bad numa" "expected NID:START-END" "$KMM" boot --profile x86_64 --numa "zero"
bad "bad distance" "square table" "$KMM" boot --profile x86_64 --distance "10 20"
bad "bad view" "no such view" "$KMM" boot -q --show nothing
bad "numa on i386" "without NUMA" "$KMM" boot --numa 0:0-4G

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
