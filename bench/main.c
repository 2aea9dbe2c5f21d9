/* main.c - run every kmm benchmark: `make bench` */
#include <stdio.h>
#include <string.h>

#include "bench.h"

int main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	if (!only || !strcmp(only, "slab"))
		bench_slab_exec_setup(argv);
	printf("kmm benchmarks (best of several rounds; ratio = kmm / baseline, lower is better)\n");
	if (!only || !strcmp(only, "page_alloc"))
		bench_page_alloc();
	if (!only || !strcmp(only, "slab"))
		bench_slab();
	if (!only || !strcmp(only, "vmalloc"))
		bench_vmalloc();
	if (!only || !strcmp(only, "highmem"))
		bench_highmem();
	if (!only || !strcmp(only, "fault"))
		bench_fault();
	if (!only || !strcmp(only, "fork"))
		bench_fork();
	if (!only || !strcmp(only, "boot"))
		bench_boot();
	if (!only || !strcmp(only, "replay"))
		bench_replay();
	if (!only || !strcmp(only, "maple"))
		bench_maple();
	if (!only || !strcmp(only, "reclaim"))
		bench_reclaim();
	if (!only || !strcmp(only, "migrate"))
		bench_migrate();
	return 0;
}
