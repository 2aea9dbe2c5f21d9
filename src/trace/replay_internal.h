/*
 * replay_internal.h - what the trace.dat reader (trace_dat.c) shares with
 * the replay engine (replay.c): it turns records into events and hands them
 * over one by one, in the order the file gives them.
 */
#ifndef KMM_TRACE_REPLAY_INTERNAL_H
#define KMM_TRACE_REPLAY_INTERNAL_H

#include <kmm/trace.h>

struct kmm_replay;

/* trace.dat's first bytes: "\027\010\104tracing" */
#define TRACE_DAT_MAGIC "\027\010\104tracing"
#define TRACE_DAT_MAGIC_LEN 10

void replay_event(struct kmm_replay *r, const struct kmm_trace_event *ev);
/* A text line of the trace, as the text reader would see it (trace.dat: a record printed by libtraceevent). */
void replay_text_line(struct kmm_replay *r, const char *line, size_t len);
struct kmm_replay_stats *replay_stats_rw(struct kmm_replay *r);
const struct kmm_replay_config *replay_config(const struct kmm_replay *r);
bool replay_stopped(const struct kmm_replay *r);
/* The input is unusable: say why and feed no more. */
void replay_input_error(struct kmm_replay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Replay the trace.dat open at fd (seekable): 0, or -1 with stats input_error set. */
int trace_dat_replay_fd(struct kmm_replay *r, int fd);

#endif
