#!/usr/bin/env python3
"""Transcribe every operation of the official Python SDK's WorkspaceApp, Workspace and ModelArts
clients (huaweicloudsdk* 3.1.219) into spec files in this repository's conventions, the way a
maintainer would from the API reference, to measure which share of real operations
`cargo xtask gen` takes (`cargo xtask try --each <files>`).

    .ci/venv/bin/python tests/corpus/from_official_sdk.py <out dir>

What the SDK says is transcribed as is: each operation's method, path, parameters (query, path,
header; arrays comma-separated where the SDK's `collection_formats` says `csv`), request body (JSON
of a model, multipart, bytes), answer (a model, a top-level array, map, string or free-form object,
no body), declared response headers; models from the SDK's `openapi_types`. What the SDK does not
say is taken from the parameter descriptions where they state it (a limit's default and maximum,
"默认值10", "[1-100]"); enums are not transcribed (the SDK has plain strings). Each operation is its
own tag (`<official name>Api`), so that resources and facade methods never collide for reasons of
this transcription.
Not part of any test: a measurement tool.
"""

import importlib
import inspect
import re
import sys

import yaml

SERVICES = [
    ("WorkspaceApp", "huaweicloudsdkworkspaceapp.v1", "WorkspaceAppClient", "workspaceapp"),
    ("Workspace", "huaweicloudsdkworkspace.v2", "WorkspaceClient", "workspace"),
    ("ModelArts", "huaweicloudsdkmodelarts.v1", "ModelArtsClient", "modelarts"),
]

