"""CLI behaviour (SPEC §2.3, §2.5, §2.7): version, help, `shape -f json` keys, text output when
piped, and the installed console script run from another directory with the grammar it ships."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

import mcalc
from mcalc.cli import app

ROOT = Path(__file__).resolve().parent.parent
MCALC = Path(sys.executable).with_name("mcalc")
ANSI = re.compile(r"\x1b\[")
runner = CliRunner()


def invoke(*args: str, **kw):
    result = runner.invoke(app, list(args), **kw)
    assert "Traceback" not in result.output
    return result


def run_mcalc(*args: str, cwd="/tmp", env=None, input=None):
    return subprocess.run([str(MCALC), *args], capture_output=True, text=True, encoding="utf-8",
                          cwd=cwd, env=env, input=input, timeout=60)


# ---- version and help ---------------------------------------------------------------------------

@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version(flag):
    result = invoke(flag)
    assert result.exit_code == 0
    assert result.stdout.strip() == f"mcalc {mcalc.__version__}"
    assert re.fullmatch(r"\d+\.\d+\.\d+", mcalc.__version__)


COMMANDS = sorted(typer.main.get_command(app).commands)


def test_the_foundation_commands_exist():
    assert {"shape", "eval"} <= set(COMMANDS)


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_top_level_help(flag):
    result = invoke(flag)
    assert result.exit_code == 0
    assert "Usage:" in result.stdout
    for command in COMMANDS:
        assert command in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_command_help(command, flag):
    result = invoke(command, flag)
    assert result.exit_code == 0
    assert "Usage:" in result.stdout and command in result.stdout
    assert "EXPR" in result.stdout
    if command != "codegen":                # codegen prints a Python module, no formats
        assert "--format" in result.stdout


def test_no_arguments_shows_help():
    result = invoke()
    assert "Usage:" in result.output
    assert result.exit_code in (0, 2)


def test_help_of_eval_documents_values():
    text = invoke("eval", "--help").stdout
    for option in ("--at", "--at-file", "--dims", "--let"):
        assert option in text


# ---- shape -f json (SPEC §2.7) -------------------------------------------------------------------

SPEC_SHAPE_KEYS = {"input", "kind", "shape", "variables", "tree"}


def shape_json(*args: str) -> dict:
    result = invoke("shape", *args, "-f", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_shape_json_keys_exactly_as_spec():
    assert set(shape_json("W **x** + **b**")) == SPEC_SHAPE_KEYS


def test_shape_json_has_the_spec_keys():
    record = shape_json("W **x** + **b**")
    assert SPEC_SHAPE_KEYS <= set(record)
    assert record["input"] == "W **x** + **b**"
    assert record["kind"] == "vector"
    assert record["shape"] == ["m", "1"]
    assert record["variables"] == {
        "W": {"kind": "matrix", "shape": ["m", "n"]},
        "x": {"kind": "vector", "shape": ["n", "1"]},
        "b": {"kind": "vector", "shape": ["m", "1"]},
    }


def test_shape_json_scalar_has_empty_shape():
    record = shape_json("**x**^T A **x**")
    assert record["kind"] == "scalar" and record["shape"] == []
    assert record["variables"]["A"] == {"kind": "matrix", "shape": ["n", "n"]}


def test_shape_json_shapes_are_strings():
    record = shape_json("A **x** where A: 2×3")
    assert record["shape"] == ["2", "1"]
    assert record["variables"]["x"]["shape"] == ["3", "1"]

    def axes(node):
        yield node["shape"]
        for child in node.get("children", ()):
            yield from axes(child)

    assert all(isinstance(a, str) for shape in axes(record["tree"]) for a in shape)


def test_shape_json_tree_has_every_node_with_kind_shape_and_span():
    source = "W **x** + **b**"
    tree = shape_json(source)["tree"]
    assert tree["kind"] == "vector" and tree["shape"] == ["m", "1"]
    assert tree["text"] == source and tree["span"] == [0, len(source)]
    product, b = tree["children"]
    assert product["text"] == "W **x**" and product["shape"] == ["m", "1"]
    w, x = product["children"]
    assert (w["name"], w["kind"], w["shape"]) == ("W", "matrix", ["m", "n"])
    assert (x["name"], x["kind"], x["shape"]) == ("x", "vector", ["n", "1"])
    assert source[slice(*x["span"])] == "**x**"
    assert b["text"] == "**b**" and "children" not in b


def test_shape_json_keeps_unicode_input():
    source = "-cos(2π 𝐰ᵀ𝐰) + 𝐰ᵀ𝐰"
    result = invoke("shape", "-f", "json", "--", source)     # `--`: the input starts with `-`
    assert result.exit_code == 0, result.output
    assert source in result.stdout                     # not \u escapes
    assert json.loads(result.stdout)["input"] == source


def test_shape_jsonl_is_one_line():
    result = invoke("shape", "W **x** + **b**", "-f", "jsonl")
    assert result.exit_code == 0
    lines = result.stdout.strip().split("\n")
    assert len(lines) == 1
    assert json.loads(lines[0])["kind"] == "vector"


def test_shape_with_let():
    record = shape_json("W x", "--let", "W: 2×3", "--let", "x: 3")
    assert record["shape"] == ["2", "1"]


# ---- text output when piped --------------------------------------------------------------------

def test_text_is_the_default_when_not_a_terminal():
    result = invoke("shape", "W **x** + **b**")      # CliRunner's stdout is not a TTY
    assert result.exit_code == 0
    assert result.stdout == invoke("shape", "W **x** + **b**", "-f", "text").stdout
    first = result.stdout.splitlines()[0]
    assert first.startswith("W𝐱 + 𝐛") and "vector" in first and "m × 1" in first
    assert not ANSI.search(result.stdout)


def test_piped_console_script_prints_text():
    proc = run_mcalc("shape", "**x**^T A **x**")
    assert proc.returncode == 0
    assert not ANSI.search(proc.stdout)
    first = proc.stdout.splitlines()[0]
    assert first.startswith("𝐱ᵀA𝐱") and "scalar" in first


def test_ascii_text_output_is_input_notation():
    result = invoke("shape", "𝐱ᵀA𝐱", "--ascii")
    first = result.stdout.splitlines()[0]
    assert first.startswith("**x**^T A **x**")
    assert result.stdout.isascii() or first.isascii()


def test_latex_output():
    result = invoke("shape", "W **x** + **b**", "-f", "latex")
    assert result.exit_code == 0
    assert r"\mathbf{x}" in result.stdout and r"\mathbb{R}" in result.stdout


@pytest.mark.parametrize("how", ["flag", "env"])
def test_rich_without_colour(how):
    args = ["shape", "W **x** + **b**", "-f", "rich"] + (["--no-color"] if how == "flag" else [])
    env = {"NO_COLOR": "1"} if how == "env" else {}
    result = invoke(*args, env=env)
    assert result.exit_code == 0
    assert not ANSI.search(result.stdout)
    assert "vector" in result.stdout


def test_eval_text_when_piped():
    proc = run_mcalc("eval", "**x**^T A **x**", "--at", "x=[1,2]", "--at", "A=[[1,2],[3,4]]")
    assert proc.returncode == 0
    assert proc.stdout.strip() == "27"


# ---- the installed console script, run from elsewhere -----------------------------------------

def test_console_script_from_another_directory():
    proc = run_mcalc("shape", "W **x** + **b**", "-f", "json", cwd="/tmp")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["shape"] == ["m", "1"]


def test_console_script_version_from_another_directory(tmp_path):
    proc = run_mcalc("--version", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == f"mcalc {mcalc.__version__}"


def test_pyproject_ships_the_grammar_inside_the_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = config["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["force-include"]["grammar"] == "mcalc/grammar"
    assert config["project"]["scripts"]["mcalc"].startswith("mcalc.cli:")
    assert (ROOT / "grammar" / "mcalc.lark").is_file()


def test_package_in_wheel_layout_finds_its_grammar(tmp_path):
    """Lay the package out as the wheel does (mcalc/ with grammar/ force-included inside it), away
    from the source tree, and run the console entry point from /tmp."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "mcalc", site / "mcalc", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "grammar", site / "mcalc" / "grammar")
    code = ("import sys, mcalc, mcalc.parser as p; from mcalc.cli import run; "
            "print(p._grammar_path()); print(mcalc.__file__); sys.argv = ['mcalc'] + sys.argv[1:]; run()")
    env = {**os.environ, "PYTHONPATH": str(site)}
    proc = subprocess.run([sys.executable, "-c", code, "shape", "**x**^T A **x**", "-f", "json"],
                          capture_output=True, text=True, encoding="utf-8", cwd="/tmp", env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    grammar, package, output = proc.stdout.split("\n", 2)
    assert Path(grammar) == site / "mcalc" / "grammar" / "mcalc.lark"
    assert Path(package).parent == site / "mcalc"
    assert json.loads(output)["kind"] == "scalar"


def test_built_wheel_contains_the_grammar(tmp_path):
    pytest.importorskip("hatchling", reason="building the wheel needs hatchling")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=120)
    import zipfile
    (wheel,) = tmp_path.glob("mcalc-*.whl")
    assert "mcalc/grammar/mcalc.lark" in zipfile.ZipFile(wheel).namelist()


def test_exit_status_zero_on_success():
    assert run_mcalc("shape", "x").returncode == 0
    assert run_mcalc("eval", "x", "--at", "x=1").returncode == 0
