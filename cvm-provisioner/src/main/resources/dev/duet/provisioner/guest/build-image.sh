#!/usr/bin/env bash
# Builds the duet guest image from Debian packages only: a Debian kernel (booted as its ELF vmlinux
# through PVH, which skips the in-guest decompressor), and an uncompressed initramfs with
# busybox-static, dropbear, OpenSSH's sftp-server (for file transfers), the Debian packages they depend
# on (the loader and shared libraries) and the few modules the guest needs. Nothing in the image comes
# from the host.
#
#   build-image.sh OUT_DIR   (shipped in the cvm-provisioner jar with libraries.py and init;
#                             GuestImage.ensure runs it)
#
# Writes OUT_DIR/{vmlinux,initramfs.cpio,manifest.json}. The manifest names every package version,
# every shared library shipped (with its package) and the sha256 of every output; the controller
# records it in the log. Needs: apt-get (package lists), dpkg-deb, cpio, zstd, xz, kmod, python3.
# Re-running with the same packages gives the same initramfs bytes (fixed mtimes and order).
set -euo pipefail
# The image's files take their modes from this (dropbear refuses keys under a group-writable /root).
umask 022
OUT=${1:?usage: build-image.sh OUT_DIR}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fail() { echo "build-image: $*" >&2; exit 1; }
# Debian's cloud kernel: the same source and the same guest drivers (virtio, SEV-SNP and TDX guest
# support, configfs-tsm) as the generic amd64 one, built without the drivers for physical hardware,
# which the generic kernel initialises at every boot (under TCG, about a tenth of the boot). 6.12,
# since 6.1 has no configfs-tsm (nor, in its cloud build, SEV-SNP or TDX guest drivers).
KERNEL_PKG=${DUET_GUEST_KERNEL:-$(apt-cache search --names-only '^linux-image-6\.12\.[0-9.]+\+deb12-cloud-amd64-unsigned$' \
    | awk '{print $1}' | sort -V | tail -1)}
[ -n "$KERNEL_PKG" ] || fail "no linux-image-6.12.*+deb12-cloud-amd64-unsigned in the package lists (apt-get update?)"

# What the image runs and everything that depends on, as apt resolves it for the image: the Depends
# closure (real packages only: apt-cache prints virtual ones as <name>, and their providers on their
# own lines). The kernel's own dependencies are host tools the image does not ship.
SHIPPED=(busybox-static dropbear-bin)
CLOSURE=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
    --no-enhances "${SHIPPED[@]}" 2>/dev/null | grep '^[a-z0-9]' | LC_ALL=C sort -u) \
  || fail "apt cannot resolve the dependencies of ${SHIPPED[*]} (apt-get update?)"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