SCALARS = {
    "str": {"type": "string"},
    "int": {"type": "integer", "format": "int32"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "object": {"type": "object"},
    "file": {"type": "string", "format": "binary"},
    "datetime": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
}


def snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Transcriber:
    def __init__(self, package):
        self.models = importlib.import_module(package + ".model")
        self.schemas = {}

    def schema(self, type_name):
        """The schema of an SDK type name (`str`, `list[Foo]`, `dict(str, int)`, `Foo`)."""
        if type_name in SCALARS:
            return dict(SCALARS[type_name])
        match = re.fullmatch(r"list\[(.+)\]", type_name)
        if match:
            return {"type": "array", "items": self.schema(match.group(1))}
        match = re.fullmatch(r"dict\(str, (.+)\)", type_name)
        if match:
            return {"type": "object", "additionalProperties": self.schema(match.group(1))}
        self.model(type_name)
        return {"$ref": "#/components/schemas/" + type_name}

    def model(self, name):
        if name in self.schemas:
            return
        cls = getattr(self.models, name, None)
        if cls is None:
            self.schemas[name] = {"type": "object", "description": f"{name} (not in the SDK)."}
            return
        self.schemas[name] = {}  # recursion guard
        properties = {}
        for attr, type_name in cls.openapi_types.items():
            properties[cls.attribute_map.get(attr, attr)] = self.schema(type_name)
        self.schemas[name] = {"type": "object", "description": f"{name}.", "properties": properties}


def documented_limit(request_cls, attr):
    """The default and maximum a parameter's description states, if any."""
    doc = inspect.getdoc(request_cls.__init__) or ""
    line = next((l for l in doc.splitlines() if l.startswith(f":param {attr}:")), "")
    default = re.search(r"(?:默认值|默认为|default value is)\D{0,3}(\d+)", line)
    maximum = re.search(r"(\d+)\s*[-~～,，]\s*(\d+)", line)
    return (int(default.group(1)) if default else None, int(maximum.group(2)) if maximum else None)


def operation(transcriber, client, method_name, service):
    http_info = getattr(client, method_name)
    op_name = method_name[1 : -len("_http_info")]
    info_source = inspect.getsource(http_info)
    request_name = "".join(w.capitalize() for w in op_name.split("_")) + "Request"
    request_cls = getattr(transcriber.models, request_name, None)
    if request_cls is None:
        return None
    info = http_info(request_cls())
    response_name = info["response_type"]
    official = response_name[: -len("Response")]
    types = request_cls.openapi_types
    wire = request_cls.attribute_map
    by_wire = {w: a for a, w in wire.items()}
    parameters = []
    for name in re.findall(r"\{(\w+)\}", info["resource_path"]):
        parameters.append({"name": name, "in": "path", "required": True, "schema": {"type": "string"}})
    formats = info.get("collection_formats") or {}
    for name, _ in info["query_params"]:
        attr = by_wire.get(name, name)
        schema = transcriber.schema(types.get(attr, "str"))
        parameter = {"name": name, "in": "query", "schema": schema}
        if schema.get("type") == "array":
            parameter["style"] = "form"
            parameter["explode"] = formats.get(attr) != "csv"
        if name == "limit" and schema.get("type") == "integer":
            default, maximum = documented_limit(request_cls, attr)
            if default is not None:
                schema["default"] = default
            if maximum is not None:
                schema["maximum"] = maximum
                schema["minimum"] = 1
        parameters.append(parameter)
    for name in info["header_params"]:
        if name.lower() in ("content-type",):
            continue
        parameters.append({"name": name, "in": "header", "schema": {"type": "string"}})
    op = {
        "operationId": op_name,
        "x-official-name": official,
        "tags": [official + "Api"],
        "summary": official,
        "parameters": parameters,
    }
    content_type = (info["header_params"].get("Content-Type") or "application/json").split(";")[0]
    if "body" in types:
        body_type = types["body"]
        if content_type == "multipart/form-data" or info["post_params"]:
            op["requestBody"] = {"content": {"multipart/form-data": {"schema": transcriber.schema(body_type)}}}
        elif content_type == "application/octet-stream" or "SdkStreamRequest" in info_source and body_type == "file":
            op["requestBody"] = {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}
        else:
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": transcriber.schema(body_type)}}}
    response_cls = getattr(transcriber.models, response_name, None)
    response_types = dict(response_cls.openapi_types) if response_cls else {}
    headers = {h: {"schema": {"type": "string"}} for h in info.get("response_headers") or []}
    for h in headers:
        attr = by_wire.get(h) or snake(h.replace("-", "_"))
        response_types.pop(attr, None)
        response_types.pop(h.lower().replace("-", "_"), None)
    answer = {"description": "The answer."}
    if "body" in response_types:
        body_type = response_types["body"]
        if body_type == "str":
            answer["content"] = {"text/plain": {"schema": {"type": "string"}}}
        else:
            answer["content"] = {"application/json": {"schema": transcriber.schema(body_type)}}
    elif response_types:
        transcriber.schemas[response_name] = {
            "type": "object",
            "description": f"{response_name}.",
            "properties": {response_cls.attribute_map.get(a, a): transcriber.schema(t) for a, t in response_types.items()},
        }
        answer["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/" + response_name}}}
    if headers:
        answer["headers"] = headers
    op["responses"] = {"200" if "content" in answer else "204": answer}
    # Offset/limit listings: an `offset` and a `limit`, an array of models and a count.
    integers = {p["name"] for p in parameters if p["in"] == "query" and p["schema"].get("type") == "integer"}
    if {"offset", "limit"} <= integers and response_name in transcriber.schemas:
        fields = transcriber.schemas[response_name].get("properties", {})
        items = [f for f, s in fields.items() if s.get("type") == "array" and "$ref" in s.get("items", {})]
        totals = [f for f, s in fields.items() if s.get("type") == "integer" and f in ("count", "total", "total_count")]
        if len(items) == 1:
            op["x-pagination"] = {"style": "offset-limit", "offset": "offset", "limit": "limit", "items": items[0]}
            if totals:
                op["x-pagination"]["total"] = totals[0]
    return info["method"].lower(), info["resource_path"], op, official


def transcribe(name, package, client_name, stem, out_dir):
    transcriber = Transcriber(package)
    client = getattr(importlib.import_module(package), client_name)
    paths, tags = {}, []
    for method_name in sorted(dir(client)):
        if not (method_name.startswith("_") and method_name.endswith("_http_info")) or method_name.startswith("__"):
            continue
        result = operation(transcriber, client, method_name, name)
        if result is None:
            continue
        method, path, op, official = result
        paths.setdefault(path, {})[method] = op
        tags.append({"name": official + "Api", "description": official + "."})
    spec = {
        "openapi": "3.0.3",
        "info": {
            "title": f"{name} as the official SDK has it",
            "version": "sdk",
            "x-service": {"name": name, "endpoint": f"https://{stem}.{{region}}.myhuaweicloud.com"},
        },
        "tags": tags,
        "paths": paths,
        "components": {"schemas": transcriber.schemas},
    }
    with open(f"{out_dir}/{stem}.yaml", "w", encoding="utf-8") as f:
        yaml.safe_dump(spec, f, allow_unicode=True, sort_keys=False)
    count = sum(len(ops) for ops in paths.values())
    print(f"{stem}: {count} operations")


def main():
    out_dir = sys.argv[1]
    for service in SERVICES:
        transcribe(*service, out_dir)


if __name__ == "__main__":
    main()
