"""The import rules of DESIGN.md: one direction, and heavy libraries only where needed."""

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _imported_modules(folder: str) -> set[str]:
    names = set()
    for path in (REPO / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def test_the_library_never_imports_training():
    assert "training" not in _imported_modules("georeasoner")


def test_the_plugin_never_imports_the_library_or_torch():
    assert not {"georeasoner", "torch", "transformers", "open_clip"} & _imported_modules("qgis_plugin")


def test_the_cli_client_and_geography_start_without_torch():
    code = (
        "import sys\n"
        "from georeasoner import cli\n"
        "cli.build_parser()\n"
        "import georeasoner.geo.geocode, georeasoner.layers, georeasoner.evaluation, georeasoner.jobs\n"
        "import georeasoner.celery_backend\n"
        "print(sorted({'torch', 'transformers', 'open_clip', 'peft'} & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
