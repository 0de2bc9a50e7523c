"""Fingerprints of what made a study: its input files and the version of its code."""

from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib
import inspect
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def files_fingerprint(files: Sequence[Path]) -> dict[str, Any]:
    """Names and contents of the input files, as a count and one combined hash (order-independent)."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        digest.update(f"{path.name}\0{hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    return {"count": len(files), "sha256": digest.hexdigest()}


def reachable_code_version(*roots: Callable[..., Any] | tuple[str, str], skip: Sequence[str] = ()) -> str:
    """A short hash of the syntax (no comments, docstrings, layout) of what ``reachable_definitions`` finds."""
    digest = hashlib.sha256()
    for syntax in sorted(map(_syntax, reachable_definitions(*roots, skip=skip).values())):
        digest.update(syntax.encode() + b"\0")
    return digest.hexdigest()[:16]


def reachable_definitions(*roots: Callable[..., Any] | tuple[str, str], skip: Sequence[str] = ()
                          ) -> dict[tuple[str, str], ast.AST]:
    """(module, name) -> syntax tree of each top-level ``helpers`` definition that ``roots`` reach, outside ``skip``."""
    todo = [root if isinstance(root, tuple) else (root.__module__, root.__name__) for root in roots]
    found: dict[tuple[str, str], ast.AST] = {}
    while todo:
        module, name = todo.pop()
        if (module, name) in found or module.startswith(tuple(skip)) or not module.startswith("helpers."):
            continue
        definitions, aliases = _index(module)
        if name not in definitions:
            continue
        found[module, name] = definitions[name]
        for ref in ast.walk(definitions[name]):
            if isinstance(ref, ast.Name) and ref.id in definitions:
                todo.append((module, ref.id))
            elif isinstance(ref, ast.Name) and ref.id in aliases and aliases[ref.id][1]:
                todo.append(aliases[ref.id])  # from helpers.x import y
            elif (isinstance(ref, ast.Attribute) and isinstance(ref.value, ast.Name) and ref.value.id in aliases
                  and not aliases[ref.value.id][1]):
                todo.append((aliases[ref.value.id][0], ref.attr))  # from helpers import x; x.y
    return found


@cache
def _index(module_name: str) -> tuple[dict[str, ast.AST], dict[str, tuple[str, str]]]:
    """A module's definitions (name -> syntax tree) and helpers imports (alias -> (module, attr or ""))."""
    tree, definitions, aliases = ast.parse(inspect.getsource(importlib.import_module(module_name))), {}, {}
    for node in tree.body:
        targets = ([node.name] if isinstance(node, DEFINITIONS) else
                   [t.id for t in node.targets if isinstance(t, ast.Name)] if isinstance(node, ast.Assign) else
                   [node.target.id] if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) else [])
        for name in targets:
            definitions[name] = node
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("helpers"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                aliases[alias.asname or alias.name] = (full, "") if _is_module(full) else (node.module, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("helpers.") and alias.asname:
                    aliases[alias.asname] = (alias.name, "")
    return definitions, aliases


def _syntax(node: ast.AST) -> str:
    """The syntax tree of a definition without its docstrings (nor, as in every syntax tree, comments and layout)."""
    node = ast.parse(ast.unparse(node)).body[0]  # a copy
    for inner in ast.walk(node):
        if isinstance(inner, DEFINITIONS) and ast.get_docstring(inner) is not None:
            inner.body = inner.body[1:] or [ast.Pass()]
    return ast.dump(node)


def _is_module(name: str) -> bool:
    with contextlib.suppress(ImportError):
        return bool(importlib.import_module(name))
    return False
