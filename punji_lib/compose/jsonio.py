"""Stable, atomic JSON and text files: sorted keys, newline at the end, temp name then rename."""

import errno
import json
import os
import tempfile


def dumps(data, compact=False):
    """The canonical text of DATA: sorted keys, two-space indent, trailing newline. COMPACT:
    no indent, for the large work files (json's C encoder only runs without indent: ~10x faster;
    and escaping to ASCII is a third faster than writing UTF-8)."""
    if compact:
        return json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n"
    return pretty(data) + "\n"


def pretty(data, indent=2, ensure_ascii=False):
    """The text json.dumps(DATA, sort_keys=True, indent=INDENT, separators=(",", ": ")) gives,
    made several times faster: json's C encoder only runs without indent, so here only the
    scalars go through it. For dicts with string keys, lists and JSON scalars."""
    from json.encoder import encode_basestring, encode_basestring_ascii

    text = encode_basestring_ascii if ensure_ascii else encode_basestring
    literal = {None: "null", True: "true", False: "false"}

    def scalar(value):
        if isinstance(value, str):
            return text(value)
        if value is None or value is True or value is False:
            return literal[value]
        if isinstance(value, int):
            return int.__repr__(value)
        return json.dumps(value, ensure_ascii=ensure_ascii)  # a float, as json writes it

    out = []

    def walk(value, level):
        if isinstance(value, dict):
            if not value:
                out.append("{}")
                return
            inner = "\n" + " " * (indent * (level + 1))
            out.append("{")
            for n, key in enumerate(sorted(value)):
                item = value[key]
                if type(item) is str or item is None:  # most values: no call of walk for them
                    out.append(("," if n else "") + inner + scalar(key) + ": " + scalar(item))
                    continue
                out.append(("," if n else "") + inner + scalar(key) + ": ")
                walk(item, level + 1)
            out.append("\n" + " " * (indent * level) + "}")
        elif isinstance(value, (list, tuple)):
            if not value:
                out.append("[]")
                return
            inner = "\n" + " " * (indent * (level + 1))
            out.append("[")
            for n, item in enumerate(value):
                out.append(("," if n else "") + inner)
                walk(item, level + 1)
            out.append("\n" + " " * (indent * level) + "]")
        else:
            out.append(scalar(value))

    walk(data, 0)
    return "".join(out)


def write_text(path, text, durable=False):
    """Write TEXT to PATH atomically (write_file)."""
    write_file(path, lambda f: f.write(text.encode("utf-8")), durable)


def write_file(path, fill, durable=False):
    """Write to PATH atomically what FILL(f) writes to the binary file f: a temp file in the
    same directory, then a rename, so a reader (or a compose killed at any moment) sees the old
    content or the new, never a part. DURABLE (the state files make takes as done, STATUS):
    fsync before the rename, so the mark does not outlive a crash of the machine without its
    text. Not for every file: a compose writes hundreds, and each fsync waits for the disk."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    prefix = ".%s." % os.path.basename(path)
    remove_stale_temps(directory, prefix)
    fd, tmp = tempfile.mkstemp(prefix="%s%d." % (prefix, os.getpid()), suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            fill(f)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = path  # write() and close() name no file: a full disk's error line would not say where
        raise


def remove_stale_temps(directory, prefix):
    """Remove the temp files (PREFIX<pid>.<random>.tmp, PREFIX being .NAME.) a killed writer
    left in DIRECTORY. One whose writer still runs belongs to a command writing the same file
    now (several write STATUS at once)."""
    for name in os.listdir(directory):
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        path = os.path.join(directory, name)
        pid = os.path.basename(path).rsplit(".", 3)[-3]
        if pid.isdigit() and _running(int(pid)) and int(pid) != os.getpid():
            continue
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def _running(pid):
    """Whether process PID runs (a zombie, killed and not yet reaped, does not)."""
    try:
        with open("/proc/%d/stat" % pid, encoding="utf-8") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def write_small(path, text):
    """write_text for a marker of a few bytes (STATUS, a target's error) that must land even
    on a full disk: then it is written in place, reusing the old file's room."""
    try:
        write_text(path, text, durable=True)
    except OSError as exc:
        if exc.errno != errno.ENOSPC or not os.path.exists(path):
            raise
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def write_shared(path, text):
    """Write TEXT to PATH for processes that may write the same file at once (caches): a
    temporary name of this process's own, then a rename; no fsync, no clean-up of others'."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def read_text(path):
    """The text of PATH, or None when there is no such file."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return None


def write_text_if_changed(path, text):
    """Write TEXT unless PATH already holds exactly it, so its mtime only moves on change.

    Returns True when the file was written.
    """
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return False
    except FileNotFoundError:
        pass
    write_text(path, text)
    return True


def write_json(path, data, compact=False, durable=False):
    write_text(path, dumps(data, compact), durable)


def write_json_if_changed(path, data, compact=False):
    return write_text_if_changed(path, dumps(data, compact))


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)
