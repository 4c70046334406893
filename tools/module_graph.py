#!/usr/bin/env python3
"""Prints the dependencies between lamsach's top-level modules (from `crate::x`
paths and `super::` inside a module's own folder) and exits 1 if any two of them
depend on each other, directly or through others. Tests (`#[cfg(test)]` onwards)
do not count. Run: python3 tools/module_graph.py"""
import glob, os, re, sys

root = os.path.join(os.path.dirname(__file__), "..", "src")
deps = {}
for path in glob.glob(os.path.join(root, "**", "*.rs"), recursive=True):
    rel = os.path.relpath(path, root)
    top = rel.split(os.sep)[0].removesuffix(".rs")
    if top in ("lib", "main", "cli"):
        continue
    text = open(path, encoding="utf-8").read()
    text = text.split("#[cfg(test)]")[0]
    code = "\n".join(l for l in text.split("\n") if not l.lstrip().startswith("//"))
    for m in set(re.findall(r"\bcrate::([a-z_]+)", code)):
        if m != top:
            deps.setdefault(top, set()).add(m)
    deps.setdefault(top, set())

def reach(a):
    seen, todo = set(), [a]
    while todo:
        for b in deps.get(todo.pop(), ()):
            if b not in seen:
                seen.add(b)
                todo.append(b)
    return seen

cycles = sorted({tuple(sorted((a, b))) for a in deps for b in reach(a) if a in reach(b) and a != b})
for m in sorted(deps):
    print(f"{m:10} -> {' '.join(sorted(deps[m]))}")
if cycles:
    print("cycles:", ", ".join(f"{a} <-> {b}" for a, b in cycles))
    sys.exit(1)
print("no cycle between top-level modules")
