"""Write :mod:`numerics._formulas_generated`: the theory's formulas printed as NumPy source.

    python -m numerics._formulas_gen            (re)write numerics/_formulas_generated.py
    python -m numerics._formulas_gen --check    exit 1 (one line on stderr) if it is stale

:mod:`numerics.formulas` evaluates the formulas of :mod:`theory` without importing SymPy (the
simulation path starts without it): this tool, which does import SymPy, takes each expression
:mod:`numerics.formulas` uses, for every value of the parameters it is used with (every
:class:`theory.conventions.Conventions` value, every schedule), prints it with the compiler's
printer :func:`theory.compile.source` and writes one function per (formula, parameters) and
the table ``FORMULAS`` that maps ``(name, parameters)`` to it.  The printed code calls the
hooks of :mod:`numerics._numpy_namespace`, the same objects :mod:`numerics.compile` gives
``lambdify``, so a generated function and ``numerics.compile.compile(expr, args)`` run the
same code and return the same bits.  The parameters of a Conventions value are
``dataclasses.astuple(conventions)``.

A key the table lacks (an unknown schedule) is built here on demand
(:func:`compile_formula`), so that the theory raises its own error, or, for a table left
stale, evaluates the formula anyway; ``tests/numerics/test_formulas_generated.py`` fails on a
stale table.

>>> sorted({f.kind for f in FORMULAS})
['coefficient', 'conventions', 'none', 'stability_schedule', 'walk_schedule']
>>> [params for params in parameters("conventions")][:2]
[('linear', 0, 'mean'), ('linear', 1, 'mean')]
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import re
import sys
import textwrap
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sympy as sp

from theory import dynamics, hessian, stationary
from theory import walk as theory_walk
from theory.compile import source
from theory.conventions import ACTIVATIONS, LINEAR, NORMALISATIONS, Conventions
from theory.domain import DomainError
from theory.gradients import per_sample_gradient_coefficients, sgd_step_map
from theory.model import reduced_loss
from theory.symbols import S_B, P_plus, S, a_i, a_j, b, d, eta, gamma, m, n, r, s

from ._numpy_namespace import HOOKS
from .io import atomic_write

__all__ = ["FORMULAS", "TARGET", "Formula", "compile_formula", "entries", "main", "parameters",
           "render"]

TARGET = Path(__file__).with_name("_formulas_generated.py")
"""The generated module."""

COMMAND = "python -m numerics._formulas_gen"

Params = tuple[Any, ...]

_RELU_PRIME_AT_ZERO = (0, 1)  # the values theory.domain.flag admits
_WIDTH = 100  # pyproject's line length
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Formula:
    """One formula of :mod:`numerics.formulas`: the theory expression for given parameters.

    name   the table's name (``gradient_coefficients.cw``)
    kind   what the parameters range over (:func:`parameters`)
    build  parameters -> the SymPy expression (the theory raises on parameters it refuses)
    args   the arguments of the NumPy function, in order
    origin where the expression comes from, for the generated docstring
    """

    name: str
    kind: str
    build: Callable[[Params], sp.Expr]
    args: tuple[sp.Symbol, ...]
    origin: str


def _conventions(params: Params) -> Conventions:
    return Conventions(*params)


FORMULAS: tuple[Formula, ...] = (
    Formula("gradient_coefficients.cw", "conventions",
            lambda p: per_sample_gradient_coefficients(_conventions(p))[0], (a_i, r),
            "theory.gradients.per_sample_gradient_coefficients(conventions)[0]"),
    Formula("gradient_coefficients.cx", "conventions",
            lambda p: per_sample_gradient_coefficients(_conventions(p))[1], (a_i, r),
            "theory.gradients.per_sample_gradient_coefficients(conventions)[1]"),
    Formula("sgd_multiplier", "none", lambda p: sgd_step_map(LINEAR)["multiplier"],
            (S_B, gamma), 'theory.gradients.sgd_step_map(LINEAR)["multiplier"]'),
    Formula("sgd_additive", "conventions",
            lambda p: sgd_step_map(_conventions(p))["additive"], (a_j, r, gamma),
            'theory.gradients.sgd_step_map(conventions)["additive"]'),
    Formula("loss_reduced", "none", lambda p: reduced_loss(), (r, S, n),
            "theory.model.reduced_loss()"),
    Formula("min_loss", "none", lambda p: stationary.min_value()["value"], (n,),
            'theory.stationary.min_value()["value"]'),
    Formula("hessian_coefficients", "coefficient",
            lambda p: hessian.hessian_coefficients()[p[0]], (S, r, n),
            "theory.hessian.hessian_coefficients()[key]"),
    Formula("hessian_trace", "none", lambda p: hessian.hessian_trace(), (d, n, S, r, m),
            "theory.hessian.hessian_trace()"),
    Formula("trace_at_min", "none", lambda p: hessian.trace_at_min(), (d, n, s),
            "theory.hessian.trace_at_min()"),
    Formula("trace_gap", "conventions", lambda p: hessian.trace_gap(_conventions(p)),
            (P_plus, n), "theory.hessian.trace_gap(conventions)"),
    Formula("sigma", "conventions", lambda p: _conventions(p).sigma(a_i), (a_i,),
            "conventions.sigma(a_i)"),
    Formula("sigma_prime", "conventions", lambda p: _conventions(p).sigma_prime(a_i), (a_i,),
            "conventions.sigma_prime(a_i)"),
    Formula("stability_bound", "stability_schedule",
            lambda p: dynamics.stability_bound_gamma(p[0]), (b,),
            "theory.dynamics.stability_bound_gamma(schedule)"),
    Formula("move_probability", "walk_schedule", lambda p: theory_walk.move_probability(p[0]),
            (n, b), "theory.walk.move_probability(schedule)"),
    Formula("variance_scale", "none", lambda p: theory_walk.variance_scale()["in_eta"],
            (eta, n, b), 'theory.walk.variance_scale()["in_eta"]'),
    Formula("alignment_scale_full_batch", "conventions",
            lambda p: sp.sqrt(dynamics.alignment_ratio_of_expectations(_conventions(p))),
            (n, d), "sqrt(theory.dynamics.alignment_ratio_of_expectations(conventions))"),
    Formula("alignment_scale_sparse", "none", lambda p: dynamics.max_abs_gaussian_scale(),
            (n, d), "theory.dynamics.max_abs_gaussian_scale()"),
)
"""Every formula :mod:`numerics.formulas` evaluates, in the order of the generated module."""

_BY_NAME = {f.name: f for f in FORMULAS}


def parameters(kind: str) -> list[Params]:
    """Every parameter tuple of ``kind``, in a fixed order.

    ``none`` (), ``conventions`` every Conventions value as ``dataclasses.astuple``,
    ``coefficient`` the keys of :func:`theory.hessian.hessian_coefficients` (in its order),
    ``stability_schedule`` :data:`theory.dynamics.STABILITY_SCHEDULES`, ``walk_schedule``
    :data:`theory.walk.SCHEDULES` (``cyclic`` has no probability: it is left out).
    """
    if kind == "none":
        return [()]
    if kind == "conventions":
        return [dataclasses.astuple(Conventions(act, h0, norm)) for act, h0, norm
                in itertools.product(ACTIVATIONS, _RELU_PRIME_AT_ZERO, NORMALISATIONS)]
    if kind == "coefficient":
        return [(key,) for key in hessian.hessian_coefficients()]
    if kind == "stability_schedule":
        return [(schedule,) for schedule in dynamics.STABILITY_SCHEDULES]
    if kind == "walk_schedule":
        return [(schedule,) for schedule in theory_walk.SCHEDULES if schedule != "cyclic"]
    raise DomainError("kind", kind, "none, conventions, coefficient, stability_schedule or "
                      "walk_schedule")


def entries() -> Iterator[tuple[Formula, Params, sp.Expr]]:
    """(formula, parameters, expression) for every function of the generated module."""
    for formula in FORMULAS:
        for params in parameters(formula.kind):
            yield formula, params, formula.build(params)


def compile_formula(name: str, params: Params) -> Callable[..., Any]:
    """The formula ``name`` at ``params`` compiled now (SymPy), for a key the table lacks."""
    from .compile import compile

    formula = _BY_NAME[name]
    return compile(formula.build(params), formula.args)


def identifier(name: str, params: Params) -> str:
    """The generated function's name: ``gradient_coefficients__cw__relu_0_mean``."""
    base = name.replace(".", "__")
    return f"{base}__{'_'.join(str(p) for p in params)}" if params else base


