"""One error line for a Pungi config kobo cannot read: the file and line of the fault, in the
config or one of the files it includes (kobo names some, Python others, neither an unreadable
include: each is found here)."""

import os
import re
import tokenize

KOBO_POSITION_RE = re.compile(r"file: (?P<file>.*?), begin: \((?P<line>\d+), \d+\).*?text: (?P<text>.*)$", re.S)
KOBO_KEYWORD_RE = re.compile(r"python keyword: (\w+)")
KOBO_DUPLICATE_RE = re.compile(r"in file (?P<file>.*) on line (?P<line>\d+)")
# Python's errors about brackets, whose line kobo cannot name (it reads on past an unclosed one)
PYTHON_BRACKET_RE = re.compile(r"never closed|does not match|unmatched")


def parse_error(exc, parser, path):
    """One line naming where the config cannot be read: kobo's line when it names one, as
    Pungi stops there (Python would stop earlier at what kobo reads through, two values in a
    row in a list or dict), but Python's for a bracket (kobo names where it gave up)."""
    marked = next((f for f in _config_files(path) if _starts_with_bom(f)), None)
    if marked:
        return ("%s:1: starts with a byte order mark (U+FEFF, an editor's), which kobo reads as a character: "
                "save the file as UTF-8 without it" % marked)
    found = (_python_syntax_message(f) for f in _config_files(path))
    python = next((m for m in found if m), None)
    kobo_names_it = isinstance(exc, SyntaxError) and KOBO_POSITION_RE.search(_text(exc))
    if python and (not kobo_names_it or PYTHON_BRACKET_RE.search(python)):
        return python
    return _kobo_message(exc, parser, path)


def _starts_with_bom(path):
    try:
        with open(path, "rb") as f:
            return f.read(3) == b"\xef\xbb\xbf"
    except OSError:
        return False


def _text(exc):
    return str(exc.msg if getattr(exc, "msg", None) else exc)


def _kobo_message(exc, parser, path):
    if isinstance(exc, SyntaxError):
        return _kobo_syntax_message(exc, path)
    if isinstance(exc, tokenize.TokenError):
        line = exc.args[1][0] if len(exc.args) > 1 else "?"
        return "%s:%s: %s (an unclosed bracket or string?)" % (_current_file(parser, path), line, exc.args[0])
    return "%s: cannot parse the config: %s" % (_current_file(parser, path), one_line(exc))


def unreadable_message(exc, parser, path):
    if not exc.filename or os.path.normpath(exc.filename) == os.path.normpath(path):
        return "%s: cannot read the config: %s" % (path, exc.strerror or one_line(exc))
    return "%s: cannot read the included file '%s': %s" % (includer(parser, path, exc.filename), exc.filename,
                                                          exc.strerror or one_line(exc))


def not_utf8_message(path):
    """'file:line: not UTF-8 text' at the first byte that is not, in PATH or a file it includes
    (kobo, as Python, reads UTF-8)."""
    for candidate in _config_files(path):
        try:
            with open(candidate, "rb") as f:
                data = f.read()
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            return "%s:%d: not UTF-8 text (byte 0x%02x; save the file as UTF-8)" % (
                candidate, data.count(b"\n", 0, exc.start) + 1, data[exc.start])
        except OSError:
            continue
    return "%s: not UTF-8 text (save the file as UTF-8)" % path


KOBO_IMPORT_RE = re.compile(r"^Can't import (?P<name>\S+) from (?P<file>.*)\.$")


def import_message(exc, parser, path):
    """kobo's KeyError for `from X import NAME` where X sets no NAME: named at that line."""
    match = KOBO_IMPORT_RE.match(exc.args[0] if exc.args and isinstance(exc.args[0], str) else "")
    if not match:
        return "%s: cannot parse the config: %s" % (_current_file(parser, path), one_line(exc))
    name, included = match.group("name"), match.group("file")
    where = includer(parser, path, included, naming=name)
    return "%s: '%s' sets no %s to import" % (where, included, name)