mkdir kernel packages
(cd kernel && apt-get download "$KERNEL_PKG" >/dev/null) || fail "cannot download $KERNEL_PKG"
# shellcheck disable=SC2086 # one package name per word
(cd packages && apt-get download $CLOSURE >/dev/null) || fail "cannot download $(echo $CLOSURE)"
# The SFTP server for the controller's file transfers, alone: its program needs only libc (libraries.py
# fails naming anything else), and its Depends on openssh-client is for the sftp client, not shipped.
(cd packages && apt-get download openssh-sftp-server >/dev/null) || fail "cannot download openssh-sftp-server"
for deb in kernel/*.deb packages/*.deb; do dpkg-deb -x "$deb" pkg; done

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
for tool in sh mount umount mkdir cat echo ip ifconfig route modprobe sleep poweroff insmod ls rm chmod mknod ln sync grep sed head id uname \
            sha256sum sha512sum base64 cut tr dd stat test true false printf kill ps hostname od rmdir wc tail; do
  ln -sf busybox $R/bin/$tool
done
cp pkg/usr/sbin/dropbear $R/sbin/dropbear
cp pkg/usr/bin/dropbearkey $R/sbin/dropbearkey
# Where dropbear looks for the sftp subsystem's server: its compiled-in SFTPSERVER_PATH.
mkdir -p $R/usr/lib
cp pkg/usr/lib/openssh/sftp-server $R/usr/lib/sftp-server
# The loader and every library the programs need, from the packages above (fails naming any it cannot resolve).
python3 "$HERE/libraries.py" pkg $R packages/*.deb > libraries.json
echo 'root:x:0:0:root:/root:/bin/sh' > $R/etc/passwd
echo 'root:*:1:0:99999:7:::' > $R/etc/shadow
echo '/bin/sh' > $R/etc/shells
# What /init mounts with one mount -a, and the pipe its polling loop pauses on (see init).
printf '%s\n' 'proc /proc proc defaults 0 0' 'sysfs /sys sysfs defaults 0 0' 'devtmpfs /dev devtmpfs defaults 0 0' > $R/etc/fstab
mkfifo -m 600 $R/run/pause
chmod 600 $R/etc/shadow
chmod 700 $R/root/.ssh

# Modules, in load order, in /lib/modules/RELEASE; .ko.xz/.ko.zst unpacked because busybox's insmod
# and modprobe cannot read them.
depmod -b pkg "$KVER"
M=$R/lib/modules/$KVER
mkdir -p "$M"
# Two lists, each in load order: what the guest needs before dropbear can start (virtio_mmio: the
# network device of a plain guest's microvm machine, no PCI; virtio_pci for the q35 machines of
# SEV-SNP and TDX guests; qemu_fw_cfg for the keys), which /init loads with one modprobe, and what
# only attestation needs, which /init loads one by one while dropbear starts (a driver for a TEE the
# guest does not have fails its probe, and waits out an RCU grace period doing so).
modules() {
  local list=$1; shift
  for module in "$@"; do
    # A module built into the kernel is shown as "builtin" and needs nothing here; one the kernel lacks fails the build.
    modprobe -d pkg -S "$KVER" --show-depends "$module" > "modules.$module" 2>&1 \
      || fail "the kernel $KVER has no module $module: $(head -1 "modules.$module")"
    awk '$1=="insmod"{print $2}' "modules.$module"
  done | awk '!seen[$0]++' | while read -r path; do
    name=$(basename "$path"); name=${name%.xz}; name=${name%.zst}
    [ -e "$M/$name" ] && continue
    case "$path" in
      *.xz) xz -dc "$path" > "$M/$name" ;;
      *.zst) zstd -dcq "$path" > "$M/$name" ;;
      *) cp "$path" "$M/$name" ;;
    esac
    echo "$name"
  done > "$M/$list"
}
modules order virtio_pci virtio_mmio virtio_net qemu_fw_cfg
modules attest.order configfs tsm sev-guest tdx-guest
# The dependencies busybox's modprobe follows, of exactly the modules shipped. Only modules.dep is
# kept: which other indexes depmod writes depends on the host's kmod, and the image's bytes must not.
depmod -b $R "$KVER" 2> depmod.log || fail "depmod cannot index the image's modules: $(tail -n 1 depmod.log)"
find "$M" -name 'modules.*' ! -name modules.dep -delete
install -m 0755 "$HERE/init" $R/init

# Before the image is cached, its programs must start with nothing but the image. As root, chroot
# proves it: the host's files are out of reach, so a library the image lacks fails here. Otherwise the
# image's own loader runs them with only the image's library directories, after its --list shows
# every library it would load lies inside the image (ld.so falls back to the host's directories for
# one it cannot find, so the list, not the run, is the proof). They run in a copy, since running them
# leaves files behind (dropbearkey writes its seed back to /dev/urandom, a plain file in a chroot).
C=check
cp -a $R $C
in_image() {
  if [ "$(id -u)" -eq 0 ]; then
    chroot $C "$@"
  else
    local loader=$C/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 paths=$C/lib/x86_64-linux-gnu:$C/usr/lib/x86_64-linux-gnu
    local outside
    outside=$("$loader" --inhibit-cache --library-path "$paths" --list "$C$1" | awk '$2 == "=>" && index($3, "'"$C"'/") != 1')
    [ -z "$outside" ] || { echo "$outside"; return 1; }
    "$loader" --inhibit-cache --library-path "$paths" "$C$1" "${@:2}"
  fi
}
check() {
  local output
  output=$(in_image "$@" 2>&1) || fail "the image's $1 does not start: $(echo "$output" | tail -n 3 | tr '\n' ' ')"
}
check /sbin/dropbear -V
check /sbin/dropbearkey -t ed25519 -f /tmp/check-key
# With nothing to read, sftp-server ends at once, as it does when its session ends. It opens /dev/null
# itself, which the guest's devtmpfs has and the copy needs too.
[ "$(id -u)" -ne 0 ] || mknod -m 666 $C/dev/null c 1 3
check /usr/lib/sftp-server < /dev/null
# busybox-static links nothing, so running it as it is proves it starts.
$C/bin/busybox true || fail "the image's busybox does not start"
rm -rf $C

# Fixed mtimes, owner and order: the same packages give the same bytes, whoever builds them.
find $R -exec touch -h -d @0 {} +
(cd $R && find . | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible -R 0:0 > ../initramfs.cpio)

mkdir -p "$OUT"
cp vmlinux initramfs.cpio "$OUT/"
RECIPE=$(cat "$0" "$HERE/libraries.py" "$HERE/init" | sha256sum | cut -c1-64)
python3 - "$OUT" "$KVER" "$RECIPE" <<'PY'
import glob, hashlib, json, subprocess, sys
out, kver, recipe = sys.argv[1:4]
def field(deb, name):
    return subprocess.run(['dpkg-deb', '-f', deb, name], check=True, capture_output=True, text=True).stdout.strip()
def sha(path):
    return hashlib.sha256(open(path, 'rb').read()).hexdigest()
manifest = {
    'format': 'duet-guest-image/1',
    'kernel_release': kver,
    'recipe': recipe,
    'packages': {field(deb, 'Package'): field(deb, 'Version') for deb in sorted(glob.glob('kernel/*.deb') + glob.glob('packages/*.deb'))},
    'libraries': json.load(open('libraries.json')),
    'files': {'vmlinux': sha(out + '/vmlinux'), 'initramfs.cpio': sha(out + '/initramfs.cpio')},
}
manifest['version'] = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()[:16]
json.dump(manifest, open(out + '/manifest.json', 'w'), indent=2, sort_keys=True)
print('built guest image', manifest['version'], 'in', out)
PY
