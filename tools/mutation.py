"""Mutation testing of theory/ and numerics/ against the fast test subset (issue 6).

Usage::

    python tools/mutation.py [--files theory/model.py ...] [--max-mutants N] [--seed S]
                             [--timeout SEC] [--jobs J] [--json out.json] [--list]
    python tools/mutation.py --only numerics/random_walk.py:225:36:const ...   # exactly these
    python tools/mutation.py --from-json out.json --survivors           # re-run survivors
    python tools/mutation.py --judge verify --max-mutants 60 --seed 9   # aesgd verify alone

Each mutant is one AST-level change of one source file:

``const``     a numeric constant c -> c + 1
``swap-add``  ``+`` <-> ``-``
``swap-mul``  ``*`` <-> ``/``
``pow-mul``   ``**`` -> ``*``
``cmp``       a comparison negated (< <-> >=, > <-> <=, == <-> !=)
``drop``      ``x + y`` / ``x - y`` -> ``x`` (a term dropped)
``neg``       unary minus removed

Docstrings, ``__all__`` and lines marked ``# pragma: no mutate`` are never mutated.  The
repository is **never touched**: theory/, numerics/, proofs_check/, benchmarks/, tests/,
pyproject.toml and the root conftest.py are copied into a temporary directory per worker,
the mutated file is written there (restored in ``try/finally``), and pytest runs there with
``cwd`` and ``PYTHONPATH`` set to the copy, bytecode caching off (so a stale ``.pyc`` can
never hide a mutant), ``-x`` and a per-mutant timeout.  Hypothesis runs the deterministic profile
``mutation`` (10 examples, derandomised, no database), registered by a small plugin
written into the copy.

The tests run for a mutant are the fast subset: the property suite, the theory core tests
(:data:`BASE_TESTS`), the doctests of the mutated module and the tests of that module (see
:data:`MODULE_TESTS`), all with ``-m "not slow"``.  Before any mutant, each needed subset
runs once unmutated and must pass; otherwise its mutants are reported as
``baseline-failed``.

``--judge verify`` judges each mutant by ``aesgd verify --quick`` alone (no pytest): a mutant
is killed iff verify exits with a non-zero code.  Its default sample is the mathematics:
the constant (+1) and operator (``+ -`` and ``* /`` swapped) mutants of theory/ and
numerics/, without the validation layer: the validation modules (:data:`VERIFY_EXCLUDED`:
domain, config), and the input checks inside the other modules (the arguments of a
validator call, an ``if`` that only raises: :func:`_validation_nodes`), nor the benchmarks
and the optional compiled kernel.

Outcomes: ``killed`` (pytest failed), ``survived`` (pytest passed), ``timeout``,
``invalid`` (the mutant does not compile).  The score is killed / (killed + survived +
timeout), timeouts counting as killed in ``score_with_timeouts``.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPY_ITEMS = ("theory", "numerics", "proofs_check", "benchmarks", "tests", "pyproject.toml",
              "conftest.py")
DEFAULT_GLOBS = ("theory/*.py", "numerics/*.py", "benchmarks/engine.py")
VERIFY_GLOBS = ("theory/*.py", "numerics/*.py")
VERIFY_EXCLUDED = frozenset({"theory/domain.py", "numerics/config.py",
                             "numerics/_kernel_numba.py", "numerics/_formulas_gen.py"})
"""Outside the sample of ``--judge verify``: the validation layer, the compiled kernel (the
checks run the NumPy kernel, the reference; tests tie the two bit for bit) and the generator
of numerics/_formulas_generated.py (not run by verify; a test keeps its output current)."""
VERIFY_KINDS = ("const", "swap-add", "swap-mul")
VERIFY_COMMAND = ("-m", "proofs_check.cli", "verify", "--quick", "--no-progress")
_T, _N = "tests/theory/", "tests/numerics/"
BASE_TESTS = (
    f"{_N}test_paper_claims_as_properties.py",
    # the theory core: loss, gradient, Hessian, stationary points, dynamics, bad input
    f"{_T}test_loss_gradients_hessian.py", f"{_T}test_stationary_points.py",
    f"{_T}test_hessian_trace_at_minima.py", f"{_T}test_gd_and_sgd_dynamics.py",
    f"{_T}test_domain_validators.py",
)
_CATALOGUE = (f"{_T}test_latex_export.py", "tests/cli/test_derive_command.py",
              f"{_N}test_formula_compiler.py")
_ENGINES = (f"{_N}test_engine_agreement.py", f"{_N}test_compiled_kernel.py",
            f"{_N}test_simulation_continuation.py")
_DRIVER = (f"{_N}test_sgd_driver.py", f"{_N}test_simulation_continuation.py")
MODULE_TESTS: dict[str, tuple[str, ...]] = {
    # SymPy layer exercised by BASE_TESTS (property and theory suites), plus:
    "theory/model.py": (),
    "theory/gradients.py": (),
    "theory/hessian.py": (f"{_N}test_compiled_formulas.py",),
    "theory/stationary.py": (),
    "theory/dynamics.py": (f"{_N}test_compiled_formulas.py",),
    "theory/symbols.py": (),
    "theory/compile.py": (f"{_N}test_formula_compiler.py", f"{_N}test_compiled_formulas.py"),
    "theory/domain.py": (f"{_N}test_run_configs.py",),
    "theory/conventions.py": (f"{_T}test_conventions.py",),
    "theory/lamperti.py": (f"{_T}test_lamperti_classification.py",),
    "theory/latex.py": _CATALOGUE,
    "theory/catalogue.py": _CATALOGUE,
    "theory/walk.py": (f"{_T}test_log_ratio_walk_laws.py", f"{_N}test_sgd_walk.py",
                       f"{_N}test_compiled_formulas.py"),
    "numerics/sgd.py": (*_DRIVER, *_ENGINES, f"{_N}test_sgd_limits.py"),
    "numerics/_engines.py": (*_ENGINES, *_DRIVER),
    "numerics/_kernel_numba.py": _ENGINES,
    "numerics/steps.py": (f"{_N}test_engine_agreement.py",
                          f"{_N}test_data_beyond_hypotheses.py"),
    "numerics/result.py": (*_DRIVER, f"{_N}test_hessian_estimators.py"),
    "numerics/config.py": (f"{_N}test_run_configs.py", *_DRIVER, f"{_N}test_compiled_kernel.py"),
    "numerics/compile.py": (f"{_N}test_formula_compiler.py", f"{_N}test_compiled_formulas.py",
                            f"{_N}test_random_walk.py"),
    "numerics/schedules.py": (f"{_N}test_batch_schedules.py", f"{_N}test_counter_streams.py",
                              *_DRIVER),
    "numerics/rng.py": (f"{_N}test_counter_streams.py", f"{_N}test_batch_schedules.py",
                        *_DRIVER),
    "numerics/formulas.py": (f"{_N}test_compiled_formulas.py", f"{_N}test_engine_agreement.py",
                             f"{_N}test_formulas_generated.py"),
    "numerics/_formulas_generated.py": (f"{_N}test_formulas_generated.py",
                                        f"{_N}test_compiled_formulas.py"),
    "numerics/_formulas_gen.py": (f"{_N}test_formulas_generated.py",),
    "numerics/_numpy_namespace.py": (f"{_N}test_formula_compiler.py",
                                     f"{_N}test_formulas_generated.py"),
    "numerics/metrics.py": (f"{_N}test_per_seed_metrics.py", f"{_N}test_hessian_estimators.py",
                            f"{_N}test_sgd_driver.py"),
    "numerics/hessian.py": (f"{_N}test_hessian_estimators.py",),
    "numerics/stats.py": (f"{_N}test_random_walk.py", f"{_N}test_sgd_walk.py"),
    "numerics/random_walk.py": (f"{_N}test_random_walk.py",),
    "numerics/sgd_walk.py": (f"{_N}test_sgd_walk.py",),
    "numerics/data.py": (f"{_N}test_data_beyond_hypotheses.py",),
    "benchmarks/engine.py": (f"{_N}test_benchmark_engine.py",
                             "tests/cli/test_simulate_command.py::test_bench_json_small"),
}
"""Test files run for a mutant of each module, besides BASE_TESTS and its doctests.  A
module missing here gets BASE_TESTS only (a warning is printed)."""
PLUGIN = '''"""Hypothesis profile for mutation runs (written by tools/mutation.py)."""
from hypothesis import HealthCheck, settings

settings.register_profile(
    "mutation", max_examples=10, derandomize=True, database=None, deadline=None,
    suppress_health_check=list(HealthCheck),
)
'''
PLUGIN_NAME = "_aesgd_mutation_profile"

_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
_CMP = {ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt,
        ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}


@dataclass(frozen=True)
class Mutant:
    file: str
    index: int  # position among the mutable sites of the file (AST walk order)
    kind: str
    line: int
    col: int
    original: str
    mutated: str
    validation: bool = False  # inside an input check (see _validation_nodes)

    @property
    def ident(self) -> str:
        return f"{self.file}:{self.line}:{self.col}:{self.kind}"


@dataclass
class Outcome:
    mutant: Mutant
    status: str
    seconds: float
    detail: str = ""


# ------------------------------------------------------------------------ mutation sites
def _excluded_nodes(tree: ast.Module) -> set[int]:
    """ids of nodes never mutated: docstrings and the ``__all__`` assignment."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.update(id(x) for x in ast.walk(body[0]))
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                out.update(id(x) for x in ast.walk(node))
    return out


