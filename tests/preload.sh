#!/bin/sh
# tests/preload.sh - real programs on kmm: python3, sqlite3, gcc and git run
# plainly and under libkmm-preload.so on the i386 and x86_64 profiles, and
# their output (and status) must be the same; preload_check (tests/preload/)
# checks the malloc family, threads on 2 CPUs, signals, fork, exec and exit;
# KMM_PROC_DIR and KMM_REPORT are checked on a program that leaks on purpose.
#
#   PRELOAD=build/libkmm-preload.so CHECK=build/preload-check sh tests/preload.sh
#
# Under a sanitizer build (SAN_FLAGS set) it says so and skips: ASan's and
# TSan's runtimes take the malloc family themselves, so a preloaded kmm
# would never be asked.
set -u
: "${PRELOAD:?PRELOAD=path of libkmm-preload.so}" "${CHECK:?CHECK=path of preload-check}"
if [ -n "${SAN_FLAGS:-}" ]; then
	echo "preload: skipped under $SAN_FLAGS (the sanitizer's runtime serves malloc itself)"
	exit 0
fi
PRELOAD=$(realpath "$PRELOAD") CHECK=$(realpath "$CHECK")
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
PROFILES="i386 x86_64"

# A fixed identity and clock, so git's output is the same in every run.
export GIT_AUTHOR_NAME=kmm GIT_AUTHOR_EMAIL=kmm@example.org GIT_COMMITTER_NAME=kmm \
	GIT_COMMITTER_EMAIL=kmm@example.org GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' \
	GIT_COMMITTER_DATE='2026-01-01T00:00:00Z' GIT_CONFIG_NOSYSTEM=1 HOME=$tmp

# same NAME SCRIPT: the shell script's output and status, plainly and on each profile, in a fresh directory each time
same() {
	name=$1 script=$2
	rm -rf "$tmp/w" && mkdir "$tmp/w"
	expected=$(cd "$tmp/w" && sh -c "$script" 2>&1; echo "status $?")
	for prof in $PROFILES; do
		rm -rf "$tmp/w" && mkdir "$tmp/w"
		# KMM_CONSOLE: any kernel message (a warning, a SLUB report) would show in the output
		got=$(cd "$tmp/w" && KMM_PROFILE=$prof KMM_CONSOLE=1 LD_PRELOAD=$PRELOAD sh -c "$script" 2>&1; echo "status $?")
		if [ "$got" = "$expected" ]; then
			echo "ok $name on $prof"
		else
			echo "FAIL $name on $prof: its output differs from the plain run's"
			printf '%s\n' "$expected" >"$tmp/expected"
			printf '%s\n' "$got" >"$tmp/got"
			diff "$tmp/expected" "$tmp/got" | head -20
			fail=1
		fi
	done
}

cat >"$tmp/prog.py" <<'EOF'
import json, re, hashlib, subprocess, threading, collections
d = {str(i): [i] * (i % 50) for i in range(20000)}
s = json.dumps(d, sort_keys=True)
print(len(s), hashlib.sha256(s.encode()).hexdigest())
print(len(re.findall(r'"(\d+)7":', s)))
c = collections.Counter(w for w in s.split(',') if w)
print(c.most_common(3))
out = []
def work(n):
    out.append(sum(len(str(x)) for x in range(n)))
ts = [threading.Thread(target=work, args=(50000 + i,)) for i in range(6)]
[t.start() for t in ts]
[t.join() for t in ts]
print(sorted(out))
print(subprocess.run(['echo', 'from a child'], capture_output=True, text=True).stdout.strip())
big = bytearray(64 << 20)
big[-1] = 7
print(sum(big))
EOF
same python3 "$PY $tmp/prog.py"

