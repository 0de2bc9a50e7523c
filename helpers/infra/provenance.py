"""What made an artifact (its ``fingerprint``: inputs, seed, parameters, code version) and the SHA-256 of its files,
recorded beside it (``<name>.provenance.json``) and checked before it is reused."""

from __future__ import annotations

import ast
import hashlib
import importlib
import inspect
import json
import os
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from helpers.infra import storage

DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def file_sha256(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def files_fingerprint(files: Sequence[Path]) -> dict[str, Any]:
    """Names and contents of the input files, as a count and one combined hash (order-independent)."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        digest.update(f"{path.name}\0{file_sha256(path)}\n".encode())
    return {"count": len(files), "sha256": digest.hexdigest()}


def code_version(*modules: ModuleType) -> str:
    """A short hash of the source code of ``modules``: any edit to them makes a new version."""
    digest = hashlib.sha256()
    for module in sorted(modules, key=lambda m: m.__name__):
        digest.update(module.__name__.encode() + b"\0" + inspect.getsource(module).encode() + b"\0")
    return digest.hexdigest()[:16]


def reachable_code_version(*roots: Callable[..., Any] | tuple[str, str], skip: Sequence[str] = ()) -> str:
    """A short hash of the syntax (no comments, docstrings or layout) of the code ``roots`` reach.

    Unlike ``code_version`` it ignores what the roots never reach: deleting unused code or moving a function keeps
    the version, an edit to what runs makes a new one.
    """
    digest = hashlib.sha256()
    for syntax in sorted(syntax for _, syntax in _reachable(roots, tuple(skip)).values()):
        digest.update(syntax.encode() + b"\0")
    return digest.hexdigest()[:16]


def reachable_definitions(*roots: Callable[..., Any] | tuple[str, str], skip: Sequence[str] = ()
                          ) -> dict[tuple[str, str], str]:
    """(module, name) -> source of every top-level definition of ``helpers`` that ``roots`` (functions or
    (module, name) pairs) reach by name, through the modules except those starting with one in ``skip``."""
    return {key: source for key, (source, _) in _reachable(roots, tuple(skip)).items()}


def _reachable(roots: Sequence[Any], skip: tuple[str, ...]) -> dict[tuple[str, str], tuple[str, str]]:
    todo = [root if isinstance(root, tuple) else (root.__module__, root.__name__) for root in roots]
    found: dict[tuple[str, str], tuple[str, str]] = {}
    while todo:
        module, name = todo.pop()
        if (module, name) in found or module.startswith(skip) or not module.startswith("helpers."):
            continue
        definitions, aliases = _index(module)
        if name not in definitions:
            continue
        source, node, syntax = definitions[name]
        found[module, name] = (source, syntax)
        for ref in ast.walk(node):
            if isinstance(ref, ast.Name) and ref.id in definitions:
                todo.append((module, ref.id))
            elif isinstance(ref, ast.Name) and ref.id in aliases and aliases[ref.id][1]:
                todo.append(aliases[ref.id])  # from helpers.x import y
            elif (isinstance(ref, ast.Attribute) and isinstance(ref.value, ast.Name) and ref.value.id in aliases
                  and not aliases[ref.value.id][1]):
                todo.append((aliases[ref.value.id][0], ref.attr))  # from helpers import x; x.y
    return found


@cache
def _index(module_name: str) -> tuple[dict[str, tuple[str, ast.AST, str]], dict[str, tuple[str, str]]]:
    """A module's top-level definitions (name -> source, node, syntax without docstrings) and the helpers names its
    imports bind anywhere (alias -> (module, attribute), the attribute empty for a module)."""
    source = inspect.getsource(importlib.import_module(module_name))
    tree, definitions, aliases = ast.parse(source), {}, {}
    for node in tree.body:
        targets = ([node.name] if isinstance(node, DEFINITIONS) else
                   [t.id for t in node.targets if isinstance(t, ast.Name)] if isinstance(node, ast.Assign) else
                   [node.target.id] if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) else [])
        for name in targets:
            definitions[name] = (ast.get_source_segment(source, node), node, _syntax(node))
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
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


def sidecar_path(artifact: str | os.PathLike) -> Path:
    """``photos.npz`` -> ``photos.provenance.json``."""
    return Path(artifact).with_suffix(".provenance.json")


def forget(artifact: str | os.PathLike) -> None:
    """Remove an artifact's record before its files are rewritten: a crash then leaves no stale record."""
    sidecar_path(artifact).unlink(missing_ok=True)


def record(artifact_files: Sequence[Path], fingerprint: dict[str, Any]) -> Path:
    """Write the record of ``artifact_files`` (the first one names the sidecar) after they were written."""
    payload = {"format": 1, "fingerprint": _normalised(fingerprint),
               "files": {Path(p).name: file_sha256(p) for p in artifact_files}}
    return storage.save_json(sidecar_path(artifact_files[0]), payload)


def stale_reason(artifact_files: Sequence[Path], fingerprint: dict[str, Any]) -> str | None:
    """Why the artifact cannot be reused for ``fingerprint``, in words (``None`` when it can)."""
    if missing := [p.name for p in artifact_files if not Path(p).is_file()]:
        return f"{', '.join(missing)} missing"
    sidecar = sidecar_path(artifact_files[0])
    if not sidecar.is_file():
        return f"it has no provenance record ({sidecar.name}), so what made it is unknown"
    try:
        saved = storage.load_json(sidecar)
        recorded, wanted, hashes = _flat(saved["fingerprint"]), _flat(_normalised(fingerprint)), saved["files"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        return f"its provenance record {sidecar.name} is unreadable ({type(err).__name__})"
    keys = sorted(key for key in recorded.keys() | wanted.keys() if recorded.get(key) != wanted.get(key))
    if keys:
        return "it was made from " + "; ".join(_difference(key, recorded.get(key), wanted.get(key)) for key in keys)
    changed = [Path(p).name for p in artifact_files if hashes.get(Path(p).name) != file_sha256(p)]
    return f"{changed[0]} changed after it was recorded" if changed else None


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"photos": {"count": 3}}`` -> ``{"photos.count": 3}``."""
    if not isinstance(value, dict):
        return {prefix: value}
    return {key: inner for name, item in value.items()
            for key, inner in _flat(item, f"{prefix}.{name}" if prefix else name).items()}


def _difference(key: str, recorded: Any, wanted: Any) -> str:
    if key.endswith("photos.sha256"):
        return f"other photo files ({key} differs)"
    if key.endswith("code"):
        return f"another version of the code ({key} differs)"
    return f"{key} = {recorded!r} (now {wanted!r})"


def _normalised(value: Any) -> Any:
    """A JSON round trip: tuples become lists, numpy scalars plain numbers, so records compare equal."""
    return json.loads(json.dumps(value, sort_keys=True, default=storage.json_default))
