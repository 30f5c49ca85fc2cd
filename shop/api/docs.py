"""``/api/v1/docs``: the API's reference, rendered by the shop from its own OpenAPI document
(no script, no asset from elsewhere, in the visitor's language)."""

from __future__ import annotations

from flask import current_app, render_template

from shop.api import docs_bp

METHODS = ("get", "post", "put", "patch", "delete")


def _schema_name(content: dict | None) -> str | None:
    for media in (content or {}).values():
        schema = media.get("schema") or {}
        ref = schema.get("$ref") or (schema.get("items") or {}).get("$ref")
        if ref:
            return ref.rsplit("/", 1)[-1]
    return None


def operations(spec: dict) -> list[dict]:
    """Each operation of the document: method, path, operationId, summary, parameters and
    responses with their schema names, in path order."""
    found = []
    for path, item in sorted(spec.get("paths", {}).items()):
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "operation_id": operation.get("operationId", ""),
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "tags": operation.get("tags", []),
                    "parameters": [
                        {
                            "name": p.get("name"),
                            "in": p.get("in"),
                            "required": p.get("required", False),
                            "type": (p.get("schema") or {}).get("type", ""),
                            "description": p.get("description", ""),
                        }
                        for p in operation.get("parameters", [])
                    ],
                    "responses": [
                        {
                            "status": status,
                            "description": response.get("description", ""),
                            "schema": _schema_name(response.get("content")),
                            "media": ", ".join(response.get("content", {}) or ()),
                        }
                        for status, response in sorted(operation.get("responses", {}).items())
                    ],
                }
            )
    return found


@docs_bp.get("/api/v1/docs")
def docs():
    spec = current_app._get_spec("json")
    return render_template(
        "api/docs.html",
        spec=spec,
        operations=operations(spec),
        schemas=sorted(spec.get("components", {}).get("schemas", {})),
    )
