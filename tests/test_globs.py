"""punji_lib.rpms.globs against glibc's fnmatch(), which hawkey's name globs use."""

import ctypes
import ctypes.util
import random

import pytest

from punji_lib.rpms import globs

PATTERNS = ["[^k]*", "[!k]*", "d\\o*", "a\\b", "\\-", "[[:alpha:]]ovu", "[^[:digit:]]*", "[]a]*", "[a-]*", "[z-a]*", "a[*",
            "[\\]]*", "*\\*vu", "?", "[[:foo:]]*", "[![:foo:]]*", "a[-]b", "[a-c-e]*", "p*3.?-*", "\\", "a\\",
            "[!]]*", "[^]a]*", "[[:upper:]]", "[a\\-z]*", "*-devel", "lib*.so.?", "[[:punct:]]b"]
NAMES = ["dovu", "dovu-devel", "d*vu", "ab", "kb", "^b", "a\\b", "a]b", "a-b", "x9", "9x", "python3.9-foo", "a[b",
         "A", "[x", "zz", "", "libz.so.1", "-b", "cvu"]


@pytest.fixture(scope="module")
def fnmatch_c():
    """hawkey's name__glob: glibc's fnmatch() for a pattern with *, ? or [, else equality."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"))

    def match(name, pattern):
        if not any(c in pattern for c in "*?["):
            return name == pattern
        return libc.fnmatch(pattern.encode(), name.encode(), 0) == 0
    return match


@pytest.mark.parametrize("pattern", PATTERNS)
def test_glob_matches_as_glibc_fnmatch(fnmatch_c, pattern):
    assert [n for n in NAMES if globs.match(n, pattern)] == [n for n in NAMES if fnmatch_c(n, pattern)]


def test_random_globs_match_as_glibc_fnmatch(fnmatch_c):
    rng = random.Random(7)
    for _ in range(20000):
        pattern = "".join(rng.choice("ab-^!\\*?x9") if rng.random() < 0.8 else
                          rng.choice(("[a-b]", "[^a]", "[!-]", "[[:alpha:]]", "[]x]", "[\\]]")) for _ in range(rng.randint(1, 6)))
        name = "".join(rng.choice("ab-^!\\*?x9]") for _ in range(rng.randint(0, 5)))
        assert globs.match(name, pattern) == fnmatch_c(name, pattern), (pattern, name)


def test_a_pattern_without_glob_characters_is_a_name():
    assert globs.match("a\\b", "a\\b")
    assert not globs.match("ab", "a\\b")


def test_literal_prefix_stops_at_the_first_special_character():
    assert [globs.literal_prefix(p) for p in ("gx-*", "g\\x*", "g[xy]", "abc")] == ["gx-", "g", "g", "abc"]
