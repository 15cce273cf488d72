"""The checksums of an image file: every algorithm fed from one read of the file (file_digests),
and those of media_checksums taken by the phase that writes an image while its file is still
in the page cache (new_image_checksums), which imagechecksum then need not read again."""

import hashlib
import os
import queue
import threading

from ..compose import jsonio, layout
from ..log import log
from . import isomd5

BLOCK = 1 << 20  # bytes per read: a block stays in cache while every thread hashes it
DEPTH = 8  # blocks in flight between the reader and the hashing threads


def new_image_checksums(topdir, path, rel=None, implant_md5=None):
    """{algorithm: hex digest} of the image at PATH for every algorithm of media_checksums;
    {} when that option is not usable (imagechecksum says why). IMPLANT_MD5: the md5
    implantisomd5 put into it, checked against its content in the same read (and, when it
    matches, recorded for the test phase: the image is to be compose/REL)."""
    conf_path = layout.at(topdir, layout.config_slice("imagechecksum"))
    algorithms = (jsonio.read_json(conf_path).get("media_checksums") if os.path.isfile(conf_path) else None) or []
    try:
        if len(set(algorithms)) != len(algorithms) or any(hashlib.new(a).digest_size == 0 for a in algorithms):
            algorithms = []
    except (ValueError, TypeError):
        algorithms = []
    implanted = isomd5.read_implanted(path) if implant_md5 else None
    extra = {ISO_MD5: isomd5.IsoMd5(implanted)} if implanted and implanted["md5"] == implant_md5 else {}
    digests, _size = file_digests(path, algorithms, extra=extra) if algorithms or extra else ({}, 0)
    if digests.pop(ISO_MD5, None) == implant_md5:
        isomd5.mark_checked(topdir, rel, path, implant_md5)
    log.info("checksummed %s: %s", os.path.basename(path), ", ".join(algorithms + [ISO_MD5] * bool(extra)))
    return digests


ISO_MD5 = "implanted md5"


def file_digests(path, algorithms, block=BLOCK, depth=DEPTH, extra=None):
    """Read PATH once and return ({algorithm: hex digest}, size in bytes); EXTRA: {name:
    object with update() and hexdigest()} fed the same blocks, their digests returned too.

    The calling thread reads blocks into a ring of DEPTH buffers; one thread per
    algorithm hashes each block; a buffer is reused once every thread is done with it.
    """
    extra = extra or {}
    hashes = [hashlib.new(name) for name in algorithms] + list(extra.values())
    algorithms = list(algorithms) + list(extra)
    buffers = [bytearray(block) for _ in range(depth)]
    views = [memoryview(b) for b in buffers]
    free = queue.SimpleQueue()
    for slot in range(depth):
        free.put(slot)
    pending = [0] * depth
    lock = threading.Lock()
    inboxes = [queue.SimpleQueue() for _ in hashes]
    failures = []

    def hash_blocks(h, inbox):
        while True:
            item = inbox.get()
            if item is None:
                return
            slot, length = item
            try:
                h.update(views[slot][:length])
            except BaseException as exc:  # recorded, raised by the reader; keep the ring turning
                failures.append(exc)
            with lock:
                pending[slot] -= 1
                if not pending[slot]:
                    free.put(slot)

    workers = [threading.Thread(target=hash_blocks, args=(h, inbox), daemon=True) for h, inbox in zip(hashes, inboxes)]
    for worker in workers:
        worker.start()
    size = 0
    try:
        with open(path, "rb", buffering=0) as f:
            if hasattr(os, "posix_fadvise"):
                os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
            while True:
                slot = free.get()
                length = f.readinto(views[slot])
                if not length:
                    break
                size += length
                pending[slot] = len(hashes)
                for inbox in inboxes:
                    inbox.put((slot, length))
    finally:
        for inbox in inboxes:
            inbox.put(None)
        for worker in workers:
            worker.join()
    if failures:
        raise failures[0]
    return {name: h.hexdigest() for name, h in zip(algorithms, hashes)}, size


