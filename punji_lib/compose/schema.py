"""A JSON Schema checker for punji's own small schemas (state files, depsolve requests).

jsonschema costs a phase command more to import than its whole job on a small tree,
and these schemas use a handful of keywords only: type, enum, pattern, minLength,
required, properties, additionalProperties (false), items and minItems. A keyword
outside that set is a programming error, reported as such.
"""

import re

TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}
KNOWN = {"$schema", "title", "description", "type", "enum", "pattern", "minLength", "required",
         "properties", "additionalProperties", "items", "minItems"}


class SchemaError(ValueError):
    """INSTANCE does not fit: PATH (a list of keys), KEYWORD (the rule broken), MESSAGE."""

    def __init__(self, path, keyword, message):
        super().__init__(message)
        self.path, self.keyword, self.message = path, keyword, message


def validate(instance, schema, path=()):
    """Raise SchemaError for the first place INSTANCE breaks SCHEMA."""
    unknown = set(schema) - KNOWN
    if unknown:
        raise TypeError("schema keywords not supported here: %s" % ", ".join(sorted(unknown)))
    _check_value(instance, schema, list(path))
    if isinstance(instance, dict):
        _check_object(instance, schema, list(path))
    elif isinstance(instance, list) and "items" in schema:
        for index, item in enumerate(instance):
            validate(item, schema["items"], list(path) + [index])


def _fail(path, keyword, message):
    raise SchemaError(path, keyword, message)


def _check_value(instance, schema, path):
    wanted = schema.get("type")
    if wanted is not None:
        names = [wanted] if isinstance(wanted, str) else wanted
        if not any(_is(instance, name) for name in names):
            _fail(path, "type", "%r is not of type %s" % (instance, ", ".join(repr(n) for n in names)))
    if "enum" in schema and instance not in schema["enum"]:
        _fail(path, "enum", "%r is not one of %r" % (instance, schema["enum"]))
    if isinstance(instance, str):
        if len(instance) < schema.get("minLength", 0):
            _fail(path, "minLength", "%r is too short" % instance)
        if "pattern" in schema and not re.search(schema["pattern"], instance):
            _fail(path, "pattern", "%r does not match %r" % (instance, schema["pattern"]))
    if isinstance(instance, list) and len(instance) < schema.get("minItems", 0):
        _fail(path, "minItems", "%r should be non-empty" % (instance,) if schema["minItems"] == 1
              else "%r is too short" % (instance,))


def _is(instance, name):
    if name == "integer":
        return isinstance(instance, int) and not isinstance(instance, bool)
    if name == "number":
        return isinstance(instance, (int, float)) and not isinstance(instance, bool)
    if name in ("object", "array", "string", "null"):
        return isinstance(instance, TYPES[name])
    return isinstance(instance, bool) if name == "boolean" else False


def _check_object(instance, schema, path):
    for key in schema.get("required", ()):
        if key not in instance:
            _fail(path, "required", "%r is a required property" % key)
    properties = schema.get("properties", {})
    if schema.get("additionalProperties", True) is False:
        extra = sorted(set(instance) - set(properties))
        if extra:
            _fail(path, "additionalProperties",
                  "Additional properties are not allowed (%s unexpected)" % ", ".join(repr(k) for k in extra))
    for key, sub in properties.items():
        if key in instance:
            validate(instance[key], sub, path + [key])