same sqlite3 "sqlite3 :memory: 'create table t(a integer primary key, b, c);
with recursive n(x) as (select 1 union all select x + 1 from n where x < 50000)
insert into t select x, printf(\"%08d\", x * 7919 % 50000), x % 97 from n;
create index tb on t(b);
select count(*), sum(c), min(b), max(b) from t;
select c, count(*) from t group by c order by 2 desc, 1 limit 3;
select group_concat(a) from (select a from t where b like \"0000%\" order by b limit 8);'"

cat >"$tmp/hello.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
struct node { struct node *next; int v; };
int main(void)
{
	struct node *h = NULL;
	for (int i = 0; i < 1000; i++) {
		struct node *n = malloc(sizeof(*n));
		n->v = i * i % 1009;
		n->next = h;
		h = n;
	}
	long s = 0;
	for (struct node *n = h; n; n = n->next)
		s += n->v;
	printf("sum %ld\n", s);
	return 0;
}
EOF
same gcc "gcc -O2 -g -Wall -c $tmp/hello.c -o hello.o && md5sum < hello.o && gcc hello.o -o hello && ./hello"

# C++: new/delete, aligned new (aligned_alloc) and the containers, through the malloc family
if command -v g++ >/dev/null 2>&1; then
	cat >"$tmp/cx.cc" <<'EOF'
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>
int main()
{
	std::map<std::string, std::vector<int>> m;
	for (int i = 0; i < 100000; i++)
		m[std::to_string(i % 5000)].push_back(i);
	auto big = std::make_unique<std::vector<double>>(1 << 20, 1.5);
	struct alignas(64) A { char c[64]; };
	A *a = new A[10];
	bool aligned = (reinterpret_cast<std::uintptr_t>(a) % 64) == 0;
	delete[] a;
	size_t n = 0;
	for (auto &kv : m)
		n += kv.second.size();
	std::cout << m.size() << " " << n << " " << (*big)[12345] << " aligned=" << aligned << std::endl;
}
EOF
	g++ -O2 -o "$tmp/cx" "$tmp/cx.cc" && same "c++" "$tmp/cx"
fi

same git "git init -q -b main r && cd r && for i in 1 2 3 4 5 6; do seq \$i 3000 > f\$i; git add f\$i; git commit -qm \"commit \$i\"; done &&
git log --stat --format='%H %s' | head -30 && seq 7 3000 > f1 && git diff --stat && git commit -qam edit &&
git repack -adq && git count-objects -v | grep -v size && git fsck --strict 2>&1 && git rev-list --count HEAD"

# The checks of the malloc family, threads (8 on 2 CPUs, and on 1), signals, fork, exec, exit; and with one thread.
for prof in $PROFILES; do
	if out=$(KMM_PROFILE=$prof LD_PRELOAD=$PRELOAD timeout 300 "$CHECK" single 2>&1); then
		echo "ok preload-check single-threaded on $prof ($(printf '%s\n' "$out" | grep -c '^ok') checks)"
	else
		echo "FAIL preload-check single-threaded on $prof:"
		printf '%s\n' "$out" | grep -v '^ok'
		fail=1
	fi
	# 8 threads on 1 CPU: most calls run on no CPU, freeing into slabs the CPU freezes
	if out=$(KMM_PROFILE=$prof KMM_CPUS=1 LD_PRELOAD=$PRELOAD timeout 300 "$CHECK" threads 5 2>&1); then
		echo "ok preload-check threads on 1 CPU on $prof"
	else
		echo "FAIL preload-check threads on 1 CPU on $prof:"
		printf '%s\n' "$out" | grep -v '^ok' | head -20
		fail=1
	fi
	if out=$(KMM_PROFILE=$prof KMM_CPUS=2 LD_PRELOAD=$PRELOAD timeout 300 "$CHECK" 2>&1); then
		echo "ok preload-check on $prof ($(printf '%s\n' "$out" | grep -c '^ok') checks)"
	else
		echo "FAIL preload-check on $prof:"
		printf '%s\n' "$out" | grep -v '^ok'
		fail=1
	fi
done

# Out of memory on a 128 MiB machine: NULL and ENOMEM after reclaim, never a crash; malloc works after freeing.
for prof in $PROFILES; do
	if out=$(KMM_PROFILE=$prof KMM_MEM=128M LD_PRELOAD=$PRELOAD timeout 300 "$CHECK" oom 2>&1); then
		echo "ok out of memory on $prof"
	else
		echo "FAIL out of memory on $prof:"
		printf '%s\n' "$out" | tail -5
		fail=1
	fi
done

# A program that leaks 37 objects of 100 bytes (kmalloc-cg-128: 37 x 128 bytes) from leak_some():
# the report names the function, the views show the objects; and leak_big()'s 8 MiB vmalloc area.
KMM_PROFILE=x86_64 KMM_REPORT=$tmp/leaks.txt KMM_PROC_DIR=$tmp/proc LD_PRELOAD=$PRELOAD "$CHECK" leak 37
if grep -Eq '^ +37 +4736 +kmalloc-cg-128 +leak_some\+0x' "$tmp/leaks.txt" &&
	grep -Eq '^  0x[0-9a-f]+-0x[0-9a-f]+ +[0-9]+ leak_big\+0x.* vmalloc' "$tmp/leaks.txt" &&
	awk '$1 == "kmalloc-cg-128" && $2 >= 37 { ok = 1 } END { exit !ok }' "$tmp/proc/slabinfo"; then
	echo "ok leak report and views"
else
	echo "FAIL leak report and views:"
	cat "$tmp/leaks.txt"
	grep kmalloc-cg-128 "$tmp/proc/slabinfo"
	fail=1
fi

# A double free with slub_debug on: SLUB's report on the console, naming the program's function; the program goes on.
out=$(KMM_CMDLINE=slub_debug=FZPU KMM_CONSOLE=1 LD_PRELOAD=$PRELOAD "$CHECK" doublefree 2>&1)
if printf '%s\n' "$out" | grep -q "BUG kmalloc-cg-64 (Not tainted): Object already free" &&
	printf '%s\n' "$out" | grep -q "INFO: Freed in double_free+0x" && printf '%s\n' "$out" | grep -q "still running"; then
	echo "ok double free reported in SLUB's words"
else
	echo "FAIL double free:"
	printf '%s\n' "$out" | head -20
	fail=1
fi

# KMM_DUMP_SIGNAL: the views are written while the program runs.
out=$(KMM_DUMP_SIGNAL=USR2 KMM_PROC_DIR=$tmp/live LD_PRELOAD=$PRELOAD "$CHECK" dump "$tmp/live" 2>&1)
if [ "$out" = "views written while running" ]; then
	echo "ok views on KMM_DUMP_SIGNAL"
else
	echo "FAIL views on KMM_DUMP_SIGNAL: $out"
	fail=1
fi

# A machine that cannot boot ends the program with kmm's message, never runs it on libc.
if KMM_MEM=1k LD_PRELOAD=$PRELOAD /bin/true 2>"$tmp/err"; then
	echo "FAIL bad KMM_MEM: the program ran"
	fail=1
elif grep -q "kmm-preload: " "$tmp/err"; then
	echo "ok bad KMM_MEM refused: $(head -1 "$tmp/err")"
else
	echo "FAIL bad KMM_MEM: no message"
	fail=1
fi
exit $fail
