"""The layers between the apps and the absence of import cycles, as `make lint`
checks them: the suite fails on a forbidden import too."""

import importlib.machinery
import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _cycle_check():
    loader = importlib.machinery.SourceFileLoader(
        "check_import_cycles", str(ROOT / "bin" / "check-import-cycles")
    )
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


check = _cycle_check()


def _lint_imports(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - the project's own tool, fixed arguments
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_apps_import_only_the_layers_below_them():
    result = _lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_layers_contract_refuses_an_upward_import_it_does_not_sanction(tmp_path):
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]
    (contract,) = settings["importlinter"]["contracts"]
    # Without the sanctioned exceptions, domain code announcing an event through
    # collaboration.events is an upward import like any other.
    config = tmp_path / "layers.toml"
    config.write_text(
        "[tool.importlinter]\n"
        f"root_packages = {settings['importlinter']['root_packages']!r}\n"
        "[[tool.importlinter.contracts]]\n"
        'id = "layers"\n'
        'name = "Layers without exceptions"\n'
        'type = "layers"\n'
        f"layers = {contract['layers']!r}\n"
    )
    result = _lint_imports(str(config))
    assert result.returncode == 1
    assert "backlog is not allowed to import collaboration" in result.stdout
    assert "-> collaboration.events" in result.stdout


def test_no_module_imports_itself_through_others():
    graph = check.import_graph()
    assert check.import_cycles(check.direct_imports(graph)) == []


def test_import_graph_counts_imports_inside_functions():
    # cromaturity.apps imports its models inside ready().
    graph = check.import_graph()
    assert "cromaturity.models" in check.direct_imports(graph)["cromaturity.apps"]


@pytest.mark.parametrize(
    ("imports", "cycles"),
    [
        ({"a": ["b"], "b": ["c"], "c": []}, []),
        ({"a": ["b"], "b": ["a"]}, [["a", "b"]]),
        ({"a": ["a"]}, [["a"]]),
        ({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}, [["a", "b", "c"]]),
        (
            {"a": ["b"], "b": ["a"], "c": ["d"], "d": ["c", "a"]},
            [["a", "b"], ["c", "d"]],
        ),
        ({"x.views": ["x.models"], "x.models": ["y.models"], "y.models": []}, []),
    ],
)
def test_import_cycles_finds_each_group_of_modules_that_import_one_another(
    imports, cycles
):
    assert check.import_cycles(imports) == cycles


def test_import_cycles_survive_a_chain_deeper_than_the_recursion_limit():
    depth = sys.getrecursionlimit() + 100
    imports = {f"m{n}": [f"m{n + 1}"] for n in range(depth)}
    imports[f"m{depth}"] = ["m0"]
    (group,) = check.import_cycles(imports)
    assert len(group) == depth + 1


def test_loop_through_names_the_shortest_chain_back_to_the_first_module():
    imports = {"a": ["b", "c"], "b": ["d"], "c": ["a"], "d": ["a"]}
    assert check.loop_through(imports, ["a", "b", "c", "d"]) == ["a", "c", "a"]


def test_cycle_check_fails_and_names_the_modules(monkeypatch, capsys):
    class Graph:
        modules = {"shop.orders", "shop.payments"}

        def find_modules_directly_imported_by(self, module):
            return {"shop.orders": {"shop.payments"}}.get(module, {"shop.orders"})

        def get_import_details(self, *, importer, imported):
            return [{"line_number": 3}]

    monkeypatch.setattr(check, "import_graph", Graph)
    assert check.main() == 1
    assert capsys.readouterr().out.splitlines() == [
        "Import cycle among 2 modules: shop.orders, shop.payments",
        "    shop.orders -> shop.payments (l.3)",
        "    shop.payments -> shop.orders (l.3)",
        "1 import cycle(s).",
    ]
