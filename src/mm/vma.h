/*
 * mm/vma.h - the VMA tree's operations that mm/mmap.c keeps and the task
 * lifecycle (kernel/task.c: fork's copy of the tree, exec's layout, exit)
 * uses too, as later Linux gathers them in mm/vma.h.  Callers hold the
 * mm's mmap_lock.
 */
#ifndef KMM_MM_VMA_H
#define KMM_MM_VMA_H

#include "internal.h"

#include <kmm/maple_tree.h>
#include <kmm/task.h>

#define STACK_GUARD_GAP (M->stack_guard_gap) /* 256 pages unless stack_guard_gap= says otherwise */

/* Maple states preallocated for the tree writes of one operation, so it cannot fail half-way */
#define VMA_PREALLOC_INLINE 4
struct vma_prealloc {
	struct ma_state *mas;                       /* nr states on mm->mm_mt, each preallocated */
	struct ma_state inline_mas[VMA_PREALLOC_INLINE];
	int nr, used;                               /* states; states spent */
};

static inline unsigned long vma_pages(const struct vm_area_struct *v)
{
	return (v->vm_end - v->vm_start) >> PAGE_SHIFT;
}

/* TASK_SIZE of the profile: where user addresses end */
unsigned long task_size(void);

/* Host room for `more` VMAs in the mm's map: 0 or -ENOMEM, nothing changed */
int vma_room(struct mm_struct *mm, int more);
/* nr maple states for one operation's writes, all allocated now; -ENOMEM with nothing taken */
int vma_prealloc(struct mm_struct *mm, struct vma_prealloc *p, int nr);
struct ma_state *vma_prealloc_next(struct vma_prealloc *p);
void vma_prealloc_done(struct vma_prealloc *p);

/* A VMA struct with its vm_area_struct object; NULL if either cannot be had */
struct vm_area_struct *vm_area_alloc(struct mm_struct *mm);
void vm_area_free(struct vm_area_struct *v);
/* the file and anon_vma references a VMA holds, dropped */
void vma_put_refs(struct vm_area_struct *v);
/* vma into the mm's tree (through mas) and host map */
void vma_link(struct mm_struct *mm, struct vm_area_struct *vma, struct ma_state *mas);
/* a and b (its neighbour above) could be one VMA: same flags, file at contiguous offsets, anon_vma */
bool can_merge(const struct vm_area_struct *a, const struct vm_area_struct *b);
/* b merged into a, b freed */
void vma_merge_next(struct mm_struct *mm, struct vm_area_struct *a, struct vm_area_struct *b, struct ma_state *mas);
/* total_vm and its data/exec/stack shares, by npages of a VMA with these flags */
void vm_stat_account(struct mm_struct *mm, unsigned long flags, long npages);

/* A new VMA over [addr, addr + len) (merged with its neighbours where it can); its start or -errno */
long map_region(struct mm_struct *mm, unsigned long addr, unsigned long len, unsigned long vm_flags,
		struct file *file, unsigned long pgoff);
/* map_region, VM_ACCOUNT's commitment asked for first */
long map_region_accounted(struct mm_struct *mm, unsigned long addr, unsigned long len, unsigned long vm_flags,
			  struct file *file, unsigned long pgoff);

#endif /* KMM_MM_VMA_H */
