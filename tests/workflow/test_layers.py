"""Arrows run one way: a library package imports only from packages below it."""

from __future__ import annotations

import ast
import subprocess
import sys

from conftest import ROOT

LIB = ROOT / "workflow" / "scripts" / "chromcnn"
# lowest first; a package may import itself and anything earlier in this list
LAYERS = ["errors", "io", "models", "config", "data", "inference", "evaluation", "training", "interpret", "report"]
SCRIPT_ONLY = {"runner"}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "chromcnn" else ""


def _imports(path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module if node.module != "chromcnn" else f"chromcnn.{node.names[0].name}")
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m.startswith("chromcnn")}


def test_every_import_points_down():
    wrong = []
    for path in sorted(LIB.rglob("*.py")):
        rel = path.relative_to(LIB)
        own = rel.parts[0].removesuffix(".py") if rel.parts[0] != "__init__.py" else ""
        if not own:
            continue
        for module in _imports(path):
            target = _package(module)
            if target in SCRIPT_ONLY:
                wrong.append(f"{rel} imports {module} (scripts only)")
            elif target == own or target == "" or own in SCRIPT_ONLY:
                continue
            elif target not in LAYERS or own not in LAYERS or LAYERS.index(target) > LAYERS.index(own):
                wrong.append(f"{rel} imports {module}")
    assert not wrong, "imports that run upwards:\n" + "\n".join(wrong)


def test_no_module_over_400_lines():
    long = [f"{p.relative_to(LIB)}: {n}" for p in LIB.rglob("*.py") if (n := len(p.read_text().splitlines())) > 400]
    assert not long, long


def test_parsing_the_snakefile_does_not_import_the_trainer():
    """What common.smk imports at parse time stays light: no trainer, h5py or pandas."""
    code = (
        "import sys; sys.path.insert(0, 'workflow/scripts');"
        "import chromcnn.config.schema, chromcnn.config.training, chromcnn.config.stages, chromcnn.io.sniff,"
        " chromcnn.io.provenance, chromcnn.interpret.methods, chromcnn.interpret.motifs;"
        "bad = [m for m in ('chromcnn.training', 'h5py', 'pandas') if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def _code_lines(node: ast.AST, source: list[str]) -> int:
    """Lines of code in a function: no blank lines, comments or docstring."""
    doc = ast.get_docstring(node, clean=False)
    lines = source[node.lineno - 1 : node.end_lineno]
    count = sum(1 for line in lines if line.strip() and not line.strip().startswith("#"))
    return count - (len(doc.splitlines()) if doc else 0)


def test_no_function_over_60_lines_of_code():
    long = []
    for path in sorted(LIB.rglob("*.py")):
        source = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(source))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _code_lines(node, source) > 60:
                long.append(f"{path.relative_to(LIB)}:{node.lineno} {node.name} ({_code_lines(node, source)})")
    assert not long, long
