"""Structured output: a schema the user names, as the JSON Schema sent and the validator applied.

pydantic (which comes with the openai SDK) turns a model, a dataclass, a TypedDict or a
`{name: type}` dict into a JSON Schema and validates the answer against the same type, so
what is asked for and what is checked cannot drift apart. It is imported on first use.
"""

from __future__ import annotations

import dataclasses
import json
import re
import typing
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import OptionError

__all__ = ["Schema", "schema_of"]

_USE = "use a pydantic model, a dataclass, a TypedDict, a {name: type} dict or a JSON Schema dict"


@dataclasses.dataclass(frozen=True, eq=False)
class Schema:
    """What `response_format` carries, and how an answer is checked against it."""

    name: str
    json_schema: Mapping[str, Any]
    #: The answer's JSON text → the validated value; raises ValueError with one sentence when it does not fit.
    validate: Callable[[str], Any]

    def response_format(self) -> dict[str, Any]:
        return {
            "type": "json_schema",
            "json_schema": {"name": self.name, "strict": True, "schema": strict(self.json_schema)},
        }


def schema_of(spec: Any) -> Schema:
    """The Schema for what the user passed, or OptionError (one sentence, nothing sent)."""
    if isinstance(spec, Schema):
        return spec
    import pydantic

    if isinstance(spec, Mapping) and _is_json_schema(spec):
        return Schema(_name(str(spec.get("title") or "Answer")), dict(spec), _json_only)
    as_dict = False
    if isinstance(spec, type) and issubclass(spec, dict) and getattr(spec, "__annotations__", None):
        # A TypedDict: pydantic takes typing's only on Python 3.12+, so it becomes fields, and a dict again.
        spec, as_dict = typing.get_type_hints(spec), True
    if isinstance(spec, Mapping):
        try:
            fields: Any = {str(k): (v, ...) for k, v in spec.items()}
            spec, as_dict = pydantic.create_model("Answer", **fields), True
        except (TypeError, pydantic.PydanticUserError, pydantic.PydanticSchemaGenerationError) as exc:
            raise OptionError(
                f"The schema's fields cannot be turned into a JSON Schema ({exc}), so nothing was sent."
            ) from None
    refusal = OptionError(
        f"jupyter-gemini cannot turn {getattr(spec, '__name__', repr(spec))} into a JSON Schema of fields, "
        f"so nothing was sent; {_USE}."
    )
    try:
        adapter = pydantic.TypeAdapter(spec)
        schema = adapter.json_schema()
    except (TypeError, pydantic.PydanticUserError, pydantic.PydanticSchemaGenerationError):
        raise refusal from None
    if schema.get("type") != "object":
        raise refusal

    def validate(text: str) -> Any:
        try:
            value = adapter.validate_json(text)
        except pydantic.ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "the answer"
            raise ValueError(f"{where}: {first.get('msg', 'does not fit')}") from None
        return value.model_dump() if as_dict else value

    return Schema(_name(getattr(spec, "__name__", "Answer")), schema, validate)


def strict(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The schema as strict structured output wants it: every object closed, every field listed as required."""

    def walk(node: Any) -> Any:
        if isinstance(node, Mapping):
            out = {k: walk(v) for k, v in node.items()}
            if out.get("type") == "object" and isinstance(out.get("properties"), Mapping):
                out.setdefault("additionalProperties", False)
                out["required"] = list(out["properties"])
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)  # type: ignore[no-any-return]


def _is_json_schema(spec: Mapping[str, Any]) -> bool:
    return spec.get("type") == "object" or "properties" in spec or "$schema" in spec


def _json_only(text: str) -> Any:
    """A plain JSON Schema dict: the answer is parsed, not validated (no validator library is assumed)."""
    try:
        return json.loads(text)
    except ValueError:
        raise ValueError("the answer is not valid JSON") from None


def _name(text: str) -> str:
    """`json_schema.name` allows letters, digits, `_` and `-` (at most 64)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)[:64] or "Answer"
