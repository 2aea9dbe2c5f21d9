#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo 1 > /proc/sys/kernel/printk
snap() {
	echo "=== BEGIN $1 slabinfo"
	cat /proc/slabinfo
	echo "=== END $1 slabinfo"
	echo "=== BEGIN $1 sys_kernel_slab"
	ls -l /sys/kernel/slab
	echo "=== END $1 sys_kernel_slab"
}
echo "=== BEGIN version"; cat /proc/version; uname -m; echo "=== END version"
for m in virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk; do insmod /mod/$m.ko; done
sleep 1
snap 0-before-ext4
for m in crc16 mbcache jbd2 crc32c_generic libcrc32c ext4; do insmod /mod/$m.ko || echo "insmod $m failed"; done
snap 1-module-loaded
mkdir -p /mnt
mount -t ext4 /dev/vda /mnt || echo "mount failed"
echo "=== BEGIN mounts"; cat /proc/mounts; echo "=== END mounts"
snap 2-mounted
echo hello > /mnt/a
dd if=/dev/zero of=/mnt/b bs=4096 count=16 2>/dev/null
mkdir /mnt/d
i=0; while [ $i -lt 20 ]; do echo $i > /mnt/d/f$i; i=$((i+1)); done
sync
cat /mnt/a; wc -c /mnt/b; ls /mnt/d | wc -l
snap 3-written
rm -f /mnt/b
sync
snap 4-after-unlink
echo "=== BEGIN cache_attrs"
cd /sys/kernel/slab
for c in *; do
	[ -L "$c" ] && continue
	case "$c" in
	*ext4*|*jbd2*|mbcache|extent_status|pending_reservation|bio_post_read_ctx|io_end*|system_zone|*free_data*|*prealloc*|*allocation_context*|*groupinfo*|buffer_head|fscrypt*|*fc_dentry*|lsm_inode_cache|dentry|inode_cache)
		echo "--- $c"
		for a in object_size slab_size align order objs_per_slab aliases ctor reclaim_account hwcache_align cache_dma destroy_by_rcu usersize; do
			[ -e "$c/$a" ] && echo "$a: $(cat $c/$a)"
		done
		al=""; for l in *; do [ -L "$l" ] && [ "$(basename $(readlink $l))" = "$c" ] && al="$al $l"; done; echo "aliases_of:$al";;
	esac
done
echo "=== END cache_attrs"
cd /
umount /mnt
echo "=== DONE"
poweroff -f
