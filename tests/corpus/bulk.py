#!/usr/bin/env python3
"""Write a large spec for measuring what growth costs: `copies` copies of every operation of
`tests/corpus/spec/alpha.yaml` (22 operations of every shape) as one service, `bulk.yaml`, each copy
with its own tags, paths, operationIds and official names (the schemas are shared).

    python3 tests/corpus/bulk.py 10 > <scratch workspace>/spec/bulk.yaml   # 220 operations

Used for the build-time figures in the README (generation, cold and incremental builds of the
facade with 4 operations and with 224); not part of any test.
"""

import copy
import sys

import yaml


def main():
    copies = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    with open(__file__.rsplit("/", 1)[0] + "/spec/alpha.yaml", encoding="utf-8") as f:
        alpha = yaml.safe_load(f)
    bulk = copy.deepcopy(alpha)
    bulk["info"]["title"] = f"Bulk — {copies} copies of the corpus' Alpha"
    bulk["info"]["x-service"] = {
        "name": "Bulk",
        "endpoint": "https://bulk.{region}.example.com",
        "error-code-prefix": "BULK.",
    }
    bulk["tags"] = []
    bulk["paths"] = {}
    for n in range(copies):
        for tag in alpha["tags"]:
            bulk["tags"].append({"name": f"{tag['name']}{n}", "description": tag["description"]})
        for path, item in alpha["paths"].items():
            new_path = path.replace("/v1/{project_id}/", f"/v1/{{project_id}}/c{n}/")
            new_item = copy.deepcopy(item)
            for op in new_item.values():
                op["operationId"] = f"{op['operationId']}_{n}"
                if "x-official-name" in op:
                    op["x-official-name"] = f"{op['x-official-name']}{n}"
                op["tags"] = [f"{t}{n}" for t in op["tags"]]
            bulk["paths"][new_path] = new_item
    yaml.safe_dump(bulk, sys.stdout, allow_unicode=True, sort_keys=False)


if __name__ == "__main__":
    main()
