/*
 * kstrtox.c - reading the numbers that come from outside: kstrtoull and its
 * family, memparse with its K/M/G/T/P/E suffixes, sizes, counts, orders and
 * addresses (the rules are in include/kmm/kstrtox.h).
 *
 * One digit reader, kmm_parse_integer(), sits under all of them.  It works
 * on a bounded run of bytes (a trace line is not NUL-terminated), never
 * stops early on overflow - the whole over-long number is consumed and
 * flagged, so "18446744073709551616" is one number that is too large, not
 * the number 1844674407370955161 followed by junk - and decides the radix
 * as Linux's _parse_integer_fixup_radix() does.
 *
 *   text --kmm_parse_integer--> (value, overflow, bytes used)
 *        --kstrtoull: '+', one trailing '\n', nothing else --> -EINVAL/-ERANGE
 *        --kmm_memparse: suffix shifts, checked against 2^64 --> -ERANGE
 *        --kmm_parse_size/count/order: whole string, range --> -EINVAL/-ERANGE
 *
 * Where a Linux function has the same name it has the same answers:
 * kstrtoull("-1") is -EINVAL, kstrtoint("2147483648") -ERANGE,
 * kstrtoul("12abc") -EINVAL.  memparse() itself (the unchecked one Linux's
 * early parameters use) saturates at ULLONG_MAX instead of wrapping, so a
 * caller that forgets to check still sees a value too large rather than a
 * small one.
 */
#include "internal.h"

#include <limits.h>

#include <kmm/kstrtox.h>

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

size_t kmm_parse_integer(const char *s, size_t len, unsigned int base, u64 *res, bool *overflow)
{
	size_t i = 0;
	u64 v = 0;
	bool over = false;
	/* the radix, as _parse_integer_fixup_radix */
	if (base == 0) {
		base = 10;
		if (len >= 1 && s[0] == '0') {
			base = 8;
			if (len >= 3 && (s[1] == 'x' || s[1] == 'X') && digit_value(s[2]) < 16)
				base = 16;
		}
	}
	if (base == 16 && len >= 3 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && digit_value(s[2]) < 16)
		i = 2;
	size_t first = i;
	for (; i < len; i++) {
		int d = digit_value(s[i]);
		if (d >= (int)base)
			break;
		if (__builtin_mul_overflow(v, (u64)base, &v) || __builtin_add_overflow(v, (u64)d, &v))
			over = true;
	}
	if (i == first)
		return 0; /* "0x" without hex digits is no number here; "0" alone is (base 8) */
	*res = over ? ULLONG_MAX : v;
	if (overflow)
		*overflow = over;
	return i;
}

/* Whole string: optional sign already skipped by the caller, digits, at most one '\n'. */
static int kstrtoull_tail(const char *s, unsigned int base, unsigned long long *res)
{
	u64 v;
	bool over = false;
	size_t n = kmm_parse_integer(s, strlen(s), base, &v, &over);
	if (!n)
		return -EINVAL;
	if (s[n] == '\n')
		n++;
	if (s[n])
		return -EINVAL;
	if (over)
		return -ERANGE;
	*res = v;
	return 0;
}

int kstrtoull(const char *s, unsigned int base, unsigned long long *res)
{
	if (!s)
		return -EINVAL;
	if (*s == '+')
		s++;
	return kstrtoull_tail(s, base, res);
}

int kstrtoll(const char *s, unsigned int base, long long *res)
{
	unsigned long long v;
	int ret;
	if (!s)
		return -EINVAL;
	if (*s == '-') {
		ret = kstrtoull_tail(s + 1, base, &v);
		if (ret)
			return ret;
		if (v > (unsigned long long)LLONG_MAX + 1)
			return -ERANGE;
		*res = v ? -(long long)(v - 1) - 1 : 0;
		return 0;
	}
	ret = kstrtoull(s, base, &v);
	if (ret)
		return ret;
	if (v > LLONG_MAX)
		return -ERANGE;
	*res = (long long)v;
	return 0;
}