VALIDATORS = frozenset({"integer", "real", "positive", "choice", "flag", "exact_number",
                        "validate_seed", "DomainError"})
"""The validators of theory/domain.py (and the error they raise), by name."""


def _call_name(node: ast.Call) -> str:
    f = node.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _validation_nodes(tree: ast.Module) -> set[int]:
    """ids of nodes of input checks, wherever they sit: the arguments of a validator call,
    and the test of an ``if`` whose body only raises.  Mutating them changes which inputs
    are refused, never a result computed from valid input, so ``--judge verify`` leaves
    them to the validation tests (the pytest judge still samples them)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _call_name(node) in VALIDATORS:
            out.update(id(x) for x in ast.walk(node))
        if (isinstance(node, ast.If) and node.body
                and all(isinstance(st, ast.Raise) for st in node.body)):
            out.update(id(x) for x in ast.walk(node.test))
            for st in node.body:
                out.update(id(x) for x in ast.walk(st))
    return out


def _site_kinds(node: ast.AST) -> list[str]:
    """The mutation kinds that apply to one node."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return ["const"]
    if isinstance(node, ast.BinOp):
        kinds = []
        if type(node.op) in (ast.Add, ast.Sub):
            kinds += ["swap-add", "drop"]
        elif type(node.op) in (ast.Mult, ast.Div):
            kinds.append("swap-mul")
        elif isinstance(node.op, ast.Pow):
            kinds.append("pow-mul")
        return kinds
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _CMP:
        return ["cmp"]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return ["neg"]
    return []


