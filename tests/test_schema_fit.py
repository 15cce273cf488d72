"""The config reader's quick schema check: never says "fits" where jsonschema finds an error,
and says it for the values real configs hold (so jsonschema is not imported for them)."""

import glob
import itertools
import os

import jsonschema
import pytest

from conftest import ROOT
from punji_lib.config import options, reader
from punji_lib.config.schema_fit import fits

TABLE = options.by_name()
ODD_VALUES = [None, True, False, 0, 1, -1, 1.0, 2.5, "", "x", "^Server$", "(", [], [""], ["x"], [1], [None],
              ["x", 1], [["a", "b"]], [["a"]], {}, {"x": "y"}, {"x": 1}, {"x": ["y"]}, {"x": {"y": ["z"]}},
              {"^.*$": {"x86_64": ["a"]}}, {"^.*$": {"*": "a"}}, {"^Server$": [{"arches": ["x86_64"]}]},
              {1: "x"}, {"": "x"}, ("x",), [{"name": "x"}], [{}], {"scm": "git", "repo": "r", "file": "f"},
              {"scm": "file"}, [{"scm": "git", "repo": "r"}], {"url": 1}, [["^.*$", {"x86_64": ["a"]}]],
              ["^.*$", {"x86_64": ["a"]}], {"x86_64": ["/r"]}, {"x86_64": "/r"}, {"Server": {"x86_64": True}}]


def valid(value, schema):
    return not list(jsonschema.Draft7Validator(schema).iter_errors(value))


def config_values():
    """(file, option, value) of every option of every config under tests/data."""
    found = []
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "data", "**", "*.conf"), recursive=True)):
        try:
            raw = reader.load(path)[0]
        except Exception:  # the broken configs among them
            continue
        found += [(os.path.relpath(path, ROOT), name, value) for name, value in raw.items() if name in TABLE]
    return found


def test_an_odd_value_fits_only_where_jsonschema_finds_no_error():
    checked = 0
    for (name, option), value in itertools.product(TABLE.items(), ODD_VALUES):
        if fits(value, option.schema):
            assert valid(value, option.schema), (name, value)
            checked += 1
    assert checked > 100  # the quick check does accept many of them


def test_every_value_of_the_test_configs_fits_as_jsonschema_says():
    values = config_values()
    assert len(values) > 500
    for path, name, value in values:
        assert fits(value, TABLE[name].schema) == valid(value, TABLE[name].schema), (path, name, value)


@pytest.mark.parametrize("value, schema, expected", [
    (True, {"enum": [1]}, False),
    (1, {"type": "integer", "minimum": 1}, True),
    (1, {"type": "integer", "exclusiveMinimum": 1}, False),
    ({"a": "b"}, {"type": "object", "additionalProperties": False}, False),
    ({"a": "b"}, {"type": "object", "patternProperties": {"^a$": {"type": "string"}},
                  "additionalProperties": False}, True),
    (["a", 1], {"type": "array", "items": [{"type": "string"}], "additionalItems": {"type": "string"}}, False),
    ({"ab": 1}, {"type": "object", "propertyNames": {"maxLength": 1}}, False),
    ("x", {"type": "string", "format": "regex"}, True),
    ("x", {"type": "string", "not": {"type": "integer"}}, False),  # a keyword it does not know: unsure
])
def test_the_keywords_it_knows(value, schema, expected):
    assert fits(value, schema) is expected
    if expected:
        assert valid(value, schema)
