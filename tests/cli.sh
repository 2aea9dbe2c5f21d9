#!/bin/sh
# cli.sh - the kmm command as a user runs it: options, --proc-dir, and the
# exit status and message of every kind of bad input.  Prints the plain
# "N passed, N failed" line; exits non-zero on any failure.
set -u
KMM=${KMM:-build/kmm}
# the captures of real kernels the checks read (copied into the repository from the team's captures)
DATA=${KMM_TEST_DATA:-tests/data}
[ -d "$DATA/linux-ref" ] && [ -f "$DATA/traces/sample-mixed.trace.zst" ] || {
	echo "cli.sh: test data missing under $DATA (run from the repository's top directory, or set KMM_TEST_DATA)"
	exit 1
}
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
ok "e820 file from a real dmesg" "$KMM" boot --e820 "$DATA/linux-ref/i386-686-2G/dmesg.txt" --show meminfo
has "e820 meminfo" "HighTotal:" "$tmp/out"
# a real machine from its dmesg: map, command line, CPUs, nodes, initrd, kernel build
ok "dmesg" "$KMM" boot --dmesg "$DATA/linux-ref/x86_64-4G-numa2/dmesg.txt" --show meminfo
has "dmesg NUMA" "NODE_DATA(1) allocated [mem 0x13ffd2000-0x13fffcfff]" "$tmp/out"
has "dmesg initrd" "RAMDISK: [mem 0xbfedc000-0xbffdffff]" "$tmp/out"
has "dmesg VmallocTotal" "VmallocTotal:   34359738367 kB" "$tmp/out"
ok "dmesg PAE" "$KMM" boot --dmesg "$DATA/linux-ref/i386-pae-2G/dmesg.txt" --cmdline "min_free_kbytes=4096" --show sys/vm/min_free_kbytes
has "dmesg PAE initrd moved" "Allocated new RAMDISK: [mem 0x36efa000-0x36ffdf90]" "$tmp/out"
has "dmesg cmdline appended" "4096" "$tmp/out"
bad "dmesg of no PC" "does not describe an x86 machine" "$KMM" boot --dmesg "$DATA/linux-ref/README.md"
bad "dmesg missing" "--dmesg /nonexistent" "$KMM" boot --dmesg /nonexistent
# an ARM board: QEMU's virt made by kmm, or a device tree (blob or source)
ok "arm64 default board" "$KMM" boot --profile arm64 --mem 1G --initrd 987460
has "arm64 zones" "DMA      [mem 0x0000000040000000-0x000000007fffffff]" "$tmp/out"
has "arm64 Memory:" "Memory: 98324K/1048576K available" "$tmp/out"
ok "dtb" "$KMM" boot -q --dtb "$DATA/linux-ref-arm/arm64-1G-dt-reserved-memory/virt.dtb" --show dmesg
has "dtb CMA pool" "Reserved memory: created CMA memory pool at 0x000000007e000000, size 32 MiB" "$tmp/out"
ok "dts" "$KMM" boot -q --dts "$DATA/linux-ref-arm/arm64-1G/virt.dts" --cmdline "min_free_kbytes=4096" --show sys/vm/min_free_kbytes
has "dts bootargs and cmdline" "4096" "$tmp/out"
bad "dtb missing" "--dtb /nonexistent" "$KMM" boot --dtb /nonexistent
head -c 100 "$DATA/linux-ref-arm/arm64-1G/virt.dtb" > "$tmp/short.dtb"
bad "dtb truncated" "device tree" "$KMM" boot --dtb "$tmp/short.dtb"
printf '/dts-v1/;\n/ { oops' > "$tmp/broken.dts"
bad "dts broken" "dtc could not compile" "$KMM" boot --dts "$tmp/broken.dts"
# RAM at 2^46 (a 48-bit board; all of it ZONE_DMA, as max_zone_phys() makes RAM that starts above 4 GiB):
# the map covers only the frames the zones span, and draws them at once
cat > "$tmp/high.dts" <<'EOF'
/dts-v1/;
/ {
	#address-cells = <2>;
	#size-cells = <2>;
	compatible = "linux,dummy-virt";
	memory@400000000000 { device_type = "memory"; reg = <0x4000 0x0 0x0 0x10000000>; };
	cpus { #address-cells = <1>; #size-cells = <0>; cpu@0 { device_type = "cpu"; reg = <0>; }; };
};
EOF
ok "map of RAM at 2^46" "$KMM" map --profile arm64 --dts "$tmp/high.dts" --svg "$tmp/high.svg"
has "map of RAM at 2^46: its zone" "zone DMA: pfn 0x400000000-0x400010000" "$tmp/high.svg"
ok "arm default board" "$KMM" boot --profile arm --mem 1G --initrd 885652
has "arm HighMem" "HighMem  [mem 0x0000000070000000-0x000000007fffffff]" "$tmp/out"
has "arm CMA in HighMem" "cma: Reserved 16 MiB at 0x7f000000" "$tmp/out"
ok "arm dtb picks arm" "$KMM" boot -q --dtb "$DATA/linux-ref-arm/armhf-armmp-1G/virt.dtb" --show meminfo
has "arm dtb HighTotal" "HighTotal:        262144 kB" "$tmp/out"
ok "arm-lpae" "$KMM" boot -q --profile arm-lpae --mem 2G --show sys/vm/min_free_kbytes
has "arm-lpae THP's min_free_kbytes" "22528" "$tmp/out"
ok "arm stress" "$KMM" stress --profile arm --seed 3 --ops 3000
has "arm stress nothing lost" "nothing lost" "$tmp/out"
bad "dtb on x86" "a device tree boots an ARM profile" "$KMM" boot --profile x86_64 --dtb "$DATA/linux-ref-arm/arm64-1G/virt.dtb"
ok "initrd" "$KMM" boot --profile i386 --mem 4G --initrd 3M
has "initrd below 2 GiB" "RAMDISK: [mem 0x7fcff000-0x7fffefff]" "$tmp/out"
has "initrd freed" "Freeing initrd memory: 3072K" "$tmp/out"
ok "numa" "$KMM" boot -q --profile x86_64 --mem 8G --cpus 4 --numa 0:0-4G,1:4G-9G --distance "10 21,21 10" --show buddyinfo
has "numa buddyinfo" "Node 1, zone   Normal" "$tmp/out"
ok "cmdline" "$KMM" boot -q --cmdline "mem=1G vmalloc=192M min_free_kbytes=4096" --show sys/vm/min_free_kbytes
has "cmdline sysctl" "4096" "$tmp/out"
ok "small kernel on a tiny machine" "$KMM" boot -q --mem 16M --kernel-size 2M --show zoneinfo

# the boot population (mm/boot_population.c): on for `kmm boot`, off on request
ok "boot population" "$KMM" boot -q --show slabinfo
[ "$(grep -vc '^#\|^slabinfo' "$tmp/out")" = 136 ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: i386 boot lists 136 caches"; }
ok "boot population logged" "$KMM" boot
has "boot population logged" "boot population: " "$tmp/out"
ok "/sys/kernel/slab" "$KMM" boot -q --show sys/kernel/slab --show sys/kernel/slab/pid/aliases
has "a merge is a link to the unique id" "pid -> :A-0000064" "$tmp/out"
has "an unmergeable cache is a directory" "task_struct/" "$tmp/out"
ok "bare machine" "$KMM" boot -q --cmdline boot_population=off --show slabinfo
[ "$(grep -vc '^#\|^slabinfo' "$tmp/out")" = 72 ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: a bare i386 machine lists 72 caches (the boot's, the kernel objects' with buffer_head, maple_node)"; }
bad "boot population value" "boot_population=maybe: expected on or off" "$KMM" boot --cmdline boot_population=maybe

# procps slabtop reads kmm's /proc/slabinfo (bind-mounted over the host's in a private mount namespace)
ok "slabinfo for slabtop" "$KMM" boot -q --cmdline boot_population=off --proc-dir "$tmp/pd"
if command -v slabtop >/dev/null && command -v unshare >/dev/null && [ "$(id -u)" = 0 ] &&
	unshare -m true 2>/dev/null; then
	unshare -m sh -c "mount --bind '$tmp/pd/slabinfo' /proc/slabinfo && slabtop -o -s c" >"$tmp/slabtop" 2>&1
	has "slabtop reads it" "Active / Total Caches (% used)     : 2 / 72" "$tmp/slabtop" # the boot caches, the kernel objects' and maple_node
	has "slabtop lists kmm's caches" "kmem_cache_node" "$tmp/slabtop"
	# procps free reads kmm's meminfo the same way: its totals are the simulated machine's
	unshare -m sh -c "mount --bind '$tmp/pd/meminfo' /proc/meminfo && free -k" >"$tmp/free" 2>&1
	total=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' "$tmp/pd/meminfo")
	free_kb=$(sed -n 's/^MemFree: *\([0-9]*\) kB/\1/p' "$tmp/pd/meminfo")
	if awk -v t="$total" -v f="$free_kb" '$1 == "Mem:" && $2 == t && $4 == f { ok = 1 } END { exit !ok }' "$tmp/free"; then
		pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: free reads kmm's meminfo"; cat "$tmp/free"; fi
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

# ---- kmm run, kmm shell: golden scenarios and bad input -------------------------------------
status() { # name, exit-status, expected-message, command...: exactly that status, the message on stderr
	name=$1; want_rc=$2; want=$3; shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
	if [ $rc -eq "$want_rc" ] && grep -qF -- "$want" "$tmp/err"; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL: $name (exit $rc, wanted $want_rc)"; sed 's/^/  /' "$tmp/err" | head -5; fi
}

# Every scenario's output is compared byte for byte with scenarios/NAME.out
# (KMM_UPDATE_GOLDEN=1 rewrites them; review the diff before committing).
for f in scenarios/*.kmm; do
	golden=${f%.kmm}.out
	"$KMM" run "$f" >"$tmp/golden" 2>"$tmp/err"; rc=$?
	if [ "${KMM_UPDATE_GOLDEN:-}" = 1 ]; then cp "$tmp/golden" "$golden"; fi
	if [ $rc -eq 0 ] && cmp -s "$tmp/golden" "$golden"; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL: golden $f (exit $rc)"; sed 's/^/  /' "$tmp/err" | head -5
		diff "$golden" "$tmp/golden" | head -10 | sed 's/^/  /'; fi
done
ok "same output on another run" "$KMM" run scenarios/demo.kmm
if cmp -s "$tmp/out" scenarios/demo.out; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: demo is not deterministic"; fi

ok "boot --help" "$KMM" boot --help
has "boot --help is a man page" "EXIT STATUS" "$tmp/out"
ok "run --help" "$KMM" run --help
has "run --help is a man page" "EXIT STATUS" "$tmp/out"
ok "shell --help" "$KMM" shell --help
has "shell --help is a man page" "SYNOPSIS" "$tmp/out"
sc() { printf "$1\n" > "$tmp/s.kmm"; }
sc 'p = alloc_pages GFP_KERNEL order=2\nshow p\n# a comment\nrepeat 3 as i { o[i] = kmalloc 64; kfree o[i] }\nexpect p != NULL'
ok "a small scenario" "$KMM" run "$tmp/s.kmm"
has "describes pages" "p = 4 pages at pfn" "$tmp/out"
has "frees what is held" "end: 1 handle freed, nothing lost" "$tmp/out"
ok "trace" "$KMM" run -v "$tmp/s.kmm"
has "trace echoes" "s.kmm:4: o[i] = kmalloc 64" "$tmp/out"
ok "boot options from the command line" "$KMM" run --profile x86_64 --mem 1G "$tmp/s.kmm"
has "x86_64 zones" "zone DMA32" "$tmp/out"
ok "script from stdin" sh -c "printf 'show buddyinfo\n' | '$KMM' run -"
has "stdin buddyinfo" "zone   Normal" "$tmp/out"
sc 't = task_create cat\nm = mmap t 64K\ntouch m'
ok "run --proc-dir" "$KMM" run --proc-dir "$tmp/runproc" "$tmp/s.kmm"
has "proc-dir has the task's maps" "rw-p" "$tmp/runproc/1/maps"
has "proc-dir has its status" "VmRSS:	      64 kB" "$tmp/runproc/1/status"
has "proc-dir has its smaps" "Private_Dirty:        64 kB" "$tmp/runproc/1/smaps"
has "proc-dir has its statm" "16 16 0 0 0 16 0" "$tmp/runproc/1/statm"
has "proc-dir has its stat" "1 (cat) S 0 " "$tmp/runproc/1/stat"
has "proc-dir has /proc/stat" "procs_running 1" "$tmp/runproc/stat"
for f in 1/pagemap kpageflags kpagecount; do
	if [ -s "$tmp/runproc/$f" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: --proc-dir wrote no $f"; fi
done
ok "shell reads standard input" sh -c "printf 'p = alloc_pages GFP_HIGHUSER\nk = kmap p\nrepeat 2 {\nsay in a block\n}\nkunmap k\nquit\n' | '$KMM' shell"
has "shell describes handles" "k = pfn" "$tmp/out"
has "shell reads a block" "in a block" "$tmp/out"

sc 'p = alloc_pages GFP_KERNAL order=3'
status "bad gfp flag" 2 "s.kmm:1:17: expected GFP flags like GFP_KERNEL or GFP_HIGHUSER|__GFP_ZERO, got \"GFP_KERNAL\"" "$KMM" run "$tmp/s.kmm"
sc 'say ok\nx = kmalloc ten'
status "bad size" 2 "s.kmm:2:13: expected a size like 4K or 10M, got \"ten\"" "$KMM" run "$tmp/s.kmm"
if grep -q ok "$tmp/out"; then fail=$((fail + 1)); echo "FAIL: a malformed script ran before it was checked"; else pass=$((pass + 1)); fi
sc 'frob 3'
status "unknown command" 2 "s.kmm:1:1: unknown command \"frob\"" "$KMM" run "$tmp/s.kmm"
sc 'p = alloc_pages GFP_KERNEL ordr=3'
status "unknown option" 2 "s.kmm:1:28: alloc_pages has no option \"ordr\"" "$KMM" run "$tmp/s.kmm"
sc 'p = alloc_pages GFP_KERNEL order=x'
status "bad order" 2 "s.kmm:1:28: expected a number from 0 to 31, got \"x\"" "$KMM" run "$tmp/s.kmm"
sc 'c = kmem_cache_create c 64 SLAB_NOPE'
status "bad slab flag" 2 "s.kmm:1:28: expected SLAB_ flags" "$KMM" run "$tmp/s.kmm"
sc 'repeat 3 {\n  say x'
status "unclosed block" 2 "s.kmm:1:1: the block of this repeat has no closing }" "$KMM" run "$tmp/s.kmm"
sc 'say "no end'
status "unterminated string" 2 "s.kmm:1:5: unterminated string" "$KMM" run "$tmp/s.kmm"
sc 'p = alloc_pages GFP_KERNEL\np = alloc_pages GFP_KERNEL'
status "leaking a handle" 2 "s.kmm:2:1: p still holds pages from line 1" "$KMM" run "$tmp/s.kmm"
sc 'x = kmalloc 64\nfree_pages x'
status "wrong kind of handle" 2 "s.kmm:2:12: x is an object (from line 1); expected pages" "$KMM" run "$tmp/s.kmm"
sc 'kfree nothing'
status "unset handle" 2 "s.kmm:1:7: nothing holds nothing" "$KMM" run "$tmp/s.kmm"
sc 'show nothing'
status "unknown view" 2 "s.kmm:1:6: no view \"nothing\"" "$KMM" run "$tmp/s.kmm"
sc 'boot --mem lots'
status "bad boot option in a script" 2 "s.kmm:1:6: --mem: \"lots\" is not a size" "$KMM" run "$tmp/s.kmm"
sc 'sleep ten'
status "bad time" 2 "s.kmm:1:7: expected a time like 30s, 500ms or 2m, got \"ten\"" "$KMM" run "$tmp/s.kmm"
sc 'step 0'
status "bad ticks" 2 "s.kmm:1:6: expected a number from 1 to" "$KMM" run "$tmp/s.kmm"
sc 'sleep 90s\nshow dmesg'
ok "time passes" "$KMM" run "$tmp/s.kmm"
sc 'expect meminfo MemFree < 10'
status "expect fails" 1 "s.kmm:1:8: expect failed: meminfo MemFree is" "$KMM" run "$tmp/s.kmm"
sc 'p = alloc_pages GFP_KERNEL\nexpect p == NULL'
status "expect NULL fails" 1 "s.kmm:2:8: expect failed: p is not NULL" "$KMM" run "$tmp/s.kmm"
status "missing scenario file" 2 "No such file" "$KMM" run "$tmp/none.kmm"
status "no scenario file" 2 "which scenario file?" "$KMM" run
status "bad boot option on the command line" 2 "is not a size" "$KMM" run --mem lots "$tmp/s.kmm"
# found by fuzz-scenario: a command that set a handle from another one read it after the table
# of handles had grown (or been compacted) under it - here the 33rd handle, and kmap/fork/mmap alike
sc 'x = kmalloc 8\nkfree x\nc = kmem_cache_create grow 100\np = alloc_pages GFP_HIGHUSER\nt = task_create a\nrepeat 29 as i { o[i] = kmem_cache_alloc c }\no[29] = kmem_cache_alloc c\nrepeat 40 as i { q[i] = kmem_cache_alloc c }\nk = kmap p\nu = fork t\nm = mmap u 8K\nverify'
ok "handles taken across the table's growth" "$KMM" run "$tmp/s.kmm"
printf 'p = alloc_pages GFP_KERNEL garbage\n\377\376 {{ }} "\n' > "$tmp/s.kmm"
status "garbage" 2 "s.kmm:" "$KMM" run "$tmp/s.kmm"

# ---- kmm replay: the shared sample, its outputs, and every kind of bad input (exit 2, with the location)
trace="$DATA/traces/sample-mixed.trace.zst"
ok "replay the sample" "$KMM" replay -q --svg "$tmp/replay.svg" --proc-dir "$tmp/rproc" "$trace"
has "replay agreement" "kmem_cache_alloc" "$tmp/out"
has "replay nothing lost" "Nothing lost: yes" "$tmp/out"
has "replay events/s" "million events/s" "$tmp/out"
has "replay svg" "</svg>" "$tmp/replay.svg"
has "replay proc-dir slabinfo" "names_cache" "$tmp/rproc/slabinfo"
has "replay proc-dir buddyinfo" "Node 0, zone" "$tmp/rproc/buddyinfo"
ok "replay --help" "$KMM" replay --help
has "replay man page" "EXIT STATUS" "$tmp/out"
zstd -dc "$trace" 2>/dev/null | head -3000 > "$tmp/head.trace"
gzip -c "$tmp/head.trace" > "$tmp/head.trace.gz"
ok "replay gzip, another machine" "$KMM" replay -q --profile x86_64 --mem 1G "$tmp/head.trace.gz"
has "replay gzip events" "lines 3000, events 3000" "$tmp/out"
ok "replay takes every boot option" "$KMM" replay --profile x86_64 --mem 2G --cpus 2 --seed 7 --initrd 1M \
	--kernel-size 8M --cmdline "vmalloc=256M" --numa "0:0-1G,1:1G-2G" --distance "10 21,21 10" "$tmp/head.trace"
has "replay on two nodes" "1/DMA32" "$tmp/out"
printf 'BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\nBIOS-e820: [mem 0x0000000000100000-0x000000003fffffff] usable\n' > "$tmp/e820"
ok "replay --e820" "$KMM" replay -q --e820 "$tmp/e820" "$tmp/head.trace"
status "replay missing file" 2 "No such file" "$KMM" replay "$tmp/none.trace"
status "replay no file" 2 "which TRACE" "$KMM" replay
status "replay bad boot option" 2 "is not a size" "$KMM" replay --mem lots "$tmp/head.trace"
status "replay bad numa" 2 "expected NID:START-END" "$KMM" replay --profile x86_64 --numa 0:0 "$tmp/head.trace"
status "replay garbage" 2 "no kmem event in it (line 1:" "$KMM" replay "$KMM"
{ head -2 "$tmp/head.trace"; echo "bash-1 [000] ..... 1.0: kmalloc: ptr=1 bytes_req=8 gfp_flags=GFP_KERNEL"; } > "$tmp/bad.trace"
ok "replay malformed line, not strict" "$KMM" replay -q "$tmp/bad.trace"
has "replay malformed line reported" "bad.trace:3: kmalloc: expected bytes_alloc=N" "$tmp/out"
status "replay --strict malformed line" 2 "bad.trace:3: kmalloc: expected bytes_alloc=N" "$KMM" replay --strict "$tmp/bad.trace"
# a trace.dat compressed whole: recognised inside the stream, replayed as the plain file is
gzip -c "$DATA/traces/host-ls.trace.dat" > "$tmp/ls.dat.gz"
ok "replay gzip trace.dat" "$KMM" replay --profile x86_64 "$tmp/ls.dat.gz"
has "replay gzip trace.dat: its format" "input: gzip trace.dat, recorded by Linux" "$tmp/out"
head -c 20000 "$trace" > "$tmp/cut.zst"
ok "replay truncated zstd, not strict" "$KMM" replay -q "$tmp/cut.zst"
has "replay truncated warning" "truncated" "$tmp/err"
status "replay truncated zstd, strict" 2 "cut.zst: zstd: the stream is truncated" "$KMM" replay --strict "$tmp/cut.zst"

# trace.dat: chosen by content (whatever it is called), refused on a machine of another pointer width
cp "$DATA/traces/host-ls.trace.dat" "$tmp/host.trace"
ok "replay a trace.dat" "$KMM" replay -q --profile x86_64 "$tmp/host.trace"
has "trace.dat says its kernel" "input: trace.dat, recorded by Linux" "$tmp/out"
has "trace.dat lost events" "events lost to a full ring buffer" "$tmp/out"
status "trace.dat on i386 refused" 2 "64-bit pointers, the i386 machine has 4096 and 32" "$KMM" replay "$tmp/host.trace"
ok "trace.dat on i386 allowed" "$KMM" replay -q --allow-mismatch "$tmp/host.trace"
has "trace.dat on i386 replayed" "Nothing lost: yes" "$tmp/out"
head -c 100000 "$DATA/traces/host-ls.trace.dat" > "$tmp/cut.dat"
status "truncated trace.dat" 2 "trace.dat: libtracecmd cannot read it" "$KMM" replay --strict --profile x86_64 "$tmp/cut.dat"

# kmm record: on this host when it can trace (root, tracefs, trace-cmd), and the clear refusal where it cannot
agreement() { grep -A3 "^Agreement" "$1"; }
if [ "$(id -u)" = 0 ] && [ -w /sys/kernel/tracing/events/kmem/kmalloc/enable ] && command -v trace-cmd >/dev/null; then
	ok "record a command" "$KMM" record -o "$tmp/rec.dat" -- sh -c 'ls -l /usr/bin | sha1sum'
	has "record says how to replay" "replay them: kmm replay --profile" "$tmp/err"
	ok "replay the recording" "$KMM" replay -q --profile x86_64 "$tmp/rec.dat"
	agreement "$tmp/out" > "$tmp/agree.dat"
	has "the recording has kmallocs" "kmalloc" "$tmp/agree.dat"
	trace-cmd report -N -i "$tmp/rec.dat" > "$tmp/rec.txt" 2>/dev/null
	ok "replay the recording as text" "$KMM" replay -q --profile x86_64 "$tmp/rec.txt"
	agreement "$tmp/out" > "$tmp/agree.txt"
	if cmp -s "$tmp/agree.dat" "$tmp/agree.txt" && grep -q "both  *[1-9]" "$tmp/agree.dat"; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL: trace.dat and its text agree alike"; diff "$tmp/agree.dat" "$tmp/agree.txt" | head; fi
	status "record keeps COMMAND's status" 3 "" "$KMM" record -o "$tmp/r3.dat" -- sh -c 'exit 3'
	ok "record text" "$KMM" record --text -o "$tmp/rec2.txt" -- ls /
	ok "replay recorded text" "$KMM" replay -q --profile x86_64 "$tmp/rec2.txt"
	has "recorded text replayed" "input: text" "$tmp/out"
	if [ -z "$(cat /sys/kernel/tracing/set_event_pid)" ]; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL: record left set_event_pid set"; fi
	if command -v setpriv >/dev/null; then
		status "record as a user" 1 "tracing needs root" setpriv --reuid 65534 --regid 65534 --clear-groups "$KMM" record -o "$tmp/u.dat" -- true
	fi
else
	echo "cli.sh: this host cannot trace (not root, no writable tracefs or no trace-cmd): kmm record's refusal only"
	status "record where tracing is not possible" 1 "tracing is not possible here" "$KMM" record -o "$tmp/rec.dat" -- true
fi
status "record with no tracefs" 1 "no tracefs at $tmp/none (KMM_TRACEFS)" env KMM_TRACEFS="$tmp/none" "$KMM" record -- true
status "record without a command" 2 "which COMMAND" "$KMM" record
ok "kmm --version" "$KMM" --version
has "the version" "kmm 0." "$tmp/out"

# man pages from the --help texts (one source), and the bash completion, from kmm's own lists
ok "man pages" sh tools/help2man.sh "$KMM" "$tmp/man" test
for c in $("$KMM" --list commands); do
	if grep -q '^\.SH OPTIONS' "$tmp/man/kmm-$c.1" && grep -q "^\.TH KMM-" "$tmp/man/kmm-$c.1"; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL: kmm-$c.1 has no OPTIONS section"; fi
done
if command -v man >/dev/null; then
	ok "man renders kmm-replay.1" man -l "$tmp/man/kmm-replay.1"
	has "the page says --allow-mismatch" "allow-mismatch" "$tmp/out"
fi
ok "list profiles" "$KMM" --list profiles
has "profiles listed" "i386-pae" "$tmp/out"
ok "list views" "$KMM" --list views
has "views listed" "zoneinfo" "$tmp/out"
status "list nonsense" 2 "commands, profiles or views" "$KMM" --list nonsense
if command -v bash >/dev/null; then
	complete_words() { bash -c '. completion/kmm; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _kmm; echo "${COMPREPLY[*]}"' _ "$@"; }
	complete_words "$KMM" re > "$tmp/c1"; has "completes commands" "replay record" "$tmp/c1"
	complete_words "$KMM" boot --profile x > "$tmp/c2"; has "completes profiles" "x86_64" "$tmp/c2"
	complete_words "$KMM" boot --show slab > "$tmp/c3"; has "completes views" "slabinfo" "$tmp/c3"
	complete_words "$KMM" replay --allow > "$tmp/c4"; has "completes options" "--allow-mismatch" "$tmp/c4"
fi

# kmm map: the picture of physical memory, from the command line and from a scenario
ok "map" "$KMM" map --mem 256M --svg "$tmp/map.svg" --proc-dir "$tmp/mpd"
has "map writes the views too" "MemTotal:" "$tmp/mpd/meminfo"
has "map is an SVG" "</svg>" "$tmp/map.svg"
has "map draws the zones" "Node 0, zone Normal: pfn 0x1000-" "$tmp/map.svg"
status "map needs --svg" 2 "--svg FILE is required" "$KMM" map --mem 256M
status "map to a bad path" 1 "kmm map: $tmp/no/x.svg: No such file or directory" "$KMM" map --svg "$tmp/no/x.svg"
sc "boot --mem 256M\nt = spawn cat\nr = mmap t 1M\ntouch r\nmap $tmp/mid.svg"
ok "map in a scenario" "$KMM" run "$tmp/s.kmm"
has "scenario map says where" "map: physical memory drawn in $tmp/mid.svg" "$tmp/out"
has "scenario map draws user pages" "fill=\"#1e88e5\"" "$tmp/mid.svg"

# kmm run --plot: the picture of memory pressure over a run, and the scenario's plot command
ok "run --plot" "$KMM" run --plot "$tmp/plot.svg" scenarios/swapon.kmm
has "plot is an SVG" "</svg>" "$tmp/plot.svg"
has "plot draws each zone" "Node 0, zone Normal: free pages and the watermarks" "$tmp/plot.svg"
has "plot draws the LRU lists" "Node 0: the LRU lists" "$tmp/plot.svg"
has "plot shades reclaim's runs" "class=\"span " "$tmp/plot.svg"
if command -v xmllint >/dev/null 2>&1; then ok "plot is well-formed XML" xmllint --noout "$tmp/plot.svg"; fi
status "run --plot to a bad path, said before the run" 2 "kmm: --plot $tmp/no/p.svg: No such file or directory" \
	"$KMM" run --plot "$tmp/no/p.svg" scenarios/demo.kmm
if [ -s "$tmp/out" ]; then fail=$((fail + 1)); echo "FAIL: run --plot to a bad path ran the script"; else pass=$((pass + 1)); fi
sc "boot --mem 64M\nswapon /dev/vda 64M\nt = spawn hog\nm = mmap t 60M\ntouch m write\nplot $tmp/mid-plot.svg"
ok "plot in a scenario" "$KMM" run "$tmp/s.kmm"
has "scenario plot says where" "plot: memory pressure drawn in $tmp/mid-plot.svg" "$tmp/out"
has "scenario plot draws swap" "Swap: in use" "$tmp/mid-plot.svg"

# ---- failure injection: boot parameters, the fail command, kmm run --fail ----------------------
ok "failslab= on the command line" "$KMM" boot -q --cmdline "failslab=1,10,0,-1" --show sys/kernel/debug/failslab/probability --show sys/kernel/debug/failslab/times
has "failslab= sets probability and times" "$(printf '10\n-1')" "$tmp/out"
bad "malformed fail_page_alloc=" "FAULT_INJECTION: failed to parse arguments" "$KMM" boot --cmdline "fail_page_alloc=1,2"
sc 'fail failslab probability=100 times=-1 ignore-gfp-wait=N verbose=1\nx = kmalloc 64\nshow x\nfail failslab'
ok "fail in a script" "$KMM" run "$tmp/s.kmm"
has "the kmalloc failed" "x = NULL (kmalloc failed)" "$tmp/out"
has "the report" "FAULT_INJECTION: forcing a failure." "$tmp/out"
has "fail shows the settings" "fail failslab probability=100 interval=1 times=-1 space=0 verbose=1" "$tmp/out"
has "the end says what was injected" "fault injection: failslab failed 1 of 1 calls, fail_page_alloc failed 0 of 0 calls" "$tmp/out"
sc 'c = kmem_cache_create c 64\no = kmem_cache_alloc c\nkmem_cache_free c o'
status "a NULL handle skips, the run goes on" 1 "s.kmm:2:22: c is NULL: its kmem_cache_create failed; kmem_cache_alloc skipped" \
	"$KMM" run --fail "failslab probability=100 times=-1 ignore-gfp-wait=N verbose=0" "$tmp/s.kmm"
has "and ends" "end: 1 handle freed, nothing lost" "$tmp/out"
status "a bad --fail" 2 "after-boot:1:15: expected FILE=VALUE" "$KMM" run --fail "failslab probabilty=5" "$tmp/s.kmm"
status "a bad value" 2 "failslab/times refuses \"often\"" "$KMM" run --fail "failslab times=often" "$tmp/s.kmm"
for f in scenarios/*.kmm; do # the sweep's short form: 1 is allowed (expects meet failures), 3 never
	"$KMM" run --seed 7 --fail "failslab probability=20 times=-1 ignore-gfp-wait=N verbose=0" \
		--fail "fail_page_alloc probability=20 times=-1 ignore-gfp-wait=N ignore-gfp-highmem=N min-order=0 verbose=0" \
		"$f" >"$tmp/out" 2>"$tmp/err"; rc=$?
	if [ $rc -le 1 ] && grep -q "^fault injection: " "$tmp/out"; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL: $f under injection (exit $rc)"; sed 's/^/  /' "$tmp/err" | head -5; fi
done

# ---- hostile input: numbers that wrap, inputs that never end, a machine the host cannot hold --------
status "--mem past 2^64" 2 '--mem: "17179869185G" does not fit in 64 bits' "$KMM" boot --mem 17179869185G
status "--cpus past 2^32" 2 '--cpus "4294967297": expected a number of CPUs from 1 to' "$KMM" boot --cpus 4294967297
status "mem= past 2^64" 1 "mem=17179869185G: the size does not fit in 64 bits" "$KMM" boot --cmdline mem=17179869185G
status "a sysctl boot parameter of junk" 1 "Failed to set sysctl parameter 'vm.lowmem_reserve_ratio=abc': invalid value" \
	"$KMM" boot --cmdline sysctl.vm.lowmem_reserve_ratio=abc
status "64 TiB: more than the host can hold" 1 "of host memory for its struct pages" "$KMM" boot --profile x86_64 --mem 64T
printf 'BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\nBIOS-e820: [mem 0x0000000000100000-0x00003fffffffffff] usable\n' > "$tmp/e820-64t"
status "an e820 map of 64 TiB" 1 "of host memory for its struct pages" "$KMM" boot --profile x86_64 --e820 "$tmp/e820-64t"
printf 'BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\nBIOS-e820: [mem 0x0000000000100000-0x10000000000000000] usable\n' > "$tmp/e820-wrap"
status "an e820 address past 2^64" 1 "line 2: a too large (over 64 bits) end address" "$KMM" boot --e820 "$tmp/e820-wrap"
printf 'BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\0\nBIOS-e820: [mem 0x0000000000100000-0x000000003fffffff] usable\n' > "$tmp/e820-nul"
status "an e820 map with a NUL byte" 2 "e820-nul:1:62: a NUL byte" "$KMM" boot --e820 "$tmp/e820-nul"
sc 'p = kmalloc 16E'
status "kmalloc 16E" 2 's.kmm:1:13: the size "16E" is too large' "$KMM" run "$tmp/s.kmm"
printf 'say one\nsay t\000wo\n' > "$tmp/nul.kmm"
status "a NUL byte in a script" 2 "nul.kmm:2:6: a NUL byte" "$KMM" run "$tmp/nul.kmm"
if grep -q one "$tmp/out"; then fail=$((fail + 1)); echo "FAIL: a script with a NUL byte ran"; else pass=$((pass + 1)); fi
status "a NUL byte at the shell" 2 "shell:1:3: a NUL byte" sh -c "printf 'sa\000y x\nsay fine\n' | '$KMM' shell"
has "the shell goes on" "fine" "$tmp/out"
status "an endless line at the shell" 2 "shell:1: a line longer than 16384 KiB" sh -c "head -c 20000000 /dev/zero | timeout 20 '$KMM' shell"
status "an endless block at the shell" 2 "shell:1: a block longer than 64 KiB" sh -c "(echo 'repeat 2 {'; yes 'say x' | head -20000) | timeout 20 '$KMM' shell"
status "run a directory" 2 "is a directory" "$KMM" run "$tmp"
status "run /dev/zero" 2 "/dev/zero: larger than 16384 KiB" timeout 20 "$KMM" run /dev/zero
status "replay a directory" 2 "is a directory" "$KMM" replay "$tmp"
status "replay /dev/zero ends" 2 "no kmem event in it (line 1: a line longer than" timeout 20 "$KMM" replay -q /dev/zero
sc 'repeat 1000000 {\n repeat 1000000 {\n  p = kmalloc 8\n  kfree p\n }\n}'
status "nested repeats end at the step limit" 2 "ran more than 1000 statements, the step limit" "$KMM" run --max-steps 1000 "$tmp/s.kmm"
has "and free what they hold" "nothing lost" "$tmp/out"
status "the default step limit" 2 "ran more than 10000000 statements, the step limit" timeout 60 "$KMM" run "$tmp/s.kmm"
status "a bad --max-steps" 2 '--max-steps "-1": expected a number of statements' "$KMM" run --max-steps -1 "$tmp/s.kmm"
sc 'repeat 3 {\n say x\n}'
ok "--max-steps 0 is no limit" "$KMM" run --max-steps 0 "$tmp/s.kmm"
sc 't = task_create a\nm = mmap t 4M\nmunmap m 0x1001 4K\nsay done'
ok "a failed system call does not stop the script" "$KMM" run "$tmp/s.kmm"
has "failed calls are said on stderr" "s.kmm:3:1: munmap: Invalid argument" "$tmp/err"
if grep -q "Invalid argument" "$tmp/out"; then fail=$((fail + 1)); echo "FAIL: a failed call on stdout"; else pass=$((pass + 1)); fi
: > "$tmp/empty.trace"
ok "replay an empty trace" "$KMM" replay -q "$tmp/empty.trace"
has "says nothing was replayed" "nothing was replayed" "$tmp/err"
status "replay --strict an empty trace" 2 "no kmem event in it (0 lines): nothing was replayed" "$KMM" replay --strict "$tmp/empty.trace"
zstd -q -f --check "$tmp/head.trace" -o "$tmp/ck.zst"
python3 -c "import sys; d=bytearray(open(sys.argv[1],'rb').read()); d[-1]^=0xff; open(sys.argv[2],'wb').write(d)" "$tmp/ck.zst" "$tmp/badck.zst"
status "zstd checksum, strict" 2 "doesn't match checksum" "$KMM" replay --strict "$tmp/badck.zst"
ok "zstd checksum, not strict" "$KMM" replay -q "$tmp/badck.zst"
has "zstd checksum warns" "warning:" "$tmp/err"
python3 -c "import sys; d=bytearray(open(sys.argv[1],'rb').read()); d[-6]^=0xff; open(sys.argv[2],'wb').write(d)" "$tmp/head.trace.gz" "$tmp/badcrc.gz"
status "gzip CRC, strict" 2 "incorrect data check" "$KMM" replay --strict "$tmp/badcrc.gz"
echo 'bash-1 [000] ..... 1.0: kmalloc: ptr=1 bytes_req=18446744073709551616 bytes_alloc=8 gfp_flags=GFP_KERNEL' > "$tmp/big.trace"
status "a trace field past 2^64" 2 "too large for an unsigned long" "$KMM" replay --strict "$tmp/big.trace"
status "--sample-every past 2^64" 2 "--sample-every \"18446744073709551616\"" "$KMM" replay --sample-every 18446744073709551616 "$tmp/big.trace"
status "stress --ops past 2^64" 2 "is larger than" "$KMM" stress --ops 18446744073709551616

# --help is true and complete: every command of the language is in kmm run --help, every example
# file it names exists, and every --option each help names is one the command takes
"$KMM" run --help > "$tmp/runhelp"
sc 'help'
"$KMM" run "$tmp/s.kmm" > "$tmp/cmds" 2>&1
for c in $(awk '/^  [a-z_0-9]+ /{print $1}' "$tmp/cmds"); do
	if grep -qE "(^|[ |=(])$c( |$|\||,|\))" "$tmp/runhelp"; then pass=$((pass + 1)); else
		fail=$((fail + 1)); echo "FAIL: kmm run --help does not describe the command $c"; fi
done
if grep -q "not available" "$tmp/runhelp"; then fail=$((fail + 1)); echo "FAIL: run --help says something is not available"; else pass=$((pass + 1)); fi
for cmd in boot run shell replay map stress; do
	"$KMM" $cmd --help > "$tmp/help" 2>&1
	for f in $(grep -oE 'scenarios/[a-z_0-9.-]+' "$tmp/help"); do
		if [ -f "$f" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: kmm $cmd --help names $f, which does not exist"; fi
	done
	# "--opt=VALUE --help": an option kmm takes is parsed (and maybe refuses VALUE), one it does not
	# is "unrecognized"; VALUE is a path under $tmp, so an option that names an output writes nothing elsewhere
	for o in $(grep -oE -- '--[a-z][a-z0-9-]+' "$tmp/help" | sort -u); do
		"$KMM" $cmd "$o=$tmp/optval" --help >/dev/null 2>"$tmp/e1"
		if grep -q "unrecognized option" "$tmp/e1"; then
			fail=$((fail + 1)); echo "FAIL: kmm $cmd --help names $o, which kmm $cmd does not take"; else pass=$((pass + 1)); fi
	done
done

# kmm's own kmem: tracepoints: trace_event= at boot, the scenario's trace statement, the round trip through replay
ok "trace_event= at boot" "$KMM" boot -q --cmdline "trace_event=kmem:mm_page_free trace_buf_size=1M" --show sys/kernel/tracing/trace
has "trace header" "# entries-in-buffer/entries-written: " "$tmp/out"
has "boot frees traced" "<idle>-0       [000] .....     0.000000: mm_page_free: page=" "$tmp/out"
ok "trace_event= unknown event" "$KMM" boot --cmdline "trace_event=kmem:nope"
has "Linux's warning" "Failed to enable trace event: kmem:nope" "$tmp/out"
sc 'trace on kmem:kmalloc,kmem:kfree kmem:mm_page_alloc\nt = spawn sh\nm = mmap t 64K\ntouch m\nx = kmalloc 100\nkfree x\nexit t\ntrace off'
ok "trace statement" "$KMM" run --proc-dir "$tmp/tproc" "$tmp/s.kmm"
has "kmalloc traced" "bytes_req=100 bytes_alloc=128 gfp_flags=GFP_KERNEL node=-1 accounted=false" "$tmp/tproc/sys/kernel/tracing/trace"
has "the task's column" "              sh-1       [000] .....     0.000000: mm_page_alloc: page=" "$tmp/tproc/sys/kernel/tracing/trace"
ok "kmm's trace replayed" "$KMM" replay --strict "$tmp/tproc/sys/kernel/tracing/trace"
has "round trip" "kmalloc 3, kfree 3," "$tmp/out" # the task's cred and task LSM blobs, and x
has "round trip nothing lost" "Nothing lost: yes" "$tmp/out"
sc 'trace on kmem:kmalloc_node'
status "trace of an unknown event" 2 "s.kmm:1:10: no trace event \"kmem:kmalloc_node\"" "$KMM" run "$tmp/s.kmm"
sc 'trace maybe'
status "trace neither on nor off" 2 "expected trace on [EVENTS]" "$KMM" run "$tmp/s.kmm"

# init_on_alloc=/init_on_free= as the boot log says them; Percpu in meminfo is the first chunk of every CPU
ok "mem auto-init default" "$KMM" boot
has "Debian's default" "mem auto-init: stack:all(zero), heap alloc:on, heap free:off" "$tmp/out"
ok "mem auto-init set" "$KMM" boot --cmdline "init_on_alloc=0 init_on_free=1"
has "the parameters" "mem auto-init: stack:all(zero), heap alloc:off, heap free:on" "$tmp/out"
ok "percpu meminfo" "$KMM" boot -q --cpus 2 --show meminfo
has "two CPUs' first chunks" "Percpu:              264 kB" "$tmp/out"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
