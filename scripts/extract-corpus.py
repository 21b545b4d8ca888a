"""Writes the AWS managed policies bundled in the PyPI `moto` package as one JSON file.

Usage: .venv/bin/python scripts/extract-corpus.py OUT.json
Output: {"PolicyName": {"arn": ..., "version": ..., "document": {...}}, ...} sorted by name.
The corpus is fetched at test time, never committed.
"""
import json
import sys

from moto.iam.aws_managed_policies import aws_managed_policies_data

data = json.loads(aws_managed_policies_data)
out = {
    name: {
        "path": entry.get("Path", "/"),
        "version": entry.get("DefaultVersionId"),
        "document": entry["Document"],
    }
    for name, entry in sorted(data.items())
}
with open(sys.argv[1], "w", encoding="utf-8") as f:
    json.dump(out, f, indent=1, sort_keys=False)
print(f"{len(out)} policies", file=sys.stderr)