def _python_syntax_message(path):
    """Python's own 'file:line: message' for a syntax error in PATH, which names the line
    kobo's parser cannot (an unclosed bracket); None when Python finds none (kobo accepts a
    few things Python does not, and the reverse)."""
    import warnings

    try:
        with open(path, encoding="utf-8", errors="replace") as f, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Python's remarks on valid code ('tuple' is not callable)
            # kobo's includes are no Python when the name has a '-': blank them, keeping the line numbers
            compile(INCLUDE_LINE_RE.sub("", f.read()), path, "exec")
    except SyntaxError as exc:
        return "%s:%s: %s" % (path, exc.lineno, exc.msg)
    except (OSError, ValueError):
        return None
    return None


# kobo's include: the file name is every token up to 'import', joined, so it may hold what a
# Python module name may not (common-fedora, common/multilib)
INCLUDE_RE = re.compile(r"^\s*from\s+(\S.*?)\s+import\b")
INCLUDE_LINE_RE = re.compile(r"^[ \t]*from[ \t]+\S.*?[ \t]+import[ \t]+[\w*][\w*, \t]*$", re.M)


def _include_path(including, match):
    """The file kobo reads for an include line MATCHed in the file INCLUDING."""
    return os.path.join(os.path.dirname(including), re.sub(r"\s+", "", match.group(1)) + ".conf")


def _config_files(path):
    """PATH and the files it includes (from X import *), those existing and readable, depth first."""
    found, todo = [], [path]
    while todo:
        current = todo.pop(0)
        if current in found or not os.path.isfile(current):
            continue
        try:
            with open(current, encoding="utf-8", errors="replace") as f:
                lines = f.readlines()
        except OSError:
            continue
        found.append(current)
        for line in lines:
            match = INCLUDE_RE.match(line)
            if match:
                todo.append(_include_path(current, match))
    return found


def include_cycle_message(path):
    """'file:line: ...' of the include that closes a cycle of includes (a file including itself,
    or one that includes it), which kobo follows until Python's recursion limit; None if none."""
    def walk(current, stack):
        try:
            with open(current, encoding="utf-8", errors="replace") as f:
                lines = f.readlines()
        except OSError:
            return None
        for number, line in enumerate(lines, 1):
            match = INCLUDE_RE.match(line)
            if not match:
                continue
            included = os.path.normpath(_include_path(current, match))
            if included in stack:
                what = "itself" if included == current else "'%s', which includes it" % included
                return "%s:%d: includes %s: an include cycle" % (current, number, what)
            found = walk(included, stack + [included]) if os.path.isfile(included) else None
            if found:
                return found
        return None

    start = os.path.normpath(path)
    return walk(start, [start])


def includer(parser, path, missing, naming=None):
    """'file:line' of the include of MISSING (a config file that cannot be read), the one
    importing NAMING when given."""
    missing = os.path.normpath(missing or "")
    for candidate in _config_files(path):
        with open(candidate, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                match = INCLUDE_RE.match(line)
                if match and os.path.normpath(_include_path(candidate, match)) == missing and (
                        naming is None or re.search(r"\bimport\b.*\b%s\b" % re.escape(naming), line)):
                    return "%s:%d" % (candidate, number)
    return _current_file(parser, path)


def _current_file(parser, default):
    return parser.opened_files[-1] if parser.opened_files else default


def one_line(exc):
    text = str(exc) or exc.__class__.__name__
    return " ".join(text.split())


def _kobo_syntax_message(exc, path):
    text = _text(exc)
    match = KOBO_POSITION_RE.search(text)
    if match:
        what = text.split(":", 1)[0]
        return "%s:%s: %s: %s" % (match.group("file"), match.group("line"), what.lower(), match.group("text").strip())
    match = KOBO_DUPLICATE_RE.search(text)
    if match:
        return "%s:%s: %s" % (match.group("file"), match.group("line"), text.split(" in file ")[0].lower())
    if getattr(exc, "lineno", None):
        return "%s:%s: %s" % (exc.filename or path, exc.lineno, one_line(exc))
    match = KOBO_KEYWORD_RE.search(text)
    found = _first_line_starting(path, match.group(1)) if match else None
    return "%s: %s" % (found or path, one_line(exc))


def _first_line_starting(path, word):
    """'file:line' of the first line starting with WORD in PATH or the files it includes: kobo
    names the keyword it refuses, not where it is."""
    pattern = re.compile(r"\s*%s\b" % re.escape(word))
    for candidate in _config_files(path):
        with open(candidate, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                if pattern.match(line):
                    return "%s:%d" % (candidate, number)
    return None
