"""Package name globs as Pungi's DNF queries match them.

hawkey's name__glob filter compares a pattern with no *, ? or [ for equality and matches any
other with glibc's fnmatch() without flags, which differs from Python's fnmatch: a backslash
escapes the next character, "[^...]" negates as "[!...]" does, and "[[:alpha:]]" names a
character class. (glibc's answers for unclosed brackets and for classes ending a range are not
followed: no package pattern has them.)
"""

import functools
import re
import string

CLASSES = {"alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z",
           "space": " \\t\\n\\r\\f\\v", "blank": " \\t", "xdigit": "0-9A-Fa-f",
           "punct": re.escape(string.punctuation), "cntrl": "\\x00-\\x1f\\x7f", "print": "\\x20-\\x7e",
           "graph": "\\x21-\\x7e"}


def is_glob(pattern):
    return any(c in pattern for c in "*?[")


def match(name, pattern):
    """Whether NAME matches PATTERN as hawkey's name__glob has it."""
    return bool(matcher(pattern)(name))


def matcher(pattern):
    """match(NAME, PATTERN) as a function of NAME (true or false), for many names."""
    if not is_glob(pattern):
        return pattern.__eq__
    return _regex(pattern).match


def literal_prefix(pattern):
    """The characters every name PATTERN matches starts with (up to its first special one)."""
    return re.split(r"[*?[\\]", pattern, maxsplit=1)[0]


_NOTHING = re.compile("(?!)")


@functools.lru_cache(maxsize=1024)
def _regex(pattern):
    out, i, n = [], 0, len(pattern)
    while i < n:
        c = pattern[i]
        i += 1
        if c == "\\":
            if i == n:  # a trailing backslash: glibc's fnmatch() fails
                return _NOTHING
            out.append(re.escape(pattern[i]))
            i += 1
        elif c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[":
            bracket, end = _bracket(pattern, i)
            if bracket is None:
                out.append(re.escape(c))
            else:
                out.append(bracket)
                i = end
        else:
            out.append(re.escape(c))
    return re.compile("(?s:%s)\\Z" % "".join(out))


def _bracket(pattern, i):
    """(a regex character class, the index after it) for the bracket expression whose "[" is
    just before I; (None, I) when it is not closed (the "[" is then a literal one)."""
    n, negate = len(pattern), False
    if i < n and pattern[i] in "!^":
        negate, i = True, i + 1
    members, first = [], True
    while i < n:
        c = pattern[i]
        if c == "]" and not first:
            body = "".join(members)
            if not body:  # only reversed ranges
                return ("." if negate else "(?!)"), i + 1
            return "[%s%s]" % ("^" if negate else "", body), i + 1
        first = False
        if c == "[" and pattern.startswith("[:", i):
            close = pattern.find(":]", i + 2)
            if close != -1:
                if pattern[i + 2:close] not in CLASSES:  # glibc's fnmatch() fails: nothing matches
                    return "(?!)", n
                members.append(CLASSES[pattern[i + 2:close]])
                i = close + 2
                continue
        if c == "\\" and i + 1 < n:
            i += 1
            c = pattern[i]
        if i + 2 < n and pattern[i + 1] == "-" and pattern[i + 2] != "]":
            high, i = pattern[i + 2], i + 3
            if high == "\\" and i < n:
                high, i = pattern[i], i + 1
            if high >= c:  # a reversed range matches nothing
                members.append("%s-%s" % (re.escape(c), re.escape(high)))
            continue
        members.append(re.escape(c))
        i += 1
    return None, i