def _apply(node: ast.AST, kind: str) -> ast.AST:
    """The mutated replacement of ``node`` (a new node; ``node`` is not modified)."""
    new = copy.deepcopy(node)
    if kind == "const":
        assert isinstance(new, ast.Constant) and isinstance(new.value, int | float)
        new.value = new.value + 1
        return new
    if kind == "swap-add" or kind == "swap-mul":
        assert isinstance(new, ast.BinOp)
        new.op = _SWAP[type(new.op)]()
        return new
    if kind == "pow-mul":
        assert isinstance(new, ast.BinOp)
        new.op = ast.Mult()
        return new
    if kind == "drop":
        assert isinstance(new, ast.BinOp)
        return new.left
    if kind == "cmp":
        assert isinstance(new, ast.Compare)
        new.ops = [_CMP[type(new.ops[0])]()]
        return new
    if kind == "neg":
        assert isinstance(new, ast.UnaryOp)
        return new.operand
    raise ValueError(kind)


def _walk_sites(tree: ast.Module, source: str) -> Iterator[tuple[ast.AST, str]]:
    """(node, kind) for every mutable site of ``tree`` (parsed from ``source``), in walk
    order: the order that numbers the mutants of a file."""
    lines = source.splitlines()
    skip = _excluded_nodes(tree)
    for node in ast.walk(tree):
        if id(node) in skip or not hasattr(node, "lineno"):
            continue
        if "pragma: no mutate" in lines[node.lineno - 1]:
            continue
        for kind in _site_kinds(node):
            yield node, kind


def _sites(source: str) -> list[tuple[ast.AST, str]]:
    return list(_walk_sites(ast.parse(source), source))


