"""A parser for the seed document (the API reference of ``flytekit.bin.entrypoint``).

It reads ``../shared/seed/*.txt`` (markdown: a directory of classes, errors, functions and variables,
then one section per class with its constructor, methods and properties) into plain records, so tests
can compare a module against it name by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "seed"  # shared/ lies beside the checkout
MODULE = "flytekit.bin.entrypoint"


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "plain", "*args", "**kwargs", or "untyped" (the seed gives no type: any kind matches)


@dataclass
class Signature:
    name: str
    params: list[Param] = field(default_factory=list)


@dataclass
class ClassEntry:
    name: str
    kind: str  # "class" or "error"
    init: Signature | None = None
    methods: dict[str, Signature] = field(default_factory=dict)
    properties: list[str] = field(default_factory=list)


@dataclass
class Seed:
    classes: dict[str, ClassEntry]
    functions: dict[str, Signature]
    variables: list[str]

    @property
    def names(self) -> list[str]:
        return [*self.classes, *self.functions, *self.variables]


def seed_file() -> Path:
    files = sorted(SEED_DIR.glob("*.txt"))
    if not files:
        raise FileNotFoundError(f"no seed document in {SEED_DIR.resolve()}")
    return files[0]


_CODE = re.compile(r"```python\n(.*?)```", re.S)
_TABLE_ROW = re.compile(r"^\| `([^`]+)` \| (.*?) \|$", re.M)


def _params(block: str, table: str) -> list[Param]:
    """Parameter names from a ``def f(\n  a: T,\n  b,\n)`` block; ``*args``/``**kwargs`` from the table."""
    inner = block[block.index("(") + 1 : block.rindex(")")]
    variadic = {name: typ for name, typ in _TABLE_ROW.findall(table)}
    params = []
    for line in inner.splitlines():
        line = line.strip().rstrip(",")
        if not line:
            continue
        name = line.split(":", 1)[0].strip()
        kind_text = variadic.get(name, "").strip()
        kind = "**kwargs" if "**kwargs" in kind_text else "*args" if "*args" in kind_text else "plain"
        if not kind_text and ":" not in line:
            kind = "untyped"
        params.append(Param(name, kind))
    return params


def _signature_after(text: str, heading_end: int, name: str) -> Signature:
    m = _CODE.search(text, heading_end)
    if m is None:
        return Signature(name)
    block = m.group(1)
    table_end = text.find("\n#", m.end())
    table = text[m.end() : table_end if table_end != -1 else len(text)]
    return Signature(name, _params(block.split(")")[0] + ")", table))


def _directory(text: str, title: str) -> list[str]:
    start = text.index(f"### {title}\n")
    end = text.find("\n### ", start + 1)
    section = text[start : end if end != -1 else len(text)]
    return re.findall(r"^\| \[`([^`]+?)(?:\(\))?`\]", section, re.M)


def parse(path: Path | None = None) -> Seed:
    text = (path or seed_file()).read_text()
    class_names = _directory(text, "Classes")
    error_names = _directory(text, "Errors")
    function_names = _directory(text, "Methods")
    var_start = text.index("### Variables")
    var_end = text.index("\n## ", var_start)
    variables = re.findall(r"^\| `([^`]+)` \|", text[var_start:var_end], re.M)

    functions: dict[str, Signature] = {}
    fn_start = text.index("\n## Methods\n")
    fn_end = text.index(f"\n## {MODULE}.", fn_start)
    fn_text = text[fn_start:fn_end]
    for name in function_names:
        m = re.search(rf"^#### {re.escape(name)}\(\)\n", fn_text, re.M)
        assert m is not None, name
        functions[name] = _signature_after(fn_text, m.end(), name)

    classes: dict[str, ClassEntry] = {}
    sections = re.split(rf"\n## {re.escape(MODULE)}\.", text[fn_end:])[1:]
    for section in sections:
        name = section.split("\n", 1)[0].strip()
        entry = ClassEntry(name, "error" if name in error_names else "class")
        head_end = section.find("\n### ")
        head = section[: head_end if head_end != -1 else len(section)]
        m = re.search(rf"```python\nclass {re.escape(name)}\((.*?)\)\n```", head, re.S)
        if m is not None:
            block = f"({m.group(1)})"
            entry.init = Signature("__init__", _params(block, head[m.end() :]))
        methods_at = section.find("### Methods")
        if methods_at != -1:
            props_at = section.find("### Properties")
            methods_text = section[methods_at : props_at if props_at != -1 else len(section)]
            for mname in _directory(section[methods_at:], "Methods"):
                mm = re.search(rf"^#### {re.escape(mname)}\(\)\n", methods_text, re.M)
                assert mm is not None, (name, mname)
                entry.methods[mname] = _signature_after(methods_text, mm.end(), mname)
        props_at = section.find("### Properties")
        if props_at != -1:
            entry.properties = re.findall(r"^\| `([^`]+)` \|", section[props_at:], re.M)
        classes[name] = entry
    for name in [*class_names, *error_names]:
        classes.setdefault(name, ClassEntry(name, "error" if name in error_names else "class"))
    return Seed(classes, functions, variables)
