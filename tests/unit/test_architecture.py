"""Data flows one way: lm_core computes -> viz draws -> pages arrange (DESIGN.md)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [("lm_core", {"streamlit", "plotly", "ui", "viz", "pages"}), ("viz", {"streamlit", "ui", "pages"})],
)
def test_layers_do_not_import_upwards(folder, forbidden):
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & forbidden)
        for path in (ROOT / folder).rglob("*.py")
        if imported_modules(path) & forbidden
    }
    assert not offenders, offenders


def test_pages_folder_holds_only_pages():
    for path in (ROOT / "pages").iterdir():
        assert path.suffix == ".py" or path.name == "__pycache__", path
        if path.suffix == ".py":
            assert path.name[0].isdigit(), f"{path.name}: pages are named N_Name.py"


def test_every_page_calls_setup_page_first():
    """The first top-level statement that touches Streamlit is ``setup_page(...)``."""
    for path in [ROOT / "app.py", *(ROOT / "pages").glob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
                continue
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                continue  # the module docstring
            source = ast.unparse(node)
            if "st." in source or "setup_page(" in source:
                assert "setup_page(" in source, f"{path.name}: {source[:80]!r} runs before setup_page()"
                break
        else:
            raise AssertionError(f"{path.name} never calls setup_page()")


# Inside lm_core, each sub-package may import only those below it (DESIGN.md, "The house"):
# core <- data <- tokenizers <- embeddings / models <- decoding <- train <- analysis
# (a training run samples text at its checkpoints, so train may use decoding).
LM_CORE_LAYERS = {
    "core": set(),
    "data": {"core"},
    "tokenizers": {"core", "data"},
    "embeddings": {"core", "data", "tokenizers"},
    "models": {"core", "data", "tokenizers"},
    "train": {"core", "data", "tokenizers", "embeddings", "models", "decoding"},
    "decoding": {"core", "data", "tokenizers", "embeddings", "models"},
    "analysis": {"core", "data", "tokenizers", "embeddings", "models", "train", "decoding"},
}


def lm_core_subpackages_imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        modules = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module] if node.module != "lm_core" else [f"lm_core.{a.name}" for a in node.names]
        for module in modules:
            parts = module.split(".")
            if parts[0] == "lm_core" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_lm_core_is_one_level_of_subpackages_with_a_purpose():
    root = ROOT / "lm_core"
    loose = sorted(p.name for p in root.glob("*.py") if p.name != "__init__.py")
    assert not loose, f"modules outside a sub-package: {loose}"
    packages = {p.name for p in root.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert packages == set(LM_CORE_LAYERS), packages
    for name in packages:
        init = ast.parse((root / name / "__init__.py").read_text(encoding="utf-8"))
        assert ast.get_docstring(init), f"lm_core/{name}/__init__.py needs a one-line purpose"


@pytest.mark.parametrize("package", sorted(LM_CORE_LAYERS))
def test_lm_core_imports_point_down(package):
    allowed = LM_CORE_LAYERS[package] | {package}
    offenders = {
        str(path.relative_to(ROOT)): sorted(lm_core_subpackages_imported(path) - allowed)
        for path in (ROOT / "lm_core" / package).rglob("*.py")
        if lm_core_subpackages_imported(path) - allowed
    }
    assert not offenders, offenders
