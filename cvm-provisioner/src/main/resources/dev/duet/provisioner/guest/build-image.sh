#!/usr/bin/env bash
# Builds the duet guest image from Debian packages only: a Debian kernel (booted as its ELF vmlinux
# through PVH, which skips the in-guest decompressor), and an uncompressed initramfs with
# busybox-static, dropbear and the few modules the guest needs.
#
#   build-image.sh OUT_DIR   (shipped in the cvm-provisioner jar; GuestImage.ensure runs it)
#
# Writes OUT_DIR/{vmlinux,initramfs.cpio,manifest.json}. The manifest names every package version
# and the sha256 of every output; the controller records it in the log. Needs: apt-get (package
# lists), dpkg-deb, cpio, zstd, xz, kmod, python3. Re-running with the same packages gives the same
# initramfs bytes (fixed mtimes and order).
set -euo pipefail
OUT=${1:?usage: build-image.sh OUT_DIR}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KERNEL_PKG=${DUET_GUEST_KERNEL:-$(apt-cache search --names-only '^linux-image-6\.12\.[0-9.]+\+deb12-amd64-unsigned$' \
    | awk '{print $1}' | sort -V | tail -1)}
if [ -z "$KERNEL_PKG" ]; then
  KERNEL_PKG=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' | awk '{print $1}' | sort -V | tail -1)
fi
[ -n "$KERNEL_PKG" ] || { echo "build-image: no Debian kernel package found (apt-get update?)" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
apt-get download "$KERNEL_PKG" busybox-static dropbear-bin >/dev/null
for deb in *.deb; do dpkg-deb -x "$deb" pkg; done

# The kernel: find the compressed payload inside the bzImage and unpack the ELF vmlinux.
VMLINUZ=$(ls pkg/boot/vmlinuz-*)
KVER=${VMLINUZ##*/vmlinuz-}
python3 - "$VMLINUZ" <<'PY'
import sys, subprocess
data = open(sys.argv[1], 'rb').read()
for magic, tool in ((b'\x28\xb5\x2f\xfd', ['zstd', '-dcq']), (b'\xfd7zXZ\x00', ['xz', '-dcq'])):
    at = data.find(magic)
    while at >= 0:
        out = subprocess.run(tool, input=data[at:], capture_output=True).stdout
        if out[:4] == b'\x7fELF':
            open('vmlinux', 'wb').write(out)
            sys.exit(0)
        at = data.find(magic, at + 1)
sys.exit('build-image: no ELF kernel inside ' + sys.argv[1])
PY

# The root file system.
R=root
mkdir -p $R/bin $R/sbin $R/etc/dropbear $R/root/.ssh $R/proc $R/sys $R/dev $R/tmp $R/run $R/lib/modules $R/var/log
cp pkg/bin/busybox $R/bin/busybox
for tool in sh mount umount mkdir cat echo ip sleep poweroff insmod ls rm chmod mknod ln sync grep sed head id uname \
            sha256sum sha512sum base64 cut tr dd stat test true false printf kill ps hostname od rmdir wc; do
  ln -sf busybox $R/bin/$tool
done
cp pkg/usr/sbin/dropbear $R/sbin/dropbear
cp pkg/usr/bin/dropbearconvert $R/sbin/dropbearconvert
cp pkg/usr/bin/dropbearkey $R/sbin/dropbearkey
for binary in $R/sbin/dropbear $R/sbin/dropbearconvert $R/sbin/dropbearkey; do
  for lib in $(ldd "$binary" | awk '/=> \//{print $3} /^\t\/lib/{print $1}'); do
    mkdir -p "$R$(dirname "$lib")"
    cp -L "$lib" "$R$lib"
  done
done
echo 'root:x:0:0:root:/root:/bin/sh' > $R/etc/passwd
echo 'root:*:1:0:99999:7:::' > $R/etc/shadow
echo '/bin/sh' > $R/etc/shells
chmod 600 $R/etc/shadow

# Modules, in load order; .ko.xz/.ko.zst unpacked because busybox insmod cannot.
depmod -b pkg "$KVER"
MODS=modules.order
: > $MODS
for module in virtio_pci virtio_net qemu_fw_cfg configfs tsm sev-guest tdx-guest; do
  modprobe -d pkg -S "$KVER" --show-depends "$module" 2>/dev/null | awk '$1=="insmod"{print $2}' >> $MODS || true
done
awk '!seen[$0]++' $MODS > $MODS.unique
while read -r path; do
  name=$(basename "$path"); name=${name%.xz}; name=${name%.zst}
  case "$path" in
    *.xz) xz -dc "$path" > $R/lib/modules/$name ;;
    *.zst) zstd -dcq "$path" > $R/lib/modules/$name ;;
    *) cp "$path" $R/lib/modules/$name ;;
  esac
  echo "$name" >> $R/lib/modules/order
done < $MODS.unique
touch $R/lib/modules/order
install -m 0755 "$HERE/init" $R/init

# Fixed mtimes and sorted entries: the same packages give the same bytes.
find $R -exec touch -h -d @0 {} +
(cd $R && find . | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible > ../initramfs.cpio)

mkdir -p "$OUT"
cp vmlinux initramfs.cpio "$OUT/"
RECIPE=$(cat "$0" "$HERE/init" | sha256sum | cut -c1-64)
python3 - "$OUT" "$KERNEL_PKG" "$KVER" "$RECIPE" <<'PY'
import hashlib, json, subprocess, sys
out, kernel_pkg, kver, recipe = sys.argv[1:5]
def version(pkg):
    return subprocess.run(['dpkg-deb', '-f', next(__import__('glob').iglob(pkg + '_*.deb')), 'Version'],
                          capture_output=True, text=True).stdout.strip()
def sha(path):
    return hashlib.sha256(open(path, 'rb').read()).hexdigest()
manifest = {
    'format': 'duet-guest-image/1',
    'kernel_release': kver,
    'recipe': recipe,
    'packages': {p: version(p) for p in (kernel_pkg, 'busybox-static', 'dropbear-bin')},
    'files': {'vmlinux': sha(out + '/vmlinux'), 'initramfs.cpio': sha(out + '/initramfs.cpio')},
}
manifest['version'] = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()[:16]
json.dump(manifest, open(out + '/manifest.json', 'w'), indent=2, sort_keys=True)
print('built guest image', manifest['version'], 'in', out)
PY
