"""Whether a config value certainly fits its option's JSON schema (Draft 7), without jsonschema.

Importing jsonschema costs more than reading a whole config, and nearly every config is valid:
fits() says True only when the value is valid for the keywords the option table uses, and
False whenever it is not sure (a keyword it does not know, an unusual value); the caller then
asks jsonschema, which also words the error. "format" is an annotation to a validator made
without a format checker (the reader's), so it is ignored here too.
"""

import re

KNOWN = {"type", "enum", "pattern", "minLength", "maxLength", "minItems", "maxItems", "items",
         "additionalItems", "properties", "patternProperties", "additionalProperties", "propertyNames",
         "required", "anyOf", "minimum", "exclusiveMinimum", "format", "title", "description"}
TYPES = {"object": dict, "array": list, "string": str, "null": type(None)}


def fits(value, schema):
    """True when VALUE is certainly valid for SCHEMA; False when it is not, or when unsure."""
    if schema is True:
        return True
    if not isinstance(schema, dict) or set(schema) - KNOWN:
        return False
    return (_type_fits(value, schema.get("type")) and _enum_fits(value, schema) and _string_fits(value, schema)
            and _number_fits(value, schema) and _array_fits(value, schema) and _object_fits(value, schema)
            and ("anyOf" not in schema or any(fits(value, s) for s in schema["anyOf"])))


def _type_fits(value, wanted):
    if wanted is None:
        return True
    return any(_is(value, name) for name in ([wanted] if isinstance(wanted, str) else wanted))


def _is(value, name):
    if name in ("integer", "number"):
        return type(value) is int or (name == "number" and type(value) is float)
    if name == "boolean":
        return type(value) is bool
    return name in TYPES and isinstance(value, TYPES[name])


def _enum_fits(value, schema):
    # jsonschema tells True from 1 in an enum: so does this
    return "enum" not in schema or any(type(e) is type(value) and e == value for e in schema["enum"])


def _string_fits(value, schema):
    if not isinstance(value, str):
        return True
    return (schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value))
            and ("pattern" not in schema or re.search(schema["pattern"], value) is not None))


def _number_fits(value, schema):
    if type(value) not in (int, float):
        return True
    return value >= schema.get("minimum", value) and ("exclusiveMinimum" not in schema
                                                      or value > schema["exclusiveMinimum"])


def _array_fits(value, schema):
    if not isinstance(value, list):
        return True
    if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
        return False
    items = schema.get("items", True)
    if isinstance(items, list):
        extra = schema.get("additionalItems", True)
        return all(fits(v, s) for v, s in zip(value, items)) and all(fits(v, extra) for v in value[len(items):])
    return all(fits(v, items) for v in value)


def _object_fits(value, schema):
    if not isinstance(value, dict):
        return True
    if not all(isinstance(k, str) for k in value) or any(k not in value for k in schema.get("required", ())):
        return False
    properties, patterns = schema.get("properties", {}), schema.get("patternProperties", {})
    extra, names = schema.get("additionalProperties", True), schema.get("propertyNames", True)
    for key, item in value.items():
        if not fits(key, names):
            return False
        matched = [s for p, s in patterns.items() if re.search(p, key)]
        if key in properties:
            matched.append(properties[key])
        if not all(fits(item, s) for s in (matched or [extra])):
            return False
    return True