int kstrtoul(const char *s, unsigned int base, unsigned long *res)
{
	unsigned long long v;
	int ret = kstrtoull(s, base, &v);
	if (ret)
		return ret;
	if (v > ULONG_MAX)
		return -ERANGE;
	*res = (unsigned long)v;
	return 0;
}

int kstrtol(const char *s, unsigned int base, long *res)
{
	long long v;
	int ret = kstrtoll(s, base, &v);
	if (ret)
		return ret;
	if (v > LONG_MAX || v < LONG_MIN)
		return -ERANGE;
	*res = (long)v;
	return 0;
}

int kstrtouint(const char *s, unsigned int base, unsigned int *res)
{
	unsigned long long v;
	int ret = kstrtoull(s, base, &v);
	if (ret)
		return ret;
	if (v > UINT_MAX)
		return -ERANGE;
	*res = (unsigned int)v;
	return 0;
}

int kstrtoint(const char *s, unsigned int base, int *res)
{
	long long v;
	int ret = kstrtoll(s, base, &v);
	if (ret)
		return ret;
	if (v > INT_MAX || v < INT_MIN)
		return -ERANGE;
	*res = (int)v;
	return 0;
}

/* ---- sizes ----------------------------------------------------------------------------- */

static unsigned int suffix_shift(char c)
{
	switch (c) {
	case 'E': case 'e': return 60;
	case 'P': case 'p': return 50;
	case 'T': case 't': return 40;
	case 'G': case 'g': return 30;
	case 'M': case 'm': return 20;
	case 'K': case 'k': return 10;
	default: return 0;
	}
}

int kmm_memparse(const char *s, char **end, u64 *res)
{
	u64 v = 0;
	bool over = false;
	size_t n = s ? kmm_parse_integer(s, strlen(s), 0, &v, &over) : 0;
	if (end)
		*end = (char *)s;
	if (!n)
		return -EINVAL;
	unsigned int shift = suffix_shift(s[n]);
	if (shift) {
		if (v > (ULLONG_MAX >> shift))
			over = true;
		v <<= shift;
		n++;
	}
	if (end)
		*end = (char *)s + n;
	*res = over ? ULLONG_MAX : v;
	return over ? -ERANGE : 0;
}

u64 memparse(const char *s, char **end)
{
	u64 v = 0;
	kmm_memparse(s, end, &v); /* on -ERANGE v is ULLONG_MAX: saturated, never wrapped */
	return v;
}

int kmm_parse_size(const char *s, u64 max, u64 *res)
{
	char *e;
	u64 v;
	if (!s || *s < '0' || *s > '9')
		return -EINVAL; /* no sign, no blank: "-1" is not a size */
	int ret = kmm_memparse(s, &e, &v);
	if (ret == -EINVAL)
		return ret;
	if (*e == 'B' || *e == 'b')
		e++;
	if (*e)
		return -EINVAL;
	if (ret || v > max)
		return -ERANGE;
	*res = v;
	return 0;
}

int kmm_parse_count(const char *s, u64 lo, u64 hi, u64 *res)
{
	unsigned long long v;
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	int ret = kstrtoull_tail(s, 0, &v);
	if (ret)
		return ret;
	if (v < lo || v > hi)
		return -ERANGE;
	*res = v;
	return 0;
}

int kmm_parse_order(const char *s, unsigned int *res)
{
	u64 v;
	int ret = kmm_parse_count(s, 0, MAX_ORDER - 1, &v);
	if (!ret)
		*res = (unsigned int)v;
	return ret;
}

int kmm_parse_addr(const char *s, size_t len, const char **end, u64 *res)
{
	u64 v;
	bool over = false;
	size_t n = kmm_parse_integer(s, len, 16, &v, &over);
	if (end)
		*end = s + n;
	if (!n)
		return -EINVAL;
	if (over)
		return -ERANGE;
	*res = v;
	return 0;
}
