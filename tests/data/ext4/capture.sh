#!/bin/sh
# Boot one of Debian's 6.1 kernels under QEMU with init.sh as /init and keep
# its console (see README.md).  usage: capture.sh 686|686-pae|amd64
# Needs, in $B (default /tmp/ext4cap), what these made:
#   apt-get download linux-image-6.1.0-50-686:i386 linux-image-6.1.0-50-686-pae:i386 \
#       linux-image-6.1.0-50-amd64 busybox-static busybox-static:i386
#   dpkg-deb -x linux-image-6.1.0-50-P_*.deb img-P        (P = 686, 686-pae, amd64)
#   dpkg-deb -x busybox-static_*_amd64.deb bb-amd64; dpkg-deb -x busybox-static_*_i386.deb bb-i386
# then: python3 split.py $B/out-P.txt PROFILE-FOLDER
set -e
P=$1; K=6.1.0-50-$P; B=${B:-/tmp/ext4cap}; R=$B/root-$P
HERE=$(cd "$(dirname "$0")" && pwd)
arch=i386; [ "$P" = amd64 ] && arch=amd64
rm -rf "$R"; mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/mod" "$R/mnt"
cp "$B/bb-$arch/bin/busybox" "$R/bin/busybox"
cp "$HERE/init.sh" "$R/init"
# the disk's modules and ext4's, dependencies first (modinfo -F depends)
for m in virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk crc16 mbcache jbd2 crc32c_generic libcrc32c ext4; do
	cp "$(find "$B/img-$P/lib/modules/$K" -name "$m.ko")" "$R/mod/"
done
(cd "$R" && find . | cpio -o -H newc 2>/dev/null | gzip -9) > "$B/ird-$P.gz"
rm -f "$B/disk-$P.img"; truncate -s 64M "$B/disk-$P.img"; mkfs.ext4 -q -F -b 4096 "$B/disk-$P.img"
q=qemu-system-i386; [ "$P" = amd64 ] && q=qemu-system-x86_64
timeout 900 $q -M pc -m 512 -nographic -no-reboot -kernel "$B/img-$P/boot/vmlinuz-$K" -initrd "$B/ird-$P.gz" \
	-drive file="$B/disk-$P.img",format=raw,if=virtio -append "console=ttyS0 panic=-1" > "$B/out-$P.txt" 2>&1
