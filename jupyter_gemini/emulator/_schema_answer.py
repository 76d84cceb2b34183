"""Answers to `response_format: json_schema`: deterministic JSON that fits the schema.

Enums, numbers within their bounds, nested objects, arrays and string formats are all
honoured, so a notebook that validates structured output can be run offline. Which enum
member, which number, comes from a digest of the question: the same row gets the same
answer, different rows differ. Free-text strings say they come from the emulator.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["schema_answer"]

#: How deep nested objects and arrays are followed (a recursive schema stops here).
MAX_DEPTH = 6
_FORMATS = {
    "date": "2026-01-15",
    "date-time": "2026-01-15T09:30:00Z",
    "time": "09:30:00",
    "email": "someone@example.com",
    "uri": "https://example.com/emulator",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def schema_answer(schema: Mapping[str, Any], question: str, *, invalid: bool = False) -> str:
    """A JSON text that validates against `schema` (or, with `invalid`, one that does not)."""
    value = _Example(schema, question).of(schema, "", 0)
    if invalid:  # for tests and demos of failed rows: valid JSON, wrong shape
        return json.dumps({"emulator": "an answer that does not fit the schema (invalid=1)"})
    return json.dumps(value, ensure_ascii=False)


class _Example:
    def __init__(self, root: Mapping[str, Any], question: str) -> None:
        self._root = root
        self._seed = hashlib.sha256(question.encode()).digest()

    def _pick(self, path: str, count: int) -> int:
        """A stable choice among `count`, different per field and per question."""
        digest = hashlib.sha256(self._seed + path.encode()).digest()
        return int.from_bytes(digest[:4], "big") % max(count, 1)

    def _resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = schema.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return schema
        target: Any = self._root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, Mapping) else {}
        return target if isinstance(target, Mapping) else {}

    def of(self, schema: Mapping[str, Any], path: str, depth: int) -> Any:
        schema = self._resolve(schema)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][self._pick(path, len(schema["enum"]))]
        for key in ("anyOf", "oneOf", "allOf"):
            options = [o for o in schema.get(key) or () if isinstance(o, Mapping) and o.get("type") != "null"]
            if options:
                return self.of(options[0], path, depth)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        return self._typed(str(kind or "object"), schema, path, depth)

    def _typed(self, kind: str, schema: Mapping[str, Any], path: str, depth: int) -> Any:
        if kind == "object":
            if depth >= 2 * MAX_DEPTH:  # an object that must hold itself: no finite answer fits
                return {}
            properties = schema.get("properties") or {}
            return {name: self.of(sub, f"{path}.{name}", depth + 1) for name, sub in properties.items()}
        if kind == "array":
            # Deep down, only the items the schema insists on: a recursive tree ends in empty lists.
            wanted = 0 if depth >= MAX_DEPTH else min(2, int(schema.get("maxItems", 2)))
            count = max(int(schema.get("minItems") or 0), wanted)
            items = schema.get("items")
            item: Mapping[str, Any] = items if isinstance(items, Mapping) else {}
            return [self.of(item, f"{path}[{i}]", depth + 1) for i in range(count)]
        if kind in ("integer", "number"):
            return self._number(kind, schema, path)
        if kind == "boolean":
            return self._pick(path, 2) == 1
        if kind == "null":
            return None
        return self._string(schema, path)

    def _number(self, kind: str, schema: Mapping[str, Any], path: str) -> int | float:
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        high = schema.get("maximum", schema.get("exclusiveMaximum", low + 100))
        if "exclusiveMinimum" in schema and "minimum" not in schema:
            low += 1 if kind == "integer" else 0.5
        if "exclusiveMaximum" in schema and "maximum" not in schema:
            high -= 1 if kind == "integer" else 0.5
        span = max(int(high - low), 0)
        value = low + self._pick(path, span + 1)
        return int(value) if kind == "integer" else float(value)

    def _string(self, schema: Mapping[str, Any], path: str) -> str:
        fixed = _FORMATS.get(str(schema.get("format")))
        if fixed is not None:
            return fixed
        name = path.rsplit(".", 1)[-1] or "value"
        text = f"emulator {name} {self._pick(path, 1000)}"
        minimum, maximum = int(schema.get("minLength") or 0), schema.get("maxLength")
        text = text.ljust(minimum, ".")
        return text[: int(maximum)] if isinstance(maximum, int) else text
