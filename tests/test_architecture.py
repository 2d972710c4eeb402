"""
The layers DESIGN.md draws, as import-linter contracts (pyproject.toml): portal wires
everything and nothing imports it; an app imports only the layers below it; core and
audit are leaves; a service never imports its app's tasks. Imports inside functions count too.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def lint_imports(tree: Path = ROOT) -> subprocess.CompletedProcess:
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if command is None:
        pytest.fail("import-linter is not installed: make install-dev")
    return subprocess.run(
        [command, "--no-cache"], cwd=tree, capture_output=True, text=True, check=False
    )


def tree_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "tree"
    skipped = shutil.ignore_patterns(".*", "var", "staticfiles", "node_modules", "*.pyc")
    shutil.copytree(ROOT, copy, ignore=skipped)
    return copy


def test_every_import_follows_the_layers_design_md_draws():
    result = lint_imports()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_leaf_importing_an_app_breaks_the_contracts(tmp_path):
    # The contracts are not vacuous: the same check on a copy where core imports an app fails.
    copy = tree_copy(tmp_path)
    (copy / "core" / "leak.py").write_text("from portal import settings  # noqa\n")

    result = lint_imports(copy)

    assert result.returncode != 0
    assert "core.leak -> portal" in result.stdout


def test_a_service_importing_its_tasks_breaks_the_contracts(tmp_path):
    # A service hands work to its tasks by name (core.tasks.enqueue_on_commit); an import
    # of the tasks from a service, even inside a function, is the cycle DESIGN.md forbids.
    copy = tree_copy(tmp_path)
    (copy / "notifications" / "services" / "leak.py").write_text(
        "def kick():\n    from notifications.tasks import notifications_kick  # noqa\n"
    )

    result = lint_imports(copy)

    assert result.returncode != 0
    assert "notifications.services.leak -> notifications.tasks" in result.stdout


def test_each_of_our_apps_runs_its_own_app_config():
    """
    Its ready() connects the app's signals and registers its audit actions. A second
    AppConfig in an app's apps.py makes Django fall back to a bare one, silently.
    """
    from django.apps import apps

    for label in ["accounts", "incidents", "support", "notifications", "audit", "portal"]:
        assert type(apps.get_app_config(label)).__module__ == f"{label}.apps", label


def test_make_test_runs_the_tests_of_every_app():
    """A folder of tests pytest is not told about is never run, and its failures go unseen."""
    import tomllib

    testpaths = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"][
            "testpaths"
        ]
    )
    with_tests = {path.parent.parent.name for path in ROOT.glob("*/tests/__init__.py")}

    assert with_tests - testpaths == set(), "add these apps to testpaths in pyproject.toml"
