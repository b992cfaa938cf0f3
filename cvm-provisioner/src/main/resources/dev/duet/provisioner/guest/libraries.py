"""Copies into the guest root the dynamic loader and every shared library its programs need, taken
from the Debian packages unpacked for the image and from nowhere else.

    libraries.py PKG_DIR ROOT DEB...

PKG_DIR holds the unpacked DEBs; ROOT is the image's root with its programs in place. Reads each
program's ELF headers (PT_INTERP, DT_NEEDED), resolves every name in PKG_DIR as the loader resolves it
in the guest (Debian's library directories, symlinks followed inside PKG_DIR, never into the host),
and copies the files and the symlinks that lead to them to the same paths in ROOT, until the set is
closed. Prints a JSON object: each copied path in the image -> the package that ships it. Exits 1 with
one line naming the library and the program that needs it when a name does not resolve, or naming
the file when none of the DEBs ships it. Symlinks are followed in the last component of a path only.
"""
import json
import os
import shutil
import struct
import subprocess
import sys

# The directories Debian's ld.so searches when there is no ld.so.cache, in its order.
SEARCH = ('lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu', 'lib', 'usr/lib')
PT_INTERP, PT_LOAD, PT_DYNAMIC = 3, 1, 2
DT_NEEDED, DT_STRTAB, DT_RPATH, DT_RUNPATH = 1, 5, 15, 29


def fail(message):
    sys.exit('build-image: ' + message)


def elf_needs(path):
    """(interpreter or None, [DT_NEEDED names]) of an x86-64 ELF program or library; None if not one."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:4] != b'\x7fELF':
        return None
    if data[4:6] != b'\x02\x01' or struct.unpack_from('<H', data, 0x12)[0] != 62:
        fail(path + ' is not a little-endian x86-64 ELF file')
    if struct.unpack_from('<H', data, 0x10)[0] not in (2, 3):  # ET_EXEC, ET_DYN; modules (ET_REL) load no libraries
        return None
    phoff, = struct.unpack_from('<Q', data, 0x20)
    phentsize, phnum = struct.unpack_from('<HH', data, 0x36)
    interp, dynamic, loads = None, None, []
    for i in range(phnum):
        kind, _, offset, vaddr, _, filesz, _, _ = struct.unpack_from('<IIQQQQQQ', data, phoff + i * phentsize)
        if kind == PT_INTERP:
            interp = data[offset:offset + filesz].rstrip(b'\0').decode()
        elif kind == PT_DYNAMIC:
            dynamic = (offset, filesz)
        elif kind == PT_LOAD:
            loads.append((vaddr, offset, filesz))
    if dynamic is None:
        return interp, []
    tags = []
    for at in range(dynamic[0], dynamic[0] + dynamic[1], 16):
        tag, value = struct.unpack_from('<qQ', data, at)
        if tag == 0:
            break
        tags.append((tag, value))
    if any(tag in (DT_RPATH, DT_RUNPATH) for tag, _ in tags):
        fail(path + ' has an RPATH or RUNPATH, which this build does not resolve')
    strtab = next((value for tag, value in tags if tag == DT_STRTAB), None)
    base = next((offset + strtab - vaddr for vaddr, offset, size in loads
                 if strtab is not None and vaddr <= strtab < vaddr + size), None)
    needed = [value for tag, value in tags if tag == DT_NEEDED]
    if needed and base is None:
        fail(path + ' has DT_NEEDED entries but no string table')
    return interp, [data[base + v:data.index(b'\0', base + v)].decode() for v in needed]


def chain(pkg, path):
    """[(image path, symlink target or None)] from `path` through its symlinks to a regular file, all
    inside `pkg` (an absolute target means pkg's root, as it will in the guest); None if it is not there."""
    steps = []
    while len(steps) < 40:
        real = os.path.join(pkg, path.lstrip('/'))
        if os.path.realpath(os.path.dirname(real)) != os.path.join(os.path.realpath(pkg), os.path.dirname(path).lstrip('/')).rstrip('/'):
            return None
        if os.path.islink(real):
            target = os.readlink(real)
            steps.append((path, target))
            path = os.path.normpath(os.path.join(os.path.dirname(path), target))
        elif os.path.isfile(real):
            return steps + [(path, None)]
        else:
            return None
    fail('too many symlinks at ' + path)


def closure(pkg, root):
    """{image path: (symlink target or None, why it is needed)} for the loader and every library the
    programs in `root` need, directly or through one another, all resolved inside `pkg`."""
    found = {}
    pending = sorted(('/' + os.path.relpath(os.path.join(d, n), root), os.path.join(d, n))
                  for d, _, files in os.walk(root) for n in files if not os.path.islink(os.path.join(d, n)))
    while pending:
        program, full = pending.pop()
        needs = elf_needs(full)
        if needs is None:
            continue
        interp, names = needs
        wanted = ([(interp, [interp])] if interp else []) + [(n, ['/' + d + '/' + n for d in SEARCH]) for n in names]
        for name, candidates in wanted:
            steps = next(filter(None, (chain(pkg, c) for c in candidates)), None)
            if steps is None:
                fail('cannot resolve ' + name + ' (needed by ' + program + ') in the image\'s packages')
            for path, link in steps:
                if path not in found:
                    found[path] = (link, name + ', needed by ' + program)
                    if link is None:
                        pending.append((path, os.path.join(pkg, path.lstrip('/'))))
    return found


def owners(debs):
    """{path: package} over the DEBs' file lists."""
    owner = {}
    for deb in debs:
        package = subprocess.run(['dpkg-deb', '-f', deb, 'Package'], check=True, capture_output=True, text=True).stdout.strip()
        listing = subprocess.run(['dpkg-deb', '-c', deb], check=True, capture_output=True, text=True).stdout
        for line in listing.splitlines():
            owner[os.path.normpath(line.split(None, 5)[5].split(' -> ')[0].lstrip('.'))] = package
    return owner


def main():
    pkg, root, debs = sys.argv[1], sys.argv[2], sys.argv[3:]
    found = closure(pkg, root)
    owner = owners(debs)
    shipped = {}
    for path, (link, why) in sorted(found.items()):
        if path not in owner:
            fail(path + ' (' + why + ') is in no package of the image')
        shipped[path] = owner[path]
        target = os.path.join(root, path.lstrip('/'))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if link is None:
            shutil.copy(os.path.join(pkg, path.lstrip('/')), target)
        else:
            os.symlink(link, target)
    json.dump(shipped, sys.stdout, indent=2, sort_keys=True)


main()
