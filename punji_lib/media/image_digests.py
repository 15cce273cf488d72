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


def new_image_checksums(topdir, path, rel=None, implant_md5=None, computed=False):
    """{algorithm: hex digest} of the image at PATH for every algorithm of media_checksums;
    {} when that option is not usable (imagechecksum says why). IMPLANT_MD5: the md5
    implanted into it, checked against its content in the same read unless COMPUTED from the
    bytes written (and, when it matches, recorded for the test phase: the image is to be
    compose/REL)."""
    conf_path = layout.at(topdir, layout.config_slice("imagechecksum"))
    algorithms = (jsonio.read_json(conf_path).get("media_checksums") if os.path.isfile(conf_path) else None) or []
    try:
        if len(set(algorithms)) != len(algorithms) or any(hashlib.new(a).digest_size == 0 for a in algorithms):
            algorithms = []
    except (ValueError, TypeError):
        algorithms = []
    implanted = isomd5.read_implanted(path) if implant_md5 and not computed else None
    extra = {ISO_MD5: isomd5.IsoMd5(implanted)} if implanted and implanted["md5"] == implant_md5 else {}
    digests, _size = file_digests(path, algorithms, extra=extra) if algorithms or extra else ({}, 0)
    checked = implant_md5 if computed else digests.pop(ISO_MD5, None)
    if implant_md5 and checked == implant_md5:
        isomd5.mark_checked(topdir, rel, path, implant_md5)
    log.info("checksummed %s: %s", os.path.basename(path), ", ".join(algorithms + [ISO_MD5] * bool(extra)))
    return digests


ISO_MD5 = "implanted md5"


def file_digests(path, algorithms, block=BLOCK, depth=DEPTH, extra=None):
    """Read PATH once and return ({algorithm: hex digest}, size in bytes); EXTRA: {name:
    object with update() and hexdigest()} fed the same blocks, their digests returned too."""
    extra = extra or {}
    hashes = [hashlib.new(name) for name in algorithms] + list(extra.values())
    with open(path, "rb", buffering=0) as f:
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
        size = feed(f, hashes, block, depth)
    return {name: h.hexdigest() for name, h in zip(list(algorithms) + list(extra), hashes)}, size


def feed(f, consumers, block=BLOCK, depth=DEPTH):
    """Read the unbuffered file F to its end, every block given to each of CONSUMERS (objects
    with update()); returns the bytes read. The first error of a consumer ends the
    reading and is raised.

    The calling thread reads blocks into a ring of up to DEPTH buffers; one thread per
    consumer takes each block; a buffer is reused once every thread is done with it.
    """
    views = []  # made as the reading needs them: a small file gets one or two
    free = queue.SimpleQueue()
    pending = [0] * depth
    lock = threading.Lock()
    inboxes = [queue.SimpleQueue() for _ in consumers]
    failures = []

    def take_blocks(consumer, inbox):
        while True:
            item = inbox.get()
            if item is None:
                return
            slot, length = item
            try:
                if not failures:
                    consumer.update(views[slot][:length])
            except BaseException as exc:  # recorded, raised by the reader; keep the ring turning
                failures.append(exc)
            with lock:
                pending[slot] -= 1
                if not pending[slot]:
                    free.put(slot)

    workers = [threading.Thread(target=take_blocks, args=(c, inbox), daemon=True) for c, inbox in zip(consumers, inboxes)]
    for worker in workers:
        worker.start()
    size = 0
    try:
        while True:
            try:
                slot = free.get(block=len(views) == depth)
            except queue.Empty:
                slot = len(views)
                views.append(memoryview(bytearray(block)))
            length = 0 if failures else f.readinto(views[slot])
            if not length:
                break
            size += length
            pending[slot] = len(consumers)
            for inbox in inboxes:
                inbox.put((slot, length))
    finally:
        for inbox in inboxes:
            inbox.put(None)
        for worker in workers:
            worker.join()
    if failures:
        raise failures[0]
    return size
