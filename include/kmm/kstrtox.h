/*
 * kmm/kstrtox.h - the numbers that enter kmm from outside, read one way.
 *
 * Every size, count, order and address that a caller, a command line, a
 * scenario, a trace, an e820 map, a sysctl write or a boot parameter hands
 * to kmm goes through one of these readers (src/lib/kstrtox.c), so none of
 * them wraps: a value that does not fit is -ERANGE, text that is not a
 * number is -EINVAL, and the caller says so naming the value.  The names
 * and rules are Linux's where Linux has them (lib/kstrtox.c, lib/cmdline.c):
 *
 *   kstrtoull(s, base, &v)      the whole string is one number; a leading
 *   kstrtoll / kstrtoul ...     '+' (and '-' for the signed ones) and one
 *                               trailing newline are allowed; base 0 reads
 *                               0x.. as hex and 0.. as octal.  -EINVAL,
 *                               -ERANGE (what a sysctl's proc handler and a
 *                               module parameter get).
 *   kmm_memparse(s, &end, &v)   memparse() checked: a number (base 0) and an
 *                               optional K/M/G/T/P/E suffix; -ERANGE when the
 *                               product passes 2^64 (memparse("16E") is not 0).
 *   kmm_parse_size(s, max, &v)  a whole string that is such a size, with an
 *                               optional trailing B ("4KB"); -ERANGE above max.
 *   kmm_parse_count(s, lo, hi, &v)  a whole unsigned number in [lo, hi].
 *   kmm_parse_order(s, &v)      an allocation order, 0 .. MAX_ORDER - 1.
 *   kmm_parse_addr(s, len, &end, &v)  a physical or virtual address in hex,
 *                               0x optional, as dmesg and e820 print them.
 *   kmm_parse_integer(...)      the digit reader under all of them, on a
 *                               bounded, perhaps unterminated run of bytes
 *                               (a trace line).
 *
 * Nothing here allocates or keeps state; every function may be called on
 * any thread and on hostile bytes.
 */
#ifndef KMM_KSTRTOX_H
#define KMM_KSTRTOX_H

#include <stdbool.h>
#include <stddef.h>

#include <kmm/types.h>

/*
 * Digits of base (2..16; 0: 0x.. hex, 0.. octal, else decimal) at s, at most
 * len bytes: the number of bytes used (prefix included; 0 if no digit), the
 * value in *res; *overflow is set when the digits do not fit in 64 bits
 * (they are all used, so the caller can name the whole number).
 */
size_t kmm_parse_integer(const char *s, size_t len, unsigned int base, u64 *res, bool *overflow);

int kstrtoull(const char *s, unsigned int base, unsigned long long *res);
int kstrtoll(const char *s, unsigned int base, long long *res);
int kstrtoul(const char *s, unsigned int base, unsigned long *res);
int kstrtol(const char *s, unsigned int base, long *res);
int kstrtouint(const char *s, unsigned int base, unsigned int *res);
int kstrtoint(const char *s, unsigned int base, int *res);

/* memparse() that cannot wrap: 0, -EINVAL (no digits at s), -ERANGE; *end after the suffix. */
int kmm_memparse(const char *s, char **end, u64 *res);
/* A whole string that is a size (4K, 10M, 0x1000, 4KB) no larger than max: 0, -EINVAL, -ERANGE. */
int kmm_parse_size(const char *s, u64 max, u64 *res);
/* A whole string that is an unsigned number (decimal or 0x hex) in [lo, hi]: 0, -EINVAL, -ERANGE. */
int kmm_parse_count(const char *s, u64 lo, u64 hi, u64 *res);
/* A whole string that is an order in [0, MAX_ORDER): 0, -EINVAL, -ERANGE. */
int kmm_parse_order(const char *s, unsigned int *res);
/* A hex address, 0x optional, at s (at most len bytes): 0, -EINVAL, -ERANGE; *end after its digits. */
int kmm_parse_addr(const char *s, size_t len, const char **end, u64 *res);

#endif /* KMM_KSTRTOX_H */
