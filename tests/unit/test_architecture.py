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
# core <- data <- tokenizers <- embeddings / models <- decoding <- train <- analysis <- serve
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
    # the OpenAI-compatible endpoint (chapter 9): on top of everything, nothing imports it
    "serve": {"core", "data", "tokenizers", "embeddings", "models", "train", "decoding", "analysis"},
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


# --- One of everything (issue 19): one escaping module, one loader per model, thin pages -----

STREAMLIT_SIDE = ["app.py", "pages", "ui", "viz"]


def python_files(*names: str) -> list[Path]:
    files = []
    for name in names:
        path = ROOT / name
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return files


def calls_html_escape(path: Path) -> bool:
    """``html.escape(...)`` or ``escape`` imported from ``html`` (docstrings may name it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "html" and any(a.name == "escape" for a in node.names):
            return True
        if (isinstance(node, ast.Attribute) and node.attr == "escape" and isinstance(node.value, ast.Name)
                and node.value.id == "html"):
            return True
    return False


@pytest.mark.parametrize("folder", [
    "app.py", "ui", "viz", "pages",
])
def test_html_escape_only_in_the_escaping_module(folder):
    """Learner text is escaped by viz/text.py (for_html, for_markdown, for_plotly, visible) only."""
    offenders = [str(p.relative_to(ROOT)) for p in python_files(folder)
                 if p != ROOT / "viz" / "text.py" and calls_html_escape(p)]
    assert not offenders, f"call viz.text.for_html instead of html.escape in {offenders}"


def test_transformers_only_through_its_lock():
    """transformers' lazy namespace fails two threads importing from it at once (lm_core/core/hf.py):
    every product module reaches it through ``transformers_held``, none imports it itself."""
    offenders = [str(p.relative_to(ROOT)) for name in ("app.py", "lm_core", "ui", "viz", "pages")
                 for p in python_files(name)
                 if p != ROOT / "lm_core" / "core" / "hf.py" and "transformers" in imported_modules(p)]
    assert not offenders, f"use lm_core.core.hf.transformers_held in {offenders}"


def defines_cache_resource(path: Path) -> bool:
    """A ``@st.cache_resource`` (with or without arguments) anywhere in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "cache_resource":
            return True
    return False


def test_no_page_defines_a_cached_model_loader():
    """Shipped models come from ui/models.py, one cached loader each, shared by every page
    (a loader in a page loads the same model again per page)."""
    offenders = [str(p.relative_to(ROOT)) for p in python_files("pages", "ui/chapters") if defines_cache_resource(p)]
    assert not offenders, f"get models from ui.models instead: {offenders}"


def unbounded_caches(path: Path) -> list[str]:
    """Functions under ``functools.cache`` or ``lru_cache(maxsize=None)``: caches without a bound."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            unbounded = name == "cache" or (
                name == "lru_cache" and isinstance(decorator, ast.Call)
                and any(k.arg == "maxsize" and isinstance(k.value, ast.Constant) and k.value.value is None
                        for k in decorator.keywords))
            if unbounded:
                where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
                found.append(f"{where}:{node.lineno} {node.name}")
    return found


def test_every_cache_has_a_bound():
    """Issue 20: memory bounded by design. A value kept once per process says how many it keeps
    (``lm_core.core.once.once(maxsize)``, which also makes a class arriving together wait for one
    computation, or ``lru_cache(maxsize=...)``)."""
    offenders = [name for p in python_files("lm_core", "ui", "viz", "pages") for name in unbounded_caches(p)]
    assert not offenders, f"give these caches a bound: {offenders}"


def test_an_unbounded_cache_is_found(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import functools\n@functools.cache\ndef a(x): return x\n"
                     "@functools.lru_cache(maxsize=None)\ndef b(x): return x\n"
                     "@functools.lru_cache(maxsize=8)\ndef c(x): return x\n", encoding="utf-8")
    assert [name.split()[-1] for name in unbounded_caches(probe)] == ["a", "b"]


def test_pages_do_not_import_torch():
    offenders = [str(p.relative_to(ROOT)) for p in python_files("pages") if "torch" in imported_modules(p)]
    assert not offenders, f"engine work belongs in lm_core: {offenders}"


def page_lines() -> dict[str, int]:
    return {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in sorted((ROOT / "pages").glob("*.py"))}


def test_every_page_is_short():
    """A page is widgets, layout and calls: when a chapter grows, its sections move to ui/chapters/."""
    long_pages = {name: lines for name, lines in page_lines().items() if lines >= 300}
    assert not long_pages, f"pages of 300 lines or more: {long_pages}"


def test_all_pages_together_are_short():
    assert sum(page_lines().values()) < 2000, page_lines()


# --- ARCHITECTURE.md is kept true -------------------------------------------------------------

IGNORED_TOP_LEVEL = {"node_modules", "artifacts", "__pycache__"}


def architecture_folders() -> dict[str, set[str]]:
    """The folders drawn in ARCHITECTURE.md's picture (its first fenced block): each
    top-level ``name/`` at the start of a line, with the ``name/`` lines indented by two
    spaces under it (lm_core's sub-packages, ui's chapters...)."""
    import re

    picture = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8").split("```")[1]
    folders: dict[str, set[str]] = {}
    current = None
    for line in picture.splitlines():
        top = re.match(r"([A-Za-z_][\w.-]*)(/?)", line)
        if top:
            current = top.group(1) if top.group(2) else None
            if current:
                folders[current] = set()
        elif current and (child := re.match(r" {2}([a-z_]\w*)/", line)):
            folders[current].add(child.group(1))
    return folders


def test_architecture_names_every_top_level_folder_and_no_other():
    named = set(architecture_folders())
    present = {p.name for p in ROOT.iterdir()
               if p.is_dir() and not p.name.startswith(".") and p.name not in IGNORED_TOP_LEVEL}
    assert named == present, f"only in ARCHITECTURE.md: {named - present}; only on disk: {present - named}"


def test_architecture_names_every_lm_core_subpackage_and_no_other():
    assert architecture_folders()["lm_core"] == set(LM_CORE_LAYERS)
