/*
 * fuzz_trace.c - libFuzzer target: the ftrace kmem: trace parser and the
 * replay engine (include/kmm/trace.h).
 *
 * Each line of the input goes through kmm_trace_parse_line() on its own
 * (any bytes, not NUL-terminated); then the whole input is replayed with
 * kmm_replay_feed() on a small i386 machine - pairing, kmalloc classes,
 * traced caches made and destroyed, page orders - or, when its first
 * bytes say so, decompressed as zstd or gzip first.  The replay promises
 * that nothing in a trace can corrupt the machine: at its end everything
 * live is freed and "nothing lost" must hold, with no kernel BUG report.
 * A failure prints the replay's figures and aborts.
 *
 * As in fuzz_stress, the machine is reset rather than rebooted between
 * inputs (fuzz_machine.h): the replay's own nothing-lost check is the
 * reset's proof.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kmm/kmm.h>
#include <kmm/trace.h>

#include "fuzz_machine.h"

#define MAX_TRACE 16384

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned long inputs;
	if (size > MAX_TRACE)
		return -1;
	for (size_t at = 0; at < size;) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t len = nl ? (size_t)(nl - (data + at)) : size - at;
		struct kmm_trace_event ev;
		char why[160];
		enum kmm_trace_parse_result res = kmm_trace_parse_line((const char *)data + at, len, &ev, why, sizeof(why));
		if (res == KMM_TRACE_EVENT && ev.kind >= KMM_TRACE_NR_KINDS) {
			fprintf(stderr, "an event of kind %d\n", (int)ev.kind);
			abort();
		}
		if (res == KMM_TRACE_EVENT && ev.name && (ev.name < (const char *)data + at ||
							 ev.name + ev.name_len > (const char *)data + at + len)) {
			fprintf(stderr, "the event's name= points outside its line\n");
			abort();
		}
		at += len + 1;
	}
	fuzz_machine_ready(inputs++, 256ULL << 20, 0, "vmalloc=880M"); /* lowmem ends near 128M: HighMem above */
	struct kmm_replay_config cfg = KMM_REPLAY_DEFAULTS;
	cfg.sample_every = 64;
	struct kmm_replay *r = kmm_replay_create(&cfg);
	if (!r) {
		fprintf(stderr, "kmm_replay_create failed\n");
		abort();
	}
	kmm_replay_feed(r, data, size);
	kmm_replay_finish(r);
	const struct kmm_replay_stats *st = kmm_replay_stats(r);
	if (!st->nothing_lost || st->bugs) {
		fprintf(stderr, "replay of %zu bytes (%lu lines, %lu events): %s, %lu kernel reports\n%s", size, st->lines,
			st->events, st->nothing_lost ? "nothing lost" : st->lost_why, st->bugs, kmm_dmesg());
		abort();
	}
	kmm_replay_destroy(r);
	return 0;
}