def enumerate_mutants(rel: str, source: str) -> list[Mutant]:
    tree = ast.parse(source)
    checks = _validation_nodes(tree)
    out = []
    for idx, (node, kind) in enumerate(_walk_sites(tree, source)):
        out.append(Mutant(rel, idx, kind, node.lineno, node.col_offset,  # type: ignore[attr-defined]
                          ast.unparse(node), ast.unparse(_apply(node, kind)),
                          id(node) in checks))
    return out


def mutate_source(source: str, mutant: Mutant) -> str:
    """The whole file with one site replaced (re-generated by ``ast.unparse``)."""
    node, kind = _sites(source)[mutant.index]
    if kind != mutant.kind:
        raise RuntimeError(f"site {mutant.ident} moved")
    tree = _reparse_with_target(source, mutant, _apply(node, kind))
    return ast.unparse(ast.fix_missing_locations(tree))


def _reparse_with_target(source: str, mutant: Mutant, replacement: ast.AST) -> ast.AST:
    """A fresh tree in which the mutant's node is replaced (matched by walk position)."""
    tree = ast.parse(source)
    parents: dict[int, tuple[ast.AST, str, int | None]] = {}
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, ast.AST):
                        parents[id(item)] = (parent, field, i)
            elif isinstance(value, ast.AST):
                parents[id(value)] = (parent, field, None)
    for count, (node, kind) in enumerate(_walk_sites(tree, source)):
        if count == mutant.index:
            if kind != mutant.kind:
                raise RuntimeError(f"site {mutant.ident} moved")
            parent, field, pos = parents[id(node)]
            if pos is None:
                setattr(parent, field, replacement)
            else:
                getattr(parent, field)[pos] = replacement
            return tree
    raise RuntimeError(f"site {mutant.ident} not found")


# ---------------------------------------------------------------------------- running
class Workspace:
    """A private copy of the repository for one worker."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="aesgd-mut-"))
        for item in COPY_ITEMS:
            src = ROOT / item
            if src.is_dir():
                shutil.copytree(src, self.dir / item,
                                ignore=shutil.ignore_patterns("__pycache__", ".hypothesis"))
            elif src.exists():
                shutil.copy2(src, self.dir / item)
        (self.dir / f"{PLUGIN_NAME}.py").write_text(PLUGIN)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(self.dir)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["HYPOTHESIS_PROFILE"] = "mutation"
        env.pop("CI", None)
        return env

    def pytest(self, tests: list[str], timeout: float) -> tuple[str, float, str]:
        cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
               "-p", PLUGIN_NAME, "-m", "not slow", *tests]
        t0 = time.monotonic()
        try:
            proc = subprocess.run(cmd, cwd=self.dir, env=self.env(), capture_output=True,
                                  text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return "timeout", time.monotonic() - t0, ""
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
        # 0: all passed; 5: nothing collected (treated as survived: no test ran)
        status = "survived" if proc.returncode in (0, 5) else "killed"
        return status, time.monotonic() - t0, " | ".join(tail)

    def verify(self, timeout: float) -> tuple[str, float, str]:
        """``aesgd verify --quick`` in the copy: killed iff it exits non-zero."""
        t0 = time.monotonic()
        try:
            proc = subprocess.run([sys.executable, *VERIFY_COMMAND], cwd=self.dir,
                                  env=self.env(), capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            return "timeout", time.monotonic() - t0, ""
        lines = (proc.stdout + proc.stderr).strip().splitlines()
        failing = [ln.split()[0] for ln in lines if " FAIL " in ln or " UNDECIDED " in ln]
        detail = ("failing: " + " ".join(failing[:6])) if failing else " | ".join(lines[-2:])
        return ("survived" if proc.returncode == 0 else "killed"), time.monotonic() - t0, detail

    def run_mutant(self, mutant: Mutant, tests: list[str], timeout: float) -> Outcome:
        path = self.dir / mutant.file
        original = path.read_text()
        try:
            try:
                new = mutate_source(original, mutant)
                compile(new, str(path), "exec")
            except (SyntaxError, ValueError, RuntimeError) as err:
                return Outcome(mutant, "invalid", 0.0, str(err))
            path.write_text(new)
            if tests == ["verify"]:
                status, secs, detail = self.verify(timeout)
            else:
                status, secs, detail = self.pytest(tests, timeout)
            return Outcome(mutant, status, secs, detail)
        finally:
            path.write_text(original)

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def tests_for(rel: str, judge: str = "pytest") -> list[str]:
    """The tests judging a mutant of ``rel`` (``["verify"]``: aesgd verify --quick alone)."""
    if judge == "verify":
        return ["verify"]
    return [*BASE_TESTS, *MODULE_TESTS.get(rel, ()), rel]


def pragma_lines(files: list[str]) -> list[str]:
    """The ``# pragma: no mutate`` lines of ``files`` (counted and shown with every run)."""
    out = []
    for rel in files:
        for k, line in enumerate((ROOT / rel).read_text().splitlines(), 1):
            if "pragma: no mutate" in line:
                out.append(f"{rel}:{k}: {line.strip()}")
    return out


