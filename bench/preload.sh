#!/bin/sh
# bench/preload.sh - whole programs with their malloc served by glibc (the
# baseline), jemalloc, mimalloc and tcmalloc (Debian's libraries, preloaded)
# and by kmm (libkmm-preload.so, x86_64 and i386 profiles): wall time and
# peak RSS, best of ROUNDS runs, as ratios to glibc in the same run, and
# their geometric means.  Run by `make bench`; alone:
#
#   PRELOAD=build/libkmm-preload.so ROUNDS=3 sh bench/preload.sh
#
# A column whose library is not installed is left empty.
set -u
: "${PRELOAD:?PRELOAD=path of libkmm-preload.so}"
PRELOAD=$(realpath "$PRELOAD")
ROUNDS=${ROUNDS:-3}
SRC=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
LIBDIR=/usr/lib/x86_64-linux-gnu

cat >"$tmp/work.py" <<'EOF'
import json, re, collections
d = {str(i): {"v": [i] * (i % 40), "s": "x" * (i % 100)} for i in range(40000)}
s = json.dumps(d)
back = json.loads(s)
c = collections.Counter(re.findall(r'"(\d)\d*":', s))
print(len(back), c.most_common(2))
EOF
seq 1 100000 | sed 's/$/ the quick brown fox/' >"$tmp/text"
git -C "$SRC" rev-parse HEAD >/dev/null 2>&1 && HAVE_GIT=1 || HAVE_GIT=0

# name|command (run in $tmp)
WORKLOADS="python3|$PY $tmp/work.py
sqlite3|sqlite3 :memory: 'create table t(a integer primary key, b, c); with recursive n(x) as (select 1 union all select x + 1 from n where x < 100000) insert into t select x, hex(randomblob(16)), x % 1000 from n; create index tb on t(b); select c, count(*), max(b) from t group by c order by 2 desc limit 2;'
gcc|gcc -O2 -std=gnu11 -I$SRC/include -I$SRC/src -DKMM_DEBUG=1 -c $SRC/src/mm/slub.c -o slub.o
perl|perl -ne '\$h{\$1}++ while /(\\w+)/g; END { print scalar(keys %h), \"\\n\" }' $tmp/text
xz|xz -T1 -6 -c $tmp/text | wc -c"
[ "$HAVE_GIT" = 1 ] && WORKLOADS="$WORKLOADS
git|git -C $SRC log --stat -300 | wc -l && git -C $SRC rev-list --objects HEAD | wc -l"

# allocator name|LD_PRELOAD|extra environment
ALLOCATORS="glibc||
jemalloc|$LIBDIR/libjemalloc.so.2|
mimalloc|$LIBDIR/libmimalloc.so.2|
tcmalloc|$LIBDIR/libtcmalloc_minimal.so.4|
kmm-x86_64|$PRELOAD|KMM_PROFILE=x86_64
kmm-i386|$PRELOAD|KMM_PROFILE=i386"

# best NAME PRELOAD ENV CMD: "ms rss_kib" of the best of ROUNDS runs (empty: library missing or the run failed)
best() {
	lib=$2 envs=$3 cmd=$4
	[ -n "$lib" ] && [ ! -e "$lib" ] && return
	bt="" bm=""
	i=0
	while [ $i -lt "$ROUNDS" ]; do
		t0=$(date +%s%N)
		(cd "$tmp" && env $envs ${lib:+LD_PRELOAD=$lib} /usr/bin/time -f %M -o "$tmp/rss" sh -c "$cmd" >/dev/null 2>"$tmp/err") || return
		t1=$(date +%s%N)
		ms=$(((t1 - t0) / 1000000))
		rss=$(tail -1 "$tmp/rss")
		[ -z "$bt" ] || [ "$ms" -lt "$bt" ] && bt=$ms
		[ -z "$bm" ] || [ "$rss" -lt "$bm" ] && bm=$rss
		i=$((i + 1))
	done
	echo "$bt $bm"
}

echo "Whole programs: wall ms and peak RSS (MiB), best of $ROUNDS; ratio to glibc in parentheses"
printf '%-10s' "program"
printf "%s\n" "$ALLOCATORS" | while IFS='|' read -r a _ _; do printf ' %-24s' "$a"; done
echo
: >"$tmp/ratios"
printf "%s\n" "$WORKLOADS" | while IFS='|' read -r w cmd; do
	printf '%-10s' "$w"
	base_t="" base_m=""
	printf "%s\n" "$ALLOCATORS" | {
		while IFS='|' read -r a lib envs; do
			r=$(best "$a" "$lib" "$envs" "$cmd")
			if [ -z "$r" ]; then
				printf ' %-24s' "-"
				continue
			fi
			t=${r% *} m=${r#* }
			if [ -z "$base_t" ]; then
				base_t=$t base_m=$m
			fi
			rt=$(awk -v a="$t" -v b="$base_t" 'BEGIN { printf "%.2f", b ? a / b : 0 }')
			rm=$(awk -v a="$m" -v b="$base_m" 'BEGIN { printf "%.2f", b ? a / b : 0 }')
			echo "$a $rt $rm" >>"$tmp/ratios"
			printf ' %-24s' "$t ms ($rt) $((m / 1024))M ($rm)"
		done
		echo
	}
done
echo "geometric mean of the ratios (time, peak RSS):"
awk '{ lt[$1] += log($2); lm[$1] += log($3); n[$1]++ } END { for (a in n) printf "  %-12s %.2f %.2f\n", a, exp(lt[a] / n[a]), exp(lm[a] / n[a]) }' "$tmp/ratios" | sort
