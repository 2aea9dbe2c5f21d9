/*
 * dma_cmds.c - the scenario language's devices and DMA (kmm/dma.h):
 *
 *   nic = device nic 32                 a device with a 32-bit DMA mask
 *   pci = device pci                    the machine's own PCI device (never destroyed)
 *   buf = dma_alloc nic 16K             dma_alloc_coherent        (dma_free buf)
 *   m = dma_map nic p bidi len=4096     a streaming mapping of pages or an object (dma_unmap m)
 *   td = dma_pool_create nic td 48 boundary=4096                  (dma_pool_destroy td)
 *   x = dma_pool_alloc td               a block                   (dma_pool_free x)
 *   dma_write m 0 "hello"               the device stores bytes at its bus address
 *   dma_read m 0 5                      ... and what it sees there; of pages or an
 *                                       object, what the CPU sees
 *   device_destroy nic
 *
 * The handles of scenario.c carry what the calls need (device, bus
 * address, size, direction, pool); releasing one makes the undoing call,
 * and a handle that something else still uses (a device with buffers, a
 * pool with blocks, pages under a mapping) is not released before it.
 * A failed call leaves a NULL handle, as the C call's NULL or
 * DMA_MAPPING_ERROR.  Offsets and lengths are checked against the handle,
 * so a script never makes the device touch memory it was not given.
 */
#include "scenario_impl.h"
#include "kernel/dma_internal.h"
#include "sim/ram.h"

#include <kmm/vmalloc.h>

#define DMA_TEXT_MAX 256 /* bytes dma_read prints */

static const char *const dir_word[] = { "bidi", "to", "from" };
static const char *const dir_name[] = { "DMA_BIDIRECTIONAL", "DMA_TO_DEVICE", "DMA_FROM_DEVICE" };

/* The device handle of argument i: -1 on error; *dev NULL if the handle is NULL (the caller skips) */
static int device_arg(struct kmm_scenario *sc, struct stmt *st, int i, struct handle *copy)
{
	struct handle *h;
	if (handle_get(sc, arg(st, i), 1u << H_DEVICE, &h))
		return -1;
	*copy = h ? *h : (struct handle){ 0 };
	return 0;
}

int cmd_device(struct kmm_scenario *sc, struct stmt *st)
{
	long bits = 0;
	int ret;
	if (nargs(sc, st, 1, 2))
		return -1;
	const struct tok *name = arg(st, 0);
	bool pci = st->npos == 1;
	if (pci && strcmp(name->text, "pci"))
		return err_tok(sc, name, "expected `device NAME BITS` or `device pci`, got \"%s\" alone", name->text);
	if (!pci) {
		if (strlen(name->text) >= sizeof(((struct device *)0)->name))
			return err_tok(sc, name, "a device name has at most %zu characters", sizeof(((struct device *)0)->name) - 1);
		if (parse_num(sc, arg(st, 1), arg(st, 1)->text, 1, 64, &bits))
			return -1;
	}
	struct handle *h = handle_new(sc, st, H_DEVICE, &ret);
	if (!h)
		return ret;
	h->fd = pci; /* borrowed: the machine's, never destroyed */
	h->dev = pci ? kmm_pci_device() : kmm_device_create(name->text, (int)bits);
	return 0;
}

int cmd_dma_alloc(struct kmm_scenario *sc, struct stmt *st)
{
	struct handle dev;
	unsigned long size;
	gfp_t gfp = GFP_KERNEL;
	int ret;
	if (nargs(sc, st, 2, 3) || device_arg(sc, st, 0, &dev) || parse_size(sc, arg(st, 1), arg(st, 1)->text, &size))
		return -1;
	if (st->npos == 3 && parse_gfp(sc, arg(st, 2), &gfp))
		return -1;
	struct handle *h = handle_new(sc, st, H_DMA, &ret);
	if (!h)
		return ret;
	if (handle_null(&dev))
		return skip_null(sc, st, arg(st, 0), &dev) - 1;
	h->dev = dev.dev;
	h->size = size;
	h->ptr = dma_alloc_coherent(dev.dev, size, &h->dma, gfp);
	return 0;
}

