"""The document's schemas as code generators read them: what a client must send, what it always gets, examples.

- A request property with a server-side default is optional for the client, so its `default` goes (stated in
  its description instead): openapi-typescript 7 makes a property with a `default` non-optional, and
  `POST /api/tasks {"title": …}` would not compile for want of `completed`.
- A response property with a default is always in the answer (FastAPI renders response models whole), so it
  is `required`: a generated client then need not check for it.
- Every body gets its example at the media-type level, where Swagger UI, Postman and mock servers look: the
  model's own (`json_schema_extra`), a list of its items' for an array; several become named `examples`.
- A schema nothing refers to any more (FastAPI's `HTTPValidationError`, once 422s show our real body) goes.
"""

import json
from collections.abc import Iterator
from typing import Any

SCHEMAS = "#/components/schemas/"


def refine_schemas(schema: dict[str, Any]) -> None:
    components: dict[str, Any] = schema.setdefault("components", {}).setdefault("schemas", {})
    request_roots, response_roots = _body_roots(schema)
    requests = _reachable(request_roots, components)
    responses = _reachable(response_roots, components)
    for name in sorted(requests):
        _drop_defaults(components[name])
    for name in sorted(responses - requests):
        _require_defaults(components[name])
    for media in _media_types(schema):
        _hoist_example(media, components)
    _prune(schema, components)


def _body_roots(schema: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    requests: list[Any] = []
    responses: list[Any] = []
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                requests.append(media.get("schema"))
            for response in operation.get("responses", {}).values():
                for media in response.get("content", {}).values():
                    responses.append(media.get("schema"))
    return requests, responses


def _media_types(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            yield from operation.get("requestBody", {}).get("content", {}).values()
            for response in operation.get("responses", {}).values():
                yield from response.get("content", {}).values()


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMAS):
            yield ref.removeprefix(SCHEMAS)
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _reachable(roots: list[Any], components: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    pending = [name for root in roots for name in _refs(root)]
    while pending:
        name = pending.pop()
        if name in found or name not in components:
            continue
        found.add(name)
        pending += _refs(components[name])
    return found


def _drop_defaults(model: dict[str, Any]) -> None:
    for field in model.get("properties", {}).values():
        if "default" not in field:
            continue
        default = field.pop("default")
        stated = f"Default: `{json.dumps(default)}`."
        description = field.get("description", "")
        field["description"] = f"{description.rstrip('.')}. {stated}" if description else stated


def _require_defaults(model: dict[str, Any]) -> None:
    properties = model.get("properties", {})
    always = [name for name, field in properties.items() if "default" in field]
    if always:
        required = model.setdefault("required", [])
        required += [name for name in always if name not in required]
        # In the order of the properties, as FastAPI writes `required`.
        required.sort(key=list(properties).index)


def _hoist_example(media: dict[str, Any], components: dict[str, Any]) -> None:
    if "example" in media or "examples" in media or "schema" not in media:
        return
    examples = [
        _in_field_order(example, media["schema"], components) for example in _examples_of(media["schema"], components)
    ]
    if len(examples) == 1:
        media["example"] = examples[0]
    elif examples:
        named: dict[str, Any] = {}
        for example in examples:
            name = _name_of(example)
            name = name if name not in named else f"{name} ({len(named) + 1})"
            named[name] = {"summary": name, "value": example}
        media["examples"] = named


def _examples_of(node: dict[str, Any], components: dict[str, Any]) -> list[Any]:
    """The examples a schema gives: its own, its model's, an array of its items' first, an option's of `anyOf`."""
    if "$ref" in node:
        return _examples_of(components.get(node["$ref"].removeprefix(SCHEMAS), {}), components)
    if isinstance(node.get("examples"), list) and node["examples"]:
        return list(node["examples"])
    if "example" in node:
        return [node["example"]]
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        items = _examples_of(node["items"], components)
        return [items[:1]] if items else []
    for option in node.get("anyOf", []):
        if found := _examples_of(option, components):
            return found
    return []


def _in_field_order(example: Any, node: dict[str, Any], components: dict[str, Any]) -> Any:
    """The example's keys in the order of the schema's properties (pydantic sorts an example's keys)."""
    while "$ref" in node:
        node = components.get(node["$ref"].removeprefix(SCHEMAS), {})
    if isinstance(example, list) and isinstance(node.get("items"), dict):
        return [_in_field_order(item, node["items"], components) for item in example]
    if not isinstance(example, dict):
        return example
    properties: dict[str, Any] = next(
        (option["properties"] for option in [node, *node.get("anyOf", [])] if "properties" in option),
        {},
    )
    if not properties:
        for option in node.get("anyOf", []):
            if "$ref" in option:
                return _in_field_order(example, option, components)
        return example
    order = {name: index for index, name in enumerate(properties)}
    return {
        key: _in_field_order(value, properties.get(key, {}), components)
        for key, value in sorted(example.items(), key=lambda item: order.get(item[0], len(order)))
    }


def _name_of(example: Any) -> str:
    """`title`, `description, completed`: an example is named by the fields it sends."""
    return ", ".join(example) if isinstance(example, dict) and example else "example"


def _prune(schema: dict[str, Any], components: dict[str, Any]) -> None:
    outside = {key: value for key, value in schema.items() if key != "components"}
    outside["components"] = {key: value for key, value in schema["components"].items() if key != "schemas"}
    used = _reachable([outside], components)
    for name in [name for name in components if name not in used]:
        del components[name]
