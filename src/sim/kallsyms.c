/*
 * kallsyms.c - the simulated kernel's symbol table, for %pS.
 *
 * Linux names a code address as "function+offset/size" from kallsyms, the
 * table of every function (static ones included) built into the kernel.
 * kmm's "kernel" is the program it runs in, so its table is that program's
 * ELF .symtab: read once from /proc/self/exe on first use, its function
 * symbols sorted by address and moved by the program's load bias (PIE).
 * An address outside the program (a shared library) is named by dladdr()
 * when it can be; else the caller prints the bare address.  Stripped
 * programs have no .symtab and fall back the same way.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <dlfcn.h>
#include <elf.h>
#include <execinfo.h>
#include <link.h>

struct ksym {
	unsigned long addr, size;
	const char *name; /* into names */
};

static struct ksym *ksyms;
static unsigned long nr_ksyms;
static char *names;
static pthread_once_t kallsyms_once = PTHREAD_ONCE_INIT;

static int main_program_bias(struct dl_phdr_info *info, size_t size, void *arg)
{
	*(unsigned long *)arg = info->dlpi_addr; /* the first object is the program itself */
	return 1;
}

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void kallsyms_load(void)
{
	FILE *f = fopen("/proc/self/exe", "rb");
	if (!f)
		return;
	Elf64_Ehdr eh;
	Elf64_Shdr *sh = NULL;
	Elf64_Sym *syms = NULL;
	if (fread(&eh, sizeof(eh), 1, f) != 1 || memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_shentsize != sizeof(Elf64_Shdr) || !eh.e_shnum || eh.e_shnum > 4096)
		goto out;
	sh = calloc(eh.e_shnum, sizeof(*sh));
	if (!sh || fseek(f, (long)eh.e_shoff, SEEK_SET) || fread(sh, sizeof(*sh), eh.e_shnum, f) != eh.e_shnum)
		goto out;
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh.e_shnum || sh[i].sh_entsize != sizeof(Elf64_Sym))
			continue;
		const Elf64_Shdr *st = &sh[sh[i].sh_link];
		unsigned long n = sh[i].sh_size / sizeof(Elf64_Sym);
		syms = malloc(n * sizeof(*syms));
		names = malloc(st->sh_size + 1);
		ksyms = calloc(n ? n : 1, sizeof(*ksyms));
		if (!syms || !names || !ksyms || fseek(f, (long)sh[i].sh_offset, SEEK_SET) ||
		    fread(syms, sizeof(*syms), n, f) != n || fseek(f, (long)st->sh_offset, SEEK_SET) ||
		    fread(names, 1, st->sh_size, f) != st->sh_size)
			goto out;
		names[st->sh_size] = '\0';
		unsigned long bias = 0;
		dl_iterate_phdr(main_program_bias, &bias);
		for (unsigned long k = 0; k < n; k++)
			if (ELF64_ST_TYPE(syms[k].st_info) == STT_FUNC && syms[k].st_value && syms[k].st_size &&
			    syms[k].st_name < st->sh_size)
				ksyms[nr_ksyms++] = (struct ksym){ bias + syms[k].st_value, syms[k].st_size,
								   names + syms[k].st_name };
		qsort(ksyms, nr_ksyms, sizeof(*ksyms), ksym_cmp);
		break;
	}
out:
	free(syms);
	free(sh);
	fclose(f);
}

/* Name addr: 0 and *name, *off, *size set, or -ENOENT. */
int kallsyms_lookup(unsigned long addr, const char **name, unsigned long *off, unsigned long *size)
{
	pthread_once(&kallsyms_once, kallsyms_load);
	unsigned long lo = 0, hi = nr_ksyms;
	while (lo < hi) { /* the last symbol starting at or below addr */
		unsigned long mid = (lo + hi) / 2;
		if (ksyms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && addr - ksyms[lo - 1].addr < ksyms[lo - 1].size) {
		*name = ksyms[lo - 1].name;
		*off = addr - ksyms[lo - 1].addr;
		*size = ksyms[lo - 1].size;
		return 0;
	}
	Dl_info info;
	const ElfW(Sym) *sym = NULL;
	if (dladdr1((void *)addr, &info, (void **)&sym, RTLD_DL_SYMENT) && info.dli_sname && sym &&
	    addr - (unsigned long)info.dli_saddr < (unsigned long)sym->st_size) { /* inside it, not just after */
		*name = info.dli_sname;
		*off = addr - (unsigned long)info.dli_saddr;
		*size = (unsigned long)sym->st_size;
		return 0;
	}
	return -ENOENT;
}

/* %pS (Linux's sprint_symbol): "function+0xoff/0xsize", else "module+0xoff" for addr2line, else the address. */
void sprint_symbol(char *buf, size_t len, unsigned long addr)
{
	const char *name;
	unsigned long off, size;
	Dl_info info = { 0 };
	if (!kallsyms_lookup(addr, &name, &off, &size)) {
		snprintf(buf, len, "%s+0x%lx/0x%lx", name, off, size);
	} else if (dladdr((void *)addr, &info) && info.dli_fname) {
		const char *base = strrchr(info.dli_fname, '/');
		snprintf(buf, len, "%s+0x%lx", base ? base + 1 : info.dli_fname, addr - (unsigned long)info.dli_fbase);
	} else {
		snprintf(buf, len, "0x%lx", addr);
	}
}

/* backtrace() and the symbol table load on first use: do it now, not inside the first trap's report. */
void kallsyms_warm(void)
{
	void *frame[1];
	const char *name;
	unsigned long off, size;
	backtrace(frame, 1);
	kallsyms_lookup((unsigned long)frame[0], &name, &off, &size);
}