int cmd_dma_map(struct kmm_scenario *sc, struct stmt *st)
{
	struct handle dev, *src;
	long dir = DMA_BIDIRECTIONAL;
	unsigned long off = 0, len = 0;
	bool have_len = false;
	struct tok *t;
	const char *v;
	int ret;
	if (nargs(sc, st, 2, 3) || device_arg(sc, st, 0, &dev) ||
	    handle_get(sc, arg(st, 1), (1u << H_PAGES) | (1u << H_OBJ), &src))
		return -1;
	if (st->npos == 3) {
		for (dir = 0; dir < 3 && strcmp(arg(st, 2)->text, dir_word[dir]); dir++)
			;
		if (dir == 3)
			return err_tok(sc, arg(st, 2), "expected a direction: to, from or bidi, got \"%s\"", arg(st, 2)->text);
	}
	if ((v = opt(st, "off", &t)) && parse_size(sc, t, v, &off))
		return -1;
	if ((v = opt(st, "len", &t)) && parse_size(sc, t, v, &len))
		return -1;
	have_len = v != NULL;
	struct handle s = src ? *src : (struct handle){ 0 };
	struct handle *h = handle_new(sc, st, H_DMAMAP, &ret);
	if (!h)
		return ret;
	h->dma = DMA_MAPPING_ERROR;
	if (handle_null(&dev))
		return skip_null(sc, st, arg(st, 0), &dev) - 1;
	if (handle_null(&s))
		return skip_null(sc, st, arg(st, 1), &s) - 1;
	unsigned long whole = s.kind == H_PAGES ? PAGE_SIZE << s.order : s.size;
	if (!have_len)
		len = off < whole ? whole - off : 0;
	if (off > whole || len > whole - off)
		return err_tok(sc, arg(st, 1), "%s holds %lu bytes: off=%lu len=%lu is beyond them", s.name, whole, off, len);
	h->dev = dev.dev;
	h->dir = (int)dir;
	h->size = len;
	if (s.kind == H_PAGES) {
		h->page = s.page;
		h->dma = dma_map_page(dev.dev, s.page, off, len, (enum dma_data_direction)dir);
	} else {
		h->fd = 1; /* dma_map_single */
		h->ptr = (char *)s.ptr + off;
		h->dma = dma_map_single(dev.dev, h->ptr, len, (enum dma_data_direction)dir);
	}
	return 0;
}

int cmd_dma_pool_create(struct kmm_scenario *sc, struct stmt *st)
{
	struct handle dev;
	unsigned long size, align = 0, boundary = 0;
	struct tok *t;
	const char *v;
	int ret;
	if (nargs(sc, st, 3, 3) || device_arg(sc, st, 0, &dev) || parse_size(sc, arg(st, 2), arg(st, 2)->text, &size))
		return -1;
	if ((v = opt(st, "align", &t)) && parse_size(sc, t, v, &align))
		return -1;
	if ((v = opt(st, "boundary", &t)) && parse_size(sc, t, v, &boundary))
		return -1;
	struct handle *h = handle_new(sc, st, H_DMAPOOL, &ret);
	if (!h)
		return ret;
	if (handle_null(&dev))
		return skip_null(sc, st, arg(st, 0), &dev) - 1;
	h->dev = dev.dev;
	h->size = size;
	h->pool = dma_pool_create(arg(st, 1)->text, dev.dev, size, align, boundary);
	return 0;
}

int cmd_dma_pool_alloc(struct kmm_scenario *sc, struct stmt *st)
{
	struct handle *pool;
	gfp_t gfp = GFP_KERNEL;
	int ret;
	if (nargs(sc, st, 1, 2) || handle_get(sc, arg(st, 0), 1u << H_DMAPOOL, &pool))
		return -1;
	if (st->npos == 2 && parse_gfp(sc, arg(st, 1), &gfp))
		return -1;
	struct handle p = pool ? *pool : (struct handle){ 0 };
	struct handle *h = handle_new(sc, st, H_DMABLOCK, &ret);
	if (!h)
		return ret;
	if (handle_null(&p))
		return skip_null(sc, st, arg(st, 0), &p) - 1;
	h->pool = p.pool;
	h->dev = p.dev;
	h->size = p.size;
	h->ptr = dma_pool_alloc(p.pool, gfp, &h->dma);
	return 0;
}