def select(everything: list[Mutant], only: list[str] | None, from_json: str | None,
           survivors: bool) -> list[Mutant]:
    """The mutants named by ``--only`` idents and/or the outcomes of a ``--json`` file.

    An ident (``file:line:col:kind``) may name two sites (nested ``a + b + c``: both
    BinOps start at the same column); ``--only`` then runs both, while JSON entries are
    matched on ``original`` too.  Unknown idents or entries are an error: the sources
    must be the ones the JSON was made from.
    """
    by_ident: dict[str, list[Mutant]] = {}
    for m in everything:
        by_ident.setdefault(m.ident, []).append(m)
    chosen: dict[tuple[str, int], Mutant] = {}
    missing: list[str] = []
    for ident in only or ():
        found = by_ident.get(ident, [])
        if not found:
            missing.append(ident)
        elif len(found) > 1:
            print(f"note: {ident} names {len(found)} sites; running all", flush=True)
        chosen.update(((m.file, m.index), m) for m in found)
    if from_json:
        for o in json.loads(Path(from_json).read_text())["outcomes"]:
            if survivors and o["status"] != "survived":
                continue
            ident = f"{o['file']}:{o['line']}:{o['col']}:{o['kind']}"
            found = [m for m in by_ident.get(ident, []) if m.original == o["original"]]
            if not found:
                missing.append(f"{ident} {o['original']!r}")
            chosen.update(((m.file, m.index), m) for m in found)
    if missing:
        raise SystemExit("mutants not found in the current sources: " + "; ".join(missing))
    return list(chosen.values())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", nargs="*", help="source files relative to the repo root")
    ap.add_argument("--max-mutants", type=int, default=200)
    ap.add_argument("--seed", type=int, default=6, help="seed of the deterministic sample")
    ap.add_argument("--timeout", type=float, default=240.0, help="seconds per mutant")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--json", help="write every outcome to this file")
    ap.add_argument("--list", action="store_true", help="list the sampled mutants and exit")
    ap.add_argument("--only", nargs="+", metavar="IDENT",
                    help="run exactly these mutants (idents as printed, file:line:col:kind); "
                         "no sampling")
    ap.add_argument("--from-json", metavar="FILE",
                    help="run exactly the mutants of a --json output file; no sampling")
    ap.add_argument("--survivors", action="store_true",
                    help="with --from-json: only its mutants that survived")
    ap.add_argument("--judge", choices=("pytest", "verify"), default="pytest",
                    help="what judges a mutant: the fast test subset (default) or "
                         "`aesgd verify --quick` alone")
    ap.add_argument("--kinds", default=None,
                    help="comma-separated mutant kinds to sample (default: all; with "
                         f"--judge verify: {','.join(VERIFY_KINDS)})")
    args = ap.parse_args(argv)
    judge = args.judge
    kinds = (args.kinds.split(",") if args.kinds else
             (list(VERIFY_KINDS) if judge == "verify" else None))
    if args.survivors and not args.from_json:
        ap.error("--survivors needs --from-json")

    if args.files:
        files = args.files
    elif args.only or args.from_json:
        idents = list(args.only or ())
        if args.from_json:
            idents += [f"{o['file']}:" for o in
                       json.loads(Path(args.from_json).read_text())["outcomes"]]
        files = sorted({i.split(":", 1)[0] for i in idents})
    else:
        globs = VERIFY_GLOBS if judge == "verify" else DEFAULT_GLOBS
        files = sorted(
            str(p.relative_to(ROOT)) for g in globs for p in ROOT.glob(g)
            if p.name != "__init__.py"
            and not (judge == "verify" and str(p.relative_to(ROOT)) in VERIFY_EXCLUDED)
        )
    for rel in files:
        if not (ROOT / rel).is_file():
            ap.error(f"no such source file: {rel}")
        if judge == "pytest" and rel not in MODULE_TESTS:
            print(f"warning: {rel} has no MODULE_TESTS entry (BASE_TESTS only)", flush=True)
    everything: list[Mutant] = []
    for rel in files:
        everything.extend(m for m in enumerate_mutants(rel, (ROOT / rel).read_text())
                          if (kinds is None or m.kind in kinds)
                          and not (judge == "verify" and m.validation))
    pragmas = pragma_lines(files)
    print(f"{len(pragmas)} lines carry '# pragma: no mutate' in these files", flush=True)
    for line in pragmas:
        print(f"  {line}", flush=True)
    if args.only or args.from_json:
        sample = select(everything, args.only, args.from_json, args.survivors)
    else:
        rng = random.Random(args.seed)
        sample = (everything if len(everything) <= args.max_mutants
                  else rng.sample(everything, args.max_mutants))
    sample.sort(key=lambda m: (m.file, m.index))
    print(f"{len(everything)} mutants in {len(files)} files; running {len(sample)}",
          flush=True)
    if args.list:
        for m in sample:
            print(f"{m.ident}: {m.original!r} -> {m.mutated!r}")
        return 0

    spaces = [Workspace() for _ in range(max(1, args.jobs))]
    outcomes: list[Outcome] = []
    try:
        groups = sorted({tuple(tests_for(m.file, judge)) for m in sample})
        baseline: dict[tuple[str, ...], tuple[str, float]] = {}
        def base(item: tuple[int, tuple[str, ...]]) -> None:
            k, g = item
            ws = spaces[k % len(spaces)]
            status, secs, detail = (ws.verify(args.timeout) if g == ("verify",)
                                    else ws.pytest(list(g), args.timeout))
            baseline[g] = (status, secs)
            print(f"baseline {' '.join(g)}: {'pass' if status == 'survived' else status} "
                  f"({secs:.0f}s) {detail if status != 'survived' else ''}", flush=True)

        with ThreadPoolExecutor(max_workers=len(spaces)) as pool:
            list(pool.map(base, enumerate(groups)))

        def work(item: tuple[int, Mutant]) -> Outcome:
            k, m = item
            ws = spaces[k % len(spaces)]
            g = tuple(tests_for(m.file, judge))
            if baseline[g][0] != "survived":
                return Outcome(m, "baseline-failed", 0.0)
            out = ws.run_mutant(m, list(g), args.timeout)
            print(f"[{k + 1}/{len(sample)}] {out.status:8s} {out.seconds:5.1f}s {m.ident} "
                  f"{m.original!r} -> {m.mutated!r}", flush=True)
            return out

        # one worker per workspace: items k, k + jobs, ... share a workspace
        with ThreadPoolExecutor(max_workers=len(spaces)) as pool:
            per_space = [[(k, m) for k, m in enumerate(sample) if k % len(spaces) == j]
                         for j in range(len(spaces))]
            results = pool.map(lambda items: [work(it) for it in items], per_space)
            for chunk in results:
                outcomes.extend(chunk)
    finally:
        for ws in spaces:
            ws.close()

    outcomes.sort(key=lambda o: (o.mutant.file, o.mutant.index))
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    killed, survived, tout = (counts.get(k, 0) for k in ("killed", "survived", "timeout"))
    judged = killed + survived + tout
    score = killed / judged if judged else float("nan")
    score_t = (killed + tout) / judged if judged else float("nan")
    print(f"\ncounts: {counts}")
    print(f"score (killed / judged): {score:.3f}; counting timeouts as killed: {score_t:.3f}")
    for o in outcomes:
        if o.status == "survived":
            m = o.mutant
            print(f"SURVIVED {m.ident}: {m.original!r} -> {m.mutated!r}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "command": " ".join([Path(sys.argv[0]).name, *(argv or sys.argv[1:])]),
            "judge": judge, "kinds": kinds, "pragmas": pragmas,
            "total_mutants": len(everything), "sampled": len(sample), "seed": args.seed,
            "counts": counts, "score": score, "score_with_timeouts": score_t,
            "outcomes": [{**asdict(o.mutant), "status": o.status, "seconds": o.seconds,
                          "detail": o.detail} for o in outcomes],
        }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
