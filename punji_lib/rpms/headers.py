"""What package files are, read from their RPM headers (NEVRA, signing key, payload hash) and
checked against what the repodata or Koji says, cached by path, size and mtime.

Two signing keys are read. "sigkey" is the key of the header signature, which Koji's signed
copies are checked against. "listed_sigkey" is the key rpms.json names, as Pungi reads it
(kobo's get_keys_from_header): the key of the header+payload (v3) signature when the header is
signed with it too, else none; a package with a header-only signature (rpmsign without
--rpmv3) is listed with sigkey null."""

import functools
import os

from ..compose import jsonio, state
from ..errors import PunjiError
from ..log import counted, log
from .packages import nevra
from .repos import file_checksum


def _cached(path):
    """The entries of the header cache file PATH; none when it does not read (cut short by a full
    disk, say: a cache, whose entries are read from the files again)."""
    try:
        return jsonio.read_json(path)["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("%s not read as a header cache: %s", path, exc)
        return {}


class HeaderCache:
    """What the package files are: their RPM headers' NEVRA and signing key, and their
    checksum, kept in work/<arch>/pkgset/headers.json by path, size and mtime so a rerun
    reads only new files."""

    def __init__(self, path, earlier=None, keys_path=None):
        """EARLIER: the cache file of another compose, whose entries count too (they are
        keyed by path, size and mtime, so an entry of a file that changed never matches).
        KEYS_PATH: where save() writes the keys alone too, a line each."""
        self.path, self.keys_path = path, keys_path
        self.old = {}
        for each in (earlier, path):
            if each and os.path.isfile(each):
                self.old.update(_cached(each))
        self.new = {}
        self._stated = {}  # path -> its key and size, as start_prefetch() found them: check() stats no file twice

    def prefetch(self, files):
        """Read the headers and checksums of FILES, [(path, repodata checksum type)], that are
        not cached yet, in one worker process per CPU, so check() finds them (a file that cannot
        be read is left to check(), which says why)."""
        self.start_prefetch(files)()

    def start_prefetch(self, files):
        """prefetch() in the background: returns the function that waits for it to end."""
        todo, size = {}, 0
        for path, kind in files:
            try:
                st = os.stat(path)
            except OSError:
                continue
            key = "%s %d %d" % (path, st.st_size, st.st_mtime_ns)
            self._stated[path] = key, st.st_size
            if key not in self.old:
                todo[key] = (path, {"sha": "sha1"}.get(kind, kind))
                size += st.st_size
        workers = min(os.cpu_count() or 1, len(todo) // PREFETCH_CHUNK)
        if workers < 2:
            return lambda: None
        import concurrent.futures
        import multiprocessing
        from concurrent.futures.process import BrokenProcessPool

        try:
            pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                                          initializer=_worker_start,
                                                          initargs=(_niceness(size, len(todo)),))
            # chunks small enough that no worker is left with most of the bytes (sizes vary)
            chunk = max(1, min(PREFETCH_CHUNK, len(todo) // (workers * 8)))
            results = pool.map(_read_facts, todo.values(), chunksize=chunk)
        except OSError as exc:  # no /dev/shm
            log.info("reading package headers in one process: %s", exc)
            return lambda: None

        def wait():
            try:
                with pool:
                    for key, facts in counted(zip(todo, results), len(todo), "%d of %d package headers read"):
                        if facts is not None:
                            self.old[key] = facts
            except (OSError, BrokenProcessPool) as exc:  # a worker killed
                log.info("reading package headers in one process: %s", exc)

        return wait

    def check(self, path, pkg, expected=None):
        """The header facts of the package file PATH (read_header); a PunjiError when the file
        is not the package the repodata describes (EXPECTED: its NEVRA, when known)."""
        key, size = self._stated.pop(path, None) or self._key(path)
        facts = self.old.get(key) or {}
        kind = {"sha": "sha1"}.get(pkg.checksum_type, pkg.checksum_type)
        if "listed_sigkey" not in facts or facts.get("checksum_type") != kind:
            facts = dict(facts)
            if "listed_sigkey" not in facts:  # not read yet, or by a punji that did not read it
                facts.update(read_header(path))
            if facts.get("checksum_type") != kind:
                facts.update(checksum_type=kind, checksum=file_checksum(path, kind))
        self.new[key] = facts
        expected = expected or nevra(pkg)
        if facts["nevra"] != expected and same_package(facts["nevra"]) != same_package(expected):
            raise PunjiError("package %s: its RPM header says %s, the repodata says %s"
                             % (path, facts["nevra"], expected))
        if size != pkg.size_package:
            raise PunjiError("package %s: %d bytes, the repodata says %d (truncated or replaced)"
                             % (path, size, pkg.size_package))
        if facts["checksum"] != pkg.pkgId:
            raise PunjiError("package %s: its %s checksum differs from the repodata's (corrupt or replaced)"
                             % (path, kind))
        # what a tree's repodata says of the file besides its header: its time (createrepo_c's <time file>)
        return dict(facts, file_mtime=int(key.rsplit(" ", 1)[1]))

    @staticmethod
    def _key(path):
        """PATH's key in the cache (path, size and mtime) and its size."""
        st = os.stat(path)
        return "%s %d %d" % (path, st.st_size, st.st_mtime_ns), st.st_size

    def check_header(self, path, expected_nevra, payloadhash, sigkey, check_sigkey):
        """The header facts of PATH ({"nevra", "sigkey", "payloadhash"}), checked against what
        Koji says: its NEVRA, its payload hash (RPMTAG_SIGMD5, the same in every signed copy)
        and, when CHECK_SIGKEY, its signing key; a PunjiError when one differs. None skips a check."""
        facts = self._facts(path)
        if expected_nevra is not None and facts["nevra"] != expected_nevra:
            raise PunjiError("package %s: its RPM header says %s, koji says %s" % (path, facts["nevra"], expected_nevra))
        if payloadhash and facts["payloadhash"] != payloadhash.lower():
            raise PunjiError("package %s: its payload hash %s differs from koji's %s (corrupt or replaced)"
                             % (path, facts["payloadhash"], payloadhash.lower()))
        if check_sigkey and facts["sigkey"] != sigkey:
            raise PunjiError("package %s: signed with %s, koji says key %s" % (path, facts["sigkey"] or "no key", sigkey))
        return facts

    def check_payload(self, path, payloadhash):
        """A PunjiError when the MD5 of PATH's header and payload (what RPMTAG_SIGMD5 and Koji's
        payloadhash are) is not PAYLOADHASH: a file damaged anywhere past its signatures."""
        facts = self._facts(path)
        if "payload_md5" not in facts:
            facts["payload_md5"] = payload_md5(path)
        if facts["payload_md5"] != payloadhash.lower():
            raise PunjiError("package %s: the MD5 of its header and payload is %s, koji's payload hash %s "
                             "(corrupt or truncated)" % (path, facts["payload_md5"], payloadhash.lower()))

    def facts(self, path):
        """The header facts of the package file PATH (read_header)."""
        return self._facts(path)

    def renamed(self, old, new):
        """What was read of the file OLD is now of NEW (renamed: same size and mtime)."""
        for key in [k for k in self.new if k.rsplit(" ", 2)[0] == old]:
            self.new[new + key[len(old):]] = self.new.pop(key)

    def _facts(self, path):
        st = os.stat(path)
        key = "%s %d %d" % (path, st.st_size, st.st_mtime_ns)
        facts = self.new.get(key) or self.old.get(key)
        if not facts or "listed_sigkey" not in facts:
            facts = dict(facts or {}, **read_header(path))
        self.new[key] = facts
        return facts

    def save(self):
        jsonio.write_json_if_changed(self.path, {"header": state.header("pkgset-headers"), "files": self.new}, compact=True)
        if self.keys_path:
            jsonio.write_text_if_changed(self.keys_path, "".join(key + "\n" for key in self.new))


PREFETCH_CHUNK = 256  # files per task handed to a worker process at most; a worker each that many
# The workers' niceness for small packages: what is made meanwhile from the repodata alone (the
# package set's repo and its warmed pool) is then the longer chain and goes first. Packages of
# NICE_BELOW bytes or more on average are mostly checksumming, the longer chain: no niceness.
WORKERS_NICE, NICE_BELOW = 10, 64 << 10


def _niceness(size, count):
    """The workers' niceness for COUNT files of SIZE bytes in all."""
    return WORKERS_NICE if size < NICE_BELOW * count else 0


def _worker_start(niceness):
    from ..ahead import forked

    forked()
    os.nice(niceness)


def _read_facts(job):
    """What check() reads of a file: its header facts and its checksum; None when it cannot."""
    path, kind = job
    try:
        return dict(read_header(path), checksum_type=kind, checksum=file_checksum(path, kind))
    except (OSError, PunjiError):
        return None


def same_package(text):
    """A NEVRA with a nosrc arch spelled src: the repodata calls a .nosrc.rpm "src", its header "nosrc"."""
    return text[:-len(".nosrc")] + ".src" if text.endswith(".nosrc") else text


def payload_md5(path):
    """The MD5 (hex) of the RPM file PATH from its header on: past the lead (96 bytes) and the
    signature header (16 bytes, 16 per index entry, its data, padded to 8 bytes)."""
    import hashlib
    import struct

    digest = hashlib.md5()
    with open(path, "rb") as f:
        f.seek(96)
        intro = f.read(16)
        if len(intro) < 16 or intro[:3] != b"\x8e\xad\xe8":
            raise PunjiError("package %s: no RPM signature header (corrupt, or not an RPM)" % path)
        count, size = struct.unpack(">II", intro[8:16])
        end = 96 + 16 + 16 * count + size
        f.seek(end + (-end) % 8)
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_header(path):
    """{"nevra", "sigkey", "listed_sigkey", "payloadhash"} from the RPM header of PATH (signatures
    are not verified here), and its "excludearch" and "exclusivearch" when it has them."""
    import rpm

    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            hdr = _transaction_set().hdrFromFdno(fd)
        finally:
            os.close(fd)
    except (OSError, rpm.error) as exc:
        raise PunjiError("package %s: cannot read its RPM header: %s (corrupt, or not an RPM)" % (path, exc))
    name, epoch, version, release, arch, source, nosource, sigmd5 = (hdr[tag] for tag in HEADER_TAGS)
    arch = ("nosrc" if nosource else "src") if source else arch
    text = "%s-%s:%s-%s.%s" % (name, epoch if epoch is not None else 0, version, release, arch)
    header_keys, v3_keys = _key_ids(hdr, "RSAHEADER", "DSAHEADER"), _key_ids(hdr, "SIGPGP", "SIGGPG")
    facts = {"nevra": text, "sigkey": header_keys[0] if header_keys else None,
             "listed_sigkey": next((k for k in v3_keys if k in header_keys), None),
             "payloadhash": sigmd5.hex() if sigmd5 else None}
    for key, tag in (("excludearch", rpm.RPMTAG_EXCLUDEARCH), ("exclusivearch", rpm.RPMTAG_EXCLUSIVEARCH)):
        if hdr[tag]:
            facts[key] = list(hdr[tag])
    return facts


HEADER_TAGS = ("name", "epoch", "version", "release", "arch", "sourcepackage", "nosource", "sigmd5")


@functools.lru_cache(maxsize=None)
def _transaction_set():
    """The one rpm transaction set this process reads headers with (making one per file costs
    as much as a third of reading the header)."""
    import rpm

    rpm.setVerbosity(rpm.RPMLOG_CRIT)  # rpm's own line about a corrupt file would be a second error line
    return rpm.TransactionSet("", rpm._RPMVSF_NOSIGNATURES | rpm._RPMVSF_NODIGESTS)


def _key_ids(hdr, *tags):
    """The key ids (8 hex digits) of the signatures in header tags TAGS."""
    import re

    found = (re.search(r"Key ID ([0-9a-fA-F]+)", hdr.format("%%{%s:pgpsig}" % tag)) for tag in tags if hdr[tag])
    return [match.group(1)[-8:].lower() for match in found if match]