/* "NAME+OFF: \"text\"" with what is not printable as \xNN */
static void print_bytes(struct kmm_scenario *sc, const char *name, unsigned long off, const u8 *b, size_t n)
{
	fprintf(sc->out, "%s+%lu: \"", name, off);
	for (size_t i = 0; i < n; i++) {
		if (b[i] == '"' || b[i] == '\\')
			fprintf(sc->out, "\\%c", b[i]);
		else if (b[i] >= 0x20 && b[i] < 0x7f)
			fputc(b[i], sc->out);
		else
			fprintf(sc->out, "\\x%02x", b[i]);
	}
	fprintf(sc->out, "\"\n");
}

#define DMA_KINDS ((1u << H_DMA) | (1u << H_DMAMAP) | (1u << H_DMABLOCK))

/* dma_read / dma_write: the handle, and OFF (+LEN) inside what it holds; 1 to skip, -1 on error */
static int dma_access_args(struct kmm_scenario *sc, struct stmt *st, unsigned mask, struct handle *h, unsigned long *off,
			   unsigned long len)
{
	struct handle *p;
	if (nargs(sc, st, 3, 3) || handle_get(sc, arg(st, 0), mask, &p) || parse_size(sc, arg(st, 1), arg(st, 1)->text, off))
		return -1;
	if (sc->checking)
		return 1;
	*h = *p;
	if (handle_null(h))
		return skip_null(sc, st, arg(st, 0), h);
	unsigned long whole = h->kind == H_PAGES ? PAGE_SIZE << h->order : h->size;
	if (*off > whole || len > whole - *off)
		return err_tok(sc, arg(st, 1), "%s holds %lu bytes: %lu at %lu is beyond them", h->name, whole, len, *off);
	return 0;
}

int cmd_dma_write(struct kmm_scenario *sc, struct stmt *st)
{
	struct handle h;
	unsigned long off;
	const char *text = st->npos == 3 ? arg(st, 2)->text : "";
	int go = dma_access_args(sc, st, DMA_KINDS, &h, &off, strlen(text));
	if (go)
		return go < 0 ? -1 : 0;
	int ret = kmm_device_write(h.dev, h.dma + off, text, strlen(text));
	if (ret)
		fprintf(sc->out, "dma_write %s: the device's write did not reach memory (%s)\n", h.name,
			ret == -EFAULT ? "-EFAULT" : "-EINVAL");
	return 0;
}

int cmd_dma_read(struct kmm_scenario *sc, struct stmt *st)
{
	struct handle h;
	unsigned long off, len = 0;
	if (st->npos == 3 && parse_size(sc, arg(st, 2), arg(st, 2)->text, &len))
		return -1;
	if (st->npos == 3 && len > DMA_TEXT_MAX)
		return err_tok(sc, arg(st, 2), "dma_read prints at most %d bytes", DMA_TEXT_MAX);
	int go = dma_access_args(sc, st, DMA_KINDS | (1u << H_PAGES) | (1u << H_OBJ), &h, &off, st->npos == 3 ? len : 0);
	if (go)
		return go < 0 ? -1 : 0;
	u8 buf[DMA_TEXT_MAX];
	if (h.kind == H_PAGES) {
		memcpy(buf, ram_host(page_to_phys(h.page) + off), len); /* the CPU's bytes, HighMem or not */
	} else if (h.kind == H_OBJ) {
		memcpy(buf, (char *)h.ptr + off, len);
	} else if (kmm_device_read(h.dev, h.dma + off, buf, len)) {
		fprintf(sc->out, "dma_read %s: the device's read did not reach memory (-EFAULT)\n", h.name);
		return 0;
	}
	print_bytes(sc, h.name, off, buf, len);
	return 0;
}

/* ---- what scenario.c asks of DMA handles ----------------------------------------------------------- */

bool dma_handle_null(const struct handle *h)
{
	switch (h->kind) {
	case H_DEVICE: return !h->dev;
	case H_DMA: return !h->ptr;
	case H_DMAMAP: return h->dma == DMA_MAPPING_ERROR;
	case H_DMAPOOL: return !h->pool;
	case H_DMABLOCK: return !h->ptr;
	default: return true;
	}
}

static unsigned long kva(const void *p)
{
	return p ? kmm_host_to_kva(p) : 0;
}

