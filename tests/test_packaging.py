"""A wheel, installed (not editable) into a fresh virtual environment, works on its own.

The fresh environment gets no downloads: the wheel is installed with ``--no-deps`` and the
dependencies come from the main environment's site-packages through a ``.pth`` file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from rdflib import Graph

from kg.vocab import GEO, RELATIONS

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "seeds" / "000_46c7afd8f487e697.txt"
DATA_FILES = (
    "kg/ontology/geokg.ttl",
    "kg/ontology/lexicon/relations.tsv",
    "kg/ontology/gazetteer/countries.tsv",
    "kg/viz_assets/page.html",
    "kg/viz_assets/app.js",
)

pytestmark = pytest.mark.slow


def run(cmd: list[str | os.PathLike[str]], **kwargs) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(c) for c in cmd],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
        **kwargs,
    )
    assert proc.returncode == 0, f"{cmd} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc


def clean_env() -> dict[str, str]:
    """The environment without anything that would make the checkout importable."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONIOENCODING"] = "utf-8"
    env.pop("VIRTUAL_ENV", None)
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            out,
            REPO,
        ],
        env=clean_env(),
    )
    (path,) = out.glob("geokg-*.whl")
    return path


@pytest.fixture(scope="module")
def fresh_venv(wheel, tmp_path_factory) -> Path:
    """A new venv holding only the wheel; dependencies via a .pth to the main site-packages."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            wheel,
        ],
        env=clean_env(),
    )
    fresh_site = Path(
        run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
        ).stdout.strip()
    )
    assert fresh_site.is_relative_to(venv)
    main_site = sysconfig.get_paths()["purelib"]
    (fresh_site / "geokg_test_deps.pth").write_text(main_site + "\n")
    return venv


def test_wheel_carries_the_data_files(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    for name in DATA_FILES:
        assert name in names, f"{name} missing from {wheel.name}"
    assert "kg/cli.py" in names and "kg/paths.py" in names
    assert not any(n.startswith(("seeds/", "tests/")) for n in names)


def test_installed_kg_imports_from_the_fresh_venv(fresh_venv, tmp_path):
    proc = run(
        [
            fresh_venv / "bin" / "python",
            "-c",
            "import kg, kg.paths; print(kg.__file__); print(kg.paths.data_dir())",
        ],
        cwd=tmp_path,
        env=clean_env(),
    )
    module_file, data_dir = (Path(line) for line in proc.stdout.splitlines())
    venv = fresh_venv.resolve()
    assert module_file.resolve().is_relative_to(venv), module_file
    assert data_dir.resolve().is_relative_to(venv), data_dir
    assert not module_file.resolve().is_relative_to(REPO)
    assert (data_dir / "geokg.ttl").is_file()


def test_installed_kg_builds_a_graph_from_another_directory(fresh_venv, tmp_path):
    proc = run(
        [fresh_venv / "bin" / "kg", "build", SEED, "-o", "out.ttl"], cwd=tmp_path, env=clean_env()
    )
    assert "Traceback" not in proc.stderr
    out = tmp_path / "out.ttl"
    assert out.is_file()
    g = Graph().parse(out, format="turtle")
    relations = sum(1 for name in RELATIONS for _ in g.triples((None, GEO[name], None)))
    assert relations > 0
    assert "triples -> out.ttl" in proc.stdout


# Imported when installed, never needed: rdflib tries html5rdf for HTML literals.
OPTIONAL_IMPORTS = frozenset({"html5rdf"})


def _declared_closure(name: str) -> set[str]:
    """The distributions ``name`` requires, directly or not, without extras of dependencies.

    An installer may or may not resolve a dependency's extra (pip 23 does not match jusText's
    ``lxml[html_clean]`` to lxml 6's ``html-clean``), so only plain requirements count.
    """
    from importlib.metadata import PackageNotFoundError, distribution

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        key = canonicalize_name(current)
        if key in seen:
            continue
        seen.add(key)
        try:
            requires = distribution(current).requires or []
        except PackageNotFoundError:
            continue
        for text in requires:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


def test_an_html_build_imports_only_declared_distributions(tmp_path):
    """Every distribution a build of HTML and text inputs imports is in geokg's own closure of
    plain requirements: a fresh `pip install .` (any pip) brings all of it."""
    import json
    from importlib.metadata import packages_distributions

    from packaging.utils import canonicalize_name

    page = tmp_path / "page.html"
    paragraphs = "".join(f"<p>{p}</p>" for p in SEED.read_text().splitlines() if p.strip())
    page.write_text(f"<html><body><article>{paragraphs}</article></body></html>")
    script = (
        "import json, sys\n"
        "from kg.build import build\n"
        f"result = build([{str(page)!r}, {str(SEED)!r}])\n"
        "assert len(result.articles) == 2, result.problems\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    env = {**clean_env(), "PYTHONPATH": str(REPO)}
    modules = json.loads(run([sys.executable, "-c", script], env=env).stdout)
    owners = packages_distributions()
    imported = {canonicalize_name(d) for m in modules for d in owners.get(m, ())}
    assert "lxml-html-clean" in imported  # jusText's HTML cleaner: what the check is about
    missing = imported - _declared_closure("geokg") - {"geokg"} - OPTIONAL_IMPORTS
    assert not missing, f"imported but not required by geokg: {sorted(missing)}"
