#!/bin/busybox sh
B=/bin/busybox
$B mount -t proc proc /proc
$B mount -t sysfs sysfs /sys
for v in slabinfo meminfo vmstat buddyinfo pagetypeinfo zoneinfo vmallocinfo; do
 $B echo "=====BEGIN $v====="; $B cat /proc/$v; $B echo "=====END====="
done
$B echo "=====BEGIN slab_attrs====="
cd /sys/kernel/slab
for d in *; do
 [ -L "$d" ] && continue
 line="$d"
 for a in object_size slab_size order objs_per_slab aliases align reclaim_account hwcache_align poison red_zone store_user sanity_checks destroy_by_rcu cache_dma trace ctor usersize min_partial cpu_partial objects total_objects slabs partial cpu_slabs; do
  if [ -e $d/$a ]; then read -r val < $d/$a; val=$(echo "$val" | $B tr ' ' ','); [ -z "$val" ] && val='""'; else val=-; fi
  line="$line $a=$val"
 done
 echo "$line"
done
$B echo "=====END====="
$B echo "=====BEGIN slab_links====="
for d in *; do [ -L "$d" ] && echo "$d -> $($B readlink $d)"; done
$B echo "=====END====="
$B echo "=====BEGIN dmesg====="; $B dmesg; $B echo "=====END====="
$B poweroff -f