void dma_describe(struct kmm_scenario *sc, const struct handle *h)
{
	FILE *f = sc->out;
	switch (h->kind) {
	case H_DEVICE:
		fprintf(f, "%s = device %s, DMA mask %#llx, coherent mask %#llx, %s\n", h->name, h->dev->name, *h->dev->dma_mask,
			h->dev->coherent_dma_mask, h->dev->domain ? "behind the IOMMU (its own domain)" : "direct mapping");
		break;
	case H_DMA: {
		struct page *first = is_vmalloc_addr(h->ptr) ? vmalloc_to_page(h->ptr) : virt_to_page(h->ptr);
		fprintf(f, "%s = dma_alloc(%lu) for %s: bus %#llx, cpu %#lx (%s), first frame pfn %#lx in zone %s\n", h->name,
			h->size, h->dev->name, h->dma, kva(h->ptr), is_vmalloc_addr(h->ptr) ? "vmalloc area" : "direct map",
			page_to_pfn(first), page_zone(first)->name);
		break;
	}
	case H_DMAMAP: {
		const char *how = h->dev->domain ? "an IOVA of its domain" : is_swiotlb_buffer(h->dma) ? "a swiotlb bounce buffer"
											       : "the physical address";
		fprintf(f, "%s = %s of %lu bytes for %s, %s: bus %#llx, %s\n", h->name, h->fd ? "dma_map_single" : "dma_map_page",
			h->size, h->dev->name, dir_name[h->dir], h->dma, how);
		break;
	}
	case H_DMAPOOL:
		fprintf(f, "%s = DMA pool of %s, blocks of %lu bytes asked\n", h->name, h->dev->name, h->size);
		break;
	case H_DMABLOCK:
		fprintf(f, "%s = DMA pool block at bus %#llx, cpu %#lx\n", h->name, h->dma, kva(h->ptr));
		break;
	default:
		break;
	}
}

void dma_handle_release(struct kmm_scenario *sc, struct handle *h)
{
	(void)sc;
	switch (h->kind) {
	case H_DEVICE:
		if (!h->fd)
			kmm_device_destroy(h->dev);
		break;
	case H_DMA: dma_free_coherent(h->dev, h->size, h->ptr, h->dma); break;
	case H_DMAMAP:
		if (h->fd)
			dma_unmap_single(h->dev, h->dma, h->size, (enum dma_data_direction)h->dir);
		else
			dma_unmap_page(h->dev, h->dma, h->size, (enum dma_data_direction)h->dir);
		break;
	case H_DMAPOOL: dma_pool_destroy(h->pool); break;
	case H_DMABLOCK: dma_pool_free(h->pool, h->ptr, h->dma); break;
	default: break;
	}
}

struct handle *dma_handle_user(struct kmm_scenario *sc, const struct handle *h)
{
	bool maybe = (h->kind == H_DEVICE && (sc->live[H_DMA] || sc->live[H_DMAMAP] || sc->live[H_DMAPOOL])) ||
		     (h->kind == H_DMAPOOL && sc->live[H_DMABLOCK]) ||
		     ((h->kind == H_PAGES || h->kind == H_OBJ) && sc->live[H_DMAMAP]);
	if (!maybe || handle_null(h))
		return NULL;
	for (int i = 0; i < sc->nh; i++) {
		struct handle *u = &sc->h[i];
		if (u->kind == H_NONE || u == h || handle_null(u))
			continue;
		if (h->kind == H_DEVICE && (u->kind == H_DMA || u->kind == H_DMAMAP || u->kind == H_DMAPOOL) && u->dev == h->dev)
			return u;
		if (h->kind == H_DMAPOOL && u->kind == H_DMABLOCK && u->pool == h->pool)
			return u;
		if (h->kind == H_PAGES && u->kind == H_DMAMAP && !u->fd && u->page &&
		    page_to_pfn(u->page) - page_to_pfn(h->page) < (1UL << h->order))
			return u;
		if (h->kind == H_OBJ && u->kind == H_DMAMAP && u->fd && (char *)u->ptr >= (char *)h->ptr &&
		    (char *)u->ptr < (char *)h->ptr + max(h->size, 1UL))
			return u;
	}
	return NULL;
}
