#!/bin/sh
# tests/mount.sh - the live views over FUSE (tools/fuse_proc.c): kmm mount's
# files read by cat, less, slabtop and vmstat, a sysctl written and read back
# through the mount and a bad value refused with EINVAL; a program under the
# preload with KMM_MOUNT whose kmalloc-cg-256 counts move in the mount's
# slabinfo between its allocation steps; kmm run --mount on a scenario; kmm
# shell --mount, its root empty until the machine boots, fed line by line; and
# the clear errors (DIR missing, not a directory, not empty; not root and no
# fusermount3), each with nothing left mounted.
#
#   KMM=build/kmm PRELOAD=build/libkmm-preload.so CHECK=build/preload-check sh tests/mount.sh
#
# Where FUSE cannot mount (no /dev/fuse, mount(2) not permitted in a
# container) it says SKIP with the reason and passes.  Under a sanitizer
# build (SAN_FLAGS set) the preload part is skipped, as tests/preload.sh is.
set -u
: "${KMM:?KMM=path of kmm}" "${PRELOAD:?PRELOAD=path of libkmm-preload.so}" "${CHECK:?CHECK=path of preload-check}"
KMM=$(realpath "$KMM")
tmp=$(mktemp -d)
chmod 755 "$tmp" # the not-root check runs as nobody
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for m in "$tmp"/*; do grep -q " $m fuse" /proc/mounts 2>/dev/null && fusermount3 -u -z "$m" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
ok() { echo "ok $1"; }
bad() { echo "FAIL $1"; fail=1; }
mounted() { grep -q " $1 fuse" /proc/mounts; }

# wait_for FILE PID: up to 10 s for FILE to appear while PID lives; 0 if it did
wait_for() {
	i=0
	while [ $i -lt 200 ]; do
		[ -e "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# gone PID: up to 10 s for PID to end; its status in $status
gone() {
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	wait "$1"
	status=$?
}

# ---- the clear errors: one line, status 1, nothing mounted (no FUSE needed) ----
mkdir "$tmp/full" && touch "$tmp/full/x" "$tmp/file"
for case in "a missing DIR:$tmp/none:no such directory" "a file as DIR:$tmp/file:not a directory" \
	"a DIR not empty:$tmp/full:not empty"; do
	name=${case%%:*} rest=${case#*:}
	dir=${rest%%:*} want=${rest#*:}
	"$KMM" mount "$dir" >"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ $st = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "$want" "$tmp/err" && ! mounted "$dir"; then
		ok "kmm mount on $name: $(cat "$tmp/err")"
	else
		bad "kmm mount on $name: status $st, $(cat "$tmp/err")"
	fi
done
"$KMM" run --mount "$tmp/file" /dev/null >"$tmp/out" 2>"$tmp/err"
st=$?
if [ $st = 1 ] && grep -q "not a directory" "$tmp/err"; then ok "kmm run --mount on a file: $(cat "$tmp/err")"; else bad "kmm run --mount on a file: status $st"; fi

if [ ! -e /dev/fuse ]; then
	echo "mount: SKIP the FUSE tests - /dev/fuse is missing (no FUSE in this kernel or container)"
	exit $fail
fi
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	mkdir "$tmp/nobody"
	setpriv --reuid=65534 --regid=65534 --clear-groups env PATH=/nonexistent "$KMM" mount "$tmp/nobody" 2>"$tmp/err"
	st=$?
	if [ $st = 1 ] && grep -q "needs root or fusermount3" "$tmp/err" && ! mounted "$tmp/nobody"; then
		ok "not root and no fusermount3: $(cat "$tmp/err")"
	else
		bad "not root and no fusermount3: status $st, $(cat "$tmp/err")"
	fi
fi

# ---- (1) kmm mount: read, write, unmount ----
mnt=$tmp/mnt
mkdir "$mnt"
"$KMM" mount -q --profile x86_64 --mem 1G "$mnt" 2>"$tmp/mount.err" &
kpid=$!
pids="$pids $kpid"
if ! wait_for "$mnt/meminfo" "$kpid"; then
	if grep -Eq "cannot mount: .*(not permitted|Permission denied)" "$tmp/mount.err"; then
		echo "mount: SKIP the FUSE tests - mounting is not permitted here: $(cat "$tmp/mount.err")"
		exit $fail
	fi
	bad "kmm mount did not mount: $(cat "$tmp/mount.err")"
	exit 1
fi
if grep -q '^MemTotal: ' "$mnt/meminfo" && [ "$(head -1 "$mnt/slabinfo")" = "slabinfo - version: 2.1" ] &&
	grep -q '^Node 0, zone      DMA ' "$mnt/buddyinfo" && [ "$(cat "$mnt/sys/vm/swappiness")" = 60 ]; then
	ok "cat reads meminfo, slabinfo, buddyinfo and sys/vm/swappiness"
else
	bad "the views read through the mount"
fi
size=$(stat -c %s "$mnt/meminfo")
if [ "$size" = 0 ] && [ "$(wc -c <"$mnt/zoneinfo")" -gt 1000 ] && less "$mnt/meminfo" | cmp -s - "$mnt/meminfo"; then
	ok "size 0 as procfs, read to the end by cat and less"
else
	bad "size $size: reading a file of size 0"
fi
echo 8192 >"$mnt/sys/vm/min_free_kbytes"
if [ "$(cat "$mnt/sys/vm/min_free_kbytes")" = 8192 ]; then ok "min_free_kbytes written and read back"; else bad "min_free_kbytes write"; fi
if /bin/echo abc >"$mnt/sys/vm/min_free_kbytes" 2>"$tmp/err"; then
	bad "a bad min_free_kbytes was taken"
elif grep -q "Invalid argument" "$tmp/err" && [ "$(cat "$mnt/sys/vm/min_free_kbytes")" = 8192 ]; then
	ok "a bad value is EINVAL and changes nothing"
else
	bad "a bad value: $(cat "$tmp/err")"
fi
# procps keeps a view open and reads it again from offset 0 at each refresh: that read is the machine now
again=$(python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
first = os.read(fd, 100)
with open(sys.argv[1], "w") as f: f.write("9000\n")
os.lseek(fd, 0, 0)
print(first.decode().strip(), os.read(fd, 100).decode().strip())' "$mnt/sys/vm/min_free_kbytes" 2>&1)
if [ "$again" = "8192 9000" ]; then ok "an open file read again from offset 0 sees the new value"; else bad "read again from 0: $again"; fi
if (echo 1 >"$mnt/meminfo") 2>/dev/null; then bad "meminfo was writable"; else ok "meminfo is read-only"; fi
if [ "$(od -An -tx8 -N8 "$mnt/kpagecount" | tr -d ' ')" != "" ] && ! dd if="$mnt/kpageflags" bs=3 count=1 2>/dev/null | grep -q .; then
	ok "kpagecount reads in 8-byte entries, a 3-byte read is refused"
else
	bad "the binary views"
fi
if command -v slabtop >/dev/null && command -v unshare >/dev/null && [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	unshare -m sh -c "mount --bind '$mnt/slabinfo' /proc/slabinfo && slabtop -o -s c" >"$tmp/slabtop" 2>&1
	unshare -m sh -c "mount --bind '$mnt/meminfo' /proc/meminfo && mount --bind '$mnt/vmstat' /proc/vmstat &&
		mount --bind '$mnt/stat' /proc/stat && vmstat -s" >"$tmp/vmstat" 2>&1
	free=$(awk '$1 == "MemFree:" { print $2 }' "$mnt/meminfo")
	if grep -q "Active / Total Caches" "$tmp/slabtop" && grep -q "kmalloc-" "$tmp/slabtop" &&
		grep -Eq "^ +$free K free memory" "$tmp/vmstat"; then
		ok "slabtop and vmstat read the mount's files bind-mounted over /proc's"
	else
		bad "slabtop or vmstat on the mount's files:"
		head -5 "$tmp/slabtop" "$tmp/vmstat"
	fi
else
	echo "mount: slabtop and vmstat checks skipped (they need root, unshare and procps)"
fi
fusermount3 -u "$mnt"
gone "$kpid"
if [ "$status" = 0 ] && ! mounted "$mnt"; then ok "fusermount3 -u ends kmm mount (status 0)"; else bad "after fusermount3 -u: status $status"; fi
"$KMM" mount -q "$mnt" 2>"$tmp/mount.err" &
kpid=$!
pids="$pids $kpid"
wait_for "$mnt/meminfo" "$kpid"
kill -TERM "$kpid"
gone "$kpid"
if [ "$status" = 0 ] && ! mounted "$mnt" && [ -z "$(ls -A "$mnt")" ]; then
	ok "SIGTERM unmounts and ends kmm mount (status 0)"
else
	bad "kmm mount after SIGTERM: status $status"
fi

# ---- (2) a program under the preload, its slabinfo read from KMM_MOUNT between its steps ----
if [ -n "${SAN_FLAGS:-}" ]; then
	echo "mount: the preload part skipped under $SAN_FLAGS (the sanitizer's runtime serves malloc itself)"
else
	PRELOAD=$(realpath "$PRELOAD") CHECK=$(realpath "$CHECK")
	mkfifo "$tmp/go" "$tmp/said"
	# timeout itself is not preloaded: the first preloaded process takes the mount
	timeout 60 env KMM_PROFILE=x86_64 KMM_MOUNT="$mnt" LD_PRELOAD="$PRELOAD" "$CHECK" steps 2 \
		<"$tmp/go" >"$tmp/said" 2>"$tmp/prog.err" &
	ppid=$!
	pids="$pids $ppid"
	exec 3>"$tmp/go" 4<"$tmp/said"
	counts=""
	while read -r line <&4; do
		counts="$counts $(awk '$1 == "kmalloc-cg-256" { print $2 }' "$mnt/slabinfo" 2>>"$tmp/prog.err")"
		echo go >&3
	done
	exec 3>&- 4<&-
	wait "$ppid"
	st=$?
	set -- $counts
	if [ $st = 0 ] && [ $# = 4 ] && [ $(($2 - $1)) -ge 2000 ] && [ $(($3 - $2)) -ge 2000 ] && [ "$4" -lt "$3" ] &&
		! mounted "$mnt"; then
		ok "KMM_MOUNT: kmalloc-cg-256 active objects move with the program's steps:$counts; unmounted at exit"
	else
		bad "KMM_MOUNT: status $st, kmalloc-cg-256 active objects at each step:$counts"
		cat "$tmp/prog.err"
	fi
fi

# ---- (3) kmm run --mount: the scenario's machine while the script runs ----
cat >"$tmp/live.kmm" <<'EOF'
c = kmem_cache_create mine 100
repeat 300 as i { o[i] = kmem_cache_alloc c }
t = task_create prog
repeat 4 { repeat 1000000 { p = kmalloc 64; kfree p } }
show t/oom_score_adj
EOF
"$KMM" run --mount "$mnt" "$tmp/live.kmm" >"$tmp/run.out" 2>&1 &
rpid=$!
pids="$pids $rpid"
if wait_for "$mnt/1/status" "$rpid"; then
	active=$(awk '$1 == "mine" { print $2 }' "$mnt/slabinfo")
	name=$(awk '$1 == "Name:" { print $2 }' "$mnt/1/status")
	echo 300 >"$mnt/1/oom_score_adj"
	/bin/echo 5000 >"$mnt/1/oom_score_adj" 2>"$tmp/err"
else
	active=none name=none
fi
gone "$rpid"
if [ "$status" = 0 ] && [ "${active:-0}" -ge 300 ] 2>/dev/null && [ "$name" = prog ] && grep -q "Invalid argument" "$tmp/err" &&
	grep -qx 300 "$tmp/run.out" && grep -q "nothing lost" "$tmp/run.out" && ! mounted "$mnt"; then
	ok "kmm run --mount: the scenario's cache and task read live, oom_score_adj written, unmounted at the end"
else
	bad "kmm run --mount: status $status, active $active, task $name"
	tail -5 "$tmp/run.out"
fi

# ---- kmm shell --mount: empty before the machine boots, then each statement's effect seen live ----
# until_mine N: up to 10 s for the cache "mine" to have N or more active objects in the mount
until_mine() {
	i=0
	while [ $i -lt 200 ]; do
		n=$(awk '$1 == "mine" { print $2 }' "$mnt/slabinfo" 2>/dev/null)
		[ -n "$n" ] && [ "$n" -ge "$1" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}
mkfifo "$tmp/lines"
"$KMM" shell --mount "$mnt" <"$tmp/lines" >"$tmp/shell.out" 2>&1 &
spid=$!
pids="$pids $spid"
exec 5>"$tmp/lines"
i=0
while ! mounted "$mnt" && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
before=$(ls -A "$mnt" | wc -l)
echo 'c = kmem_cache_create mine 100' >&5
until_mine 0 && zero=ok || zero=no
echo 'repeat 100 as i { o[i] = kmem_cache_alloc c }' >&5
until_mine 100 && hundred=ok || hundred=no
exec 5>&-
gone "$spid"
if [ "$before" = 0 ] && [ $zero = ok ] && [ $hundred = ok ] && [ "$status" = 0 ] && ! mounted "$mnt" &&
	grep -q "nothing lost" "$tmp/shell.out"; then
	ok "kmm shell --mount: empty before boot, the cache and its objects appear as statements run"
else
	bad "kmm shell --mount: $before entries before boot, cache $zero, objects $hundred, status $status"
	tail -3 "$tmp/shell.out"
fi
exit $fail
