#!/bin/sh
# pkgconfig.sh - kmm as a library user gets it: `make install` into a
# scratch root, then a C program (tests/pkgconfig/four_tasks.c) compiled
# with nothing but `pkg-config --cflags --libs kmm`, linked and run on every
# profile.  Run from the repository's top directory (make test-plain does):
#   B=build CC=cc SAN_FLAGS= sh tests/pkgconfig.sh
# SAN_FLAGS are the sanitizer flags the library was built with (the ASan
# build's program must be instrumented too).  Exits non-zero on any failure.
set -u
B=${B:-build}
CC=${CC:-cc}
SAN_FLAGS=${SAN_FLAGS:-}
MAKE=${MAKE:-make}
command -v pkg-config >/dev/null 2>&1 || {
	echo "pkgconfig.sh: pkg-config is missing: run 'sudo apt-get install pkg-config' (make test installs it)"
	exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

if ! $MAKE -s install B="$B" DESTDIR="$tmp/root" PREFIX=/usr >"$tmp/install.log" 2>&1; then
	echo "FAIL: make install"; tail -20 "$tmp/install.log"; exit 1
fi
export PKG_CONFIG_PATH="$tmp/root/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$tmp/root" PKG_CONFIG_LIBDIR=
flags=$(pkg-config --cflags --libs kmm) || { echo "FAIL: pkg-config --cflags --libs kmm"; exit 1; }
case "$flags" in
*"-I$tmp/root/usr/include"*"-L$tmp/root/usr/lib"*"-lkmm"*) ;;
*) echo "FAIL: pkg-config gave \"$flags\", not the installed tree's paths"; fail=1 ;;
esac
[ "$(pkg-config --modversion kmm)" = "$(sed -n 's/^VERSION *:= *//p' Makefile)" ] || { echo "FAIL: --modversion"; fail=1; }
# -I/usr/include is not what finds kmm's headers: only the installed tree has them
if ! $CC -std=gnu11 -Wall -Wextra -Werror $SAN_FLAGS -o "$tmp/four_tasks" tests/pkgconfig/four_tasks.c $flags \
	>"$tmp/cc.log" 2>&1; then
	echo "FAIL: compiling tests/pkgconfig/four_tasks.c with $flags"; head -30 "$tmp/cc.log"; exit 1
fi
for profile in i386 i386-pae x86_64; do
	if PROFILE=$profile LD_LIBRARY_PATH="$tmp/root/usr/lib" "$tmp/four_tasks" >"$tmp/out" 2>&1 &&
		grep -q "^four_tasks: ok on $profile" "$tmp/out"; then
		cat "$tmp/out"
	else
		echo "FAIL: four_tasks on $profile"; head -20 "$tmp/out"; fail=1
	fi
done
[ $fail -eq 0 ] && echo "pkgconfig.sh: passed" || echo "pkgconfig.sh: FAILED"
exit $fail
