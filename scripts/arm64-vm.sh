#!/bin/sh
# The arm64 test machine of make test-arm64 (test/arm64.test.ts), all under build/arm64-vm:
#   prepare: qemu-system-aarch64 (Debian's qemu-system-arm) and cpio, installed with
#            apt-get when missing (root); Debian's arm64 kernel (linux-image-*-arm64:arm64)
#            and busybox-static:arm64, downloaded with apt-get download (after dpkg
#            --add-architecture arm64) and unpacked with dpkg-deb -x; the owner of the
#            protocol-mode scenarios (test/arm64/owner.c) cross-compiled statically; an
#            initramfs of busybox, /init (test/arm64/init), /owner and /supervise
#            (build/supervise-linux-arm64).
#   boot:    runs that kernel and initramfs in qemu-system-aarch64 (full-system emulation:
#            qemu-user answers prctl(PR_SET_CHILD_SUBREAPER) with EINVAL), console on
#            stdout, bounded by ARM64_VM_TIMEOUT seconds (default 300).
# Exit 3 from prepare: a tool cannot be had (not root, no apt-get); the reason on stderr.
set -eu
VM=build/arm64-vm
CROSS=${CROSS:-aarch64-linux-gnu-}

need() { echo "arm64-vm: $*" >&2; exit 3; }

apt_ok() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }

prepare() {
  mkdir -p $VM/debs
  missing=
  command -v qemu-system-aarch64 >/dev/null 2>&1 || missing="$missing qemu-system-arm"
  command -v cpio >/dev/null 2>&1 || missing="$missing cpio"
  if [ -n "$missing" ]; then
    apt_ok || need "needs$missing (Debian packages) and is not root"
    echo "arm64-vm: installing$missing"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing; } >/dev/null 2>&1 \
      || need "could not install$missing"
  fi
  if ! ls $VM/debs/linux-image-*arm64*.deb >/dev/null 2>&1 || ! ls $VM/debs/busybox-static_*arm64.deb >/dev/null 2>&1; then
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
      apt_ok || need "needs dpkg --add-architecture arm64 (root) to download the arm64 kernel"
      dpkg --add-architecture arm64
      apt-get update -qq >/dev/null 2>&1 || need "apt-get update failed"
    fi
    kernel=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[0-9][^:]*\).*/\1/p' | head -1)
    if [ -z "$kernel" ]; then
      apt_ok || need "no arm64 package lists (apt-get update as root)"
      apt-get update -qq >/dev/null 2>&1
      kernel=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[0-9][^:]*\).*/\1/p' | head -1)
    fi
    [ -n "$kernel" ] || need "cannot find the arm64 kernel package (linux-image-arm64:arm64)"
    echo "arm64-vm: downloading $kernel:arm64 and busybox-static:arm64"
    (cd $VM/debs && apt-get download -q "$kernel:arm64" busybox-static:arm64 >/dev/null 2>&1) \
      || need "apt-get download $kernel:arm64 busybox-static:arm64 failed"
  fi
  if [ ! -f $VM/vmlinuz ]; then
    rm -rf $VM/kernel && mkdir -p $VM/kernel
    dpkg-deb -x "$(ls $VM/debs/linux-image-*arm64*.deb | head -1)" $VM/kernel
    cp "$(ls $VM/kernel/boot/vmlinuz-* | head -1)" $VM/vmlinuz
  fi
  if [ ! -f $VM/busybox ]; then
    rm -rf $VM/bb && mkdir -p $VM/bb
    dpkg-deb -x "$(ls $VM/debs/busybox-static_*arm64.deb | head -1)" $VM/bb
    cp $VM/bb/bin/busybox $VM/busybox
  fi
  command -v ${CROSS}gcc >/dev/null 2>&1 || need "needs ${CROSS}gcc (make arm64 installs it as root)"
  ${CROSS}gcc -static -O2 -Wall -Wextra -Wno-unused-result test/arm64/owner.c -o $VM/owner
  [ -f build/supervise-linux-arm64 ] || need "build/supervise-linux-arm64 is not built (make arm64)"
  rm -rf $VM/root && mkdir -p $VM/root/bin $VM/root/proc $VM/root/dev $VM/root/tmp $VM/root/sys
  cp $VM/busybox $VM/root/bin/busybox
  cp test/arm64/init $VM/root/init
  cp $VM/owner $VM/root/owner
  cp build/supervise-linux-arm64 $VM/root/supervise
  chmod 755 $VM/root/init $VM/root/owner $VM/root/supervise $VM/root/bin/busybox
  (cd $VM/root && find . | cpio -o -H newc --quiet) | gzip -1 > $VM/initrd.cpio.gz
  echo "arm64-vm: $VM/vmlinuz ($(basename "$(ls $VM/kernel/boot/vmlinuz-*)")), $VM/initrd.cpio.gz ready"
}

boot() {
  exec timeout -k 5 "${ARM64_VM_TIMEOUT:-300}" qemu-system-aarch64 -M virt -cpu cortex-a57 -accel tcg -smp 2 -m 256 \
    -nographic -no-reboot -nic none -kernel $VM/vmlinuz -initrd $VM/initrd.cpio.gz \
    -append "console=ttyAMA0 panic=-1 rdinit=/init quiet"
}

case "${1:-}" in
  prepare) prepare ;;
  boot) boot ;;
  *) echo "usage: scripts/arm64-vm.sh prepare|boot" >&2; exit 2 ;;
esac
