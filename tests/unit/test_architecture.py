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
