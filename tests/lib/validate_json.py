#!/usr/bin/env python3
"""validate_json.py SCHEMA DOCUMENT — checks one JSON document against a JSON Schema (draft 7 or 2020-12,
as the schema's $schema says) with the `jsonschema` package of the project's .venv (tools/python-env).
Prints every violation with its JSON path and exits 1 if there is one; exits 2 if a file cannot be read.
Used by the Swift end-to-end tests on every JSON and SARIF report they produce."""
import json
import sys

import jsonschema


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(sys.argv[1], encoding="utf-8") as f:
            schema = json.load(f)
        # The report's \udcNN escapes (bytes that are not UTF-8) load as lone surrogates: fine for validation.
        with open(sys.argv[2], encoding="utf-8", errors="surrogateescape") as f:
            document = json.load(f)
    except (OSError, ValueError) as error:
        print(f"cannot read: {error}", file=sys.stderr)
        return 2
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    for error in errors[:20]:
        path = "/".join(str(p) for p in error.absolute_path) or "(root)"
        print(f"{path}: {error.message[:300]}", file=sys.stderr)
    if len(errors) > 20:
        print(f"… and {len(errors) - 20} more", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
