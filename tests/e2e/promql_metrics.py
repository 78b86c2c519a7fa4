#!/usr/bin/env python3
"""Checks that every metric the shipped Grafana dashboard and Prometheus rules
query is one refguardd exports (or Prometheus' own `up`).

usage: promql_metrics.py METRICS_TEXT DASHBOARD_JSON RULES_YML
METRICS_TEXT is the daemon's real /metrics output. Exits 1 naming each
unknown metric and the query that uses it.
"""
import json
import re
import sys

import yaml

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
            "offset", "inf", "nan"}


def exported_names(text):
    names = {"up"}  # set by Prometheus for every scrape target
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            names.add(name)
            if kind == "histogram":
                names.update({name + "_bucket", name + "_sum", name + "_count"})
    return names


def metric_names(expr):
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)          # strings
    expr = re.sub(r"\{[^}]*\}", "", expr)                      # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)                     # ranges
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", expr):
        word = match.group(0)
        following = expr[match.end():].lstrip()
        if word.lower() in KEYWORDS or following.startswith("("):
            continue
        if match.start() > 0 and (expr[match.start() - 1].isdigit() or expr[match.start() - 1] in "$."):
            continue  # 1e3, $__range leftovers
        names.add(word)
    return names


def dashboard_exprs(path):
    exprs = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "expr" and isinstance(value, str):
                    exprs.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.load(open(path)))
    return exprs


def rules_exprs(path):
    doc = yaml.safe_load(open(path))
    return [rule["expr"] for group in doc["groups"] for rule in group["rules"]]


def main():
    exported = exported_names(open(sys.argv[1]).read())
    problems = []
    checked = 0
    for source, exprs in ((sys.argv[2], dashboard_exprs(sys.argv[2])), (sys.argv[3], rules_exprs(sys.argv[3]))):
        if not exprs:
            problems.append(f"{source}: no queries found")
        for expr in exprs:
            for name in metric_names(expr):
                checked += 1
                if name not in exported:
                    problems.append(f"{source}: '{name}' is not exported by refguardd (query: {expr})")
    for problem in problems:
        print(problem)
    if not problems:
        print(f"all {checked} metric references are exported")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