def _body(code: str) -> list[str]:
    """``return code`` within the line length: broken at spaces inside parentheses (the
    printed code holds no string literals, so every space separates two tokens)."""
    line = f"    return {code}"
    if len(line) <= _WIDTH:
        return [line]
    wrapped = textwrap.wrap(code, width=_WIDTH, initial_indent=" " * 8,
                            subsequent_indent=" " * 8, break_long_words=False,
                            break_on_hyphens=False)
    return ["    return (", *wrapped, "    )"]


def _function(formula: Formula, params: Params, code: str) -> list[str]:
    signature = ", ".join(f"{a.name}: Any" for a in formula.args)
    head = f"def {identifier(formula.name, params)}({signature}) -> Any:"
    what = f"{formula.name}{params!r}" if params else formula.name
    return [head, f'    """{what}, from', f'    {formula.origin}."""', *_body(code), "", ""]


_HEADER = '''\
"""The theory's formulas as NumPy code.

Generated by {command} from theory/; do not edit.

One function per (formula, parameters), the code :func:`theory.compile.source` prints for the
theory's expression, on the hooks of :mod:`numerics._numpy_namespace`; ``FORMULAS`` maps
``(name, parameters)`` to it.  :mod:`numerics.formulas` is the public face; regenerate after
a change in theory/ with ``{command}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

'''


def render() -> str:
    """The text of the generated module (deterministic: the same theory gives the same text)."""
    functions: list[str] = []
    table: list[str] = []
    names: set[str] = set()
    for formula, params, expr in entries():
        code = source(expr, formula.args)
        names.update(_IDENTIFIER.findall(code))
        functions += _function(formula, params, code)
        key = f"    ({formula.name!r}, {params!r}):"
        value = f" {identifier(formula.name, params)},"
        table += [key + value] if len(key + value) <= _WIDTH else [key, " " * 7 + value]
    hooks = [h for h in HOOKS if h in names]
    lines = [_HEADER.format(command=COMMAND).rstrip("\n"), ""]
    if hooks:
        lines.append(f"from ._numpy_namespace import {', '.join(hooks)}")
    lines += ["", '__all__ = ["FORMULAS"]', "", "", *functions]
    lines += ["FORMULAS: dict[tuple[str, tuple[Any, ...]], Callable[..., Any]] = {", *table,
              "}", '"""(name, parameters) -> function; the parameters of a Conventions value are',
              'dataclasses.astuple(conventions)."""', ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Write :data:`TARGET`, or with ``--check`` return 1 if it differs from :func:`render`."""
    parser = argparse.ArgumentParser(
        prog=COMMAND, description="write numerics/_formulas_generated.py from theory/")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the generated module is stale (write nothing)")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else None
        if current != text:
            print(f"{TARGET.name} is stale: run {COMMAND}", file=sys.stderr)
            return 1
        return 0
    atomic_write(TARGET, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
