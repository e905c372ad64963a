"""The formula catalogue: every derived formula with its id, provenance and conventions.

Each :class:`Formula` carries a stable ``id`` (SPEC section 2 slugs), the SymPy object it
was derived as, its LaTeX, its provenance (``paper``, ``derived``, ``classical``), the
conventions it assumes and the meaning of its symbols.  Nothing here is typed in: each
entry calls the derivation in :mod:`theory` that produces it.

>>> entries = catalogue(RELU)
>>> [e.id for e in entries][:3]
['loss.coordinates', 'grad.per_sample', 'grad.whole_batch']
>>> by_id("hessian.trace_at_min").expr
(d - s + 4)/n
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter

from . import dynamics, gradients, hessian, model, stationary
from .conventions import RELU, Conventions
from .domain import DomainError
from .symbols import SYMBOL_LATEX_NAMES, SYMBOL_MEANINGS, S, r

__all__ = ["PROVENANCES", "Formula", "by_id", "catalogue", "to_latex"]

PROVENANCES = ("paper", "derived", "classical")


class _Printer(LatexPrinter):
    """SymPy's LaTeX printer in the paper's notation.

    The relu kink ``Heaviside(a, h0)`` prints as the indicator it is: ``\\mathbf{1}[a > 0]``
    when ``h0 = 0`` (relu'(0) = 0) and ``\\mathbf{1}[a \\ge 0]`` when ``h0 = 1``; a symbol
    whose name is not its notation prints as :data:`theory.symbols.SYMBOL_LATEX_NAMES` says
    (``P_plus`` is ``\\lvert P_+ \\rvert``).  Everything else is ``sp.latex``.
    """

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        name = SYMBOL_LATEX_NAMES.get(expr.name)
        return name if name is not None else str(super()._print_Symbol(expr, style))

    def _print_Heaviside(self, expr: sp.Heaviside, exp: str | None = None) -> str:
        arg, *h0 = expr.args
        relation = {0: ">", 1: r"\ge"}.get(h0[0]) if h0 and h0[0].is_Integer else None
        if relation is None:  # value at 0 not pinned to 0 or 1: SymPy's theta
            return str(super()._print_Heaviside(expr, exp))
        tex = rf"\mathbf{{1}}[{self._print(arg)} {relation} 0]"
        return rf"{tex}^{{{exp}}}" if exp else tex


def to_latex(expr: Any) -> str:
    """LaTeX of a SymPy object in the catalogue's notation (see :class:`_Printer`).

    >>> a = sp.Symbol("a", real=True)
    >>> print(to_latex(a * sp.Heaviside(a, 0)), "/", to_latex(sp.Heaviside(a, 1)))
    a \\mathbf{1}[a > 0] / \\mathbf{1}[a \\ge 0]
    >>> print(to_latex((sp.Symbol("P_plus") - 1) / sp.Symbol("n")))
    \\frac{\\lvert P_+ \\rvert - 1}{n}
    """
    return str(_Printer().doprint(expr))


@dataclass(frozen=True)
class Formula:
    """One catalogue entry: a derived formula with everything needed to read and check it.

    ``lhs`` is the LaTeX of the left-hand side (what the formula computes) and ``expr`` the
    SymPy right-hand side (or a relation / tuple of them).  ``statement`` is the claim in
    ASCII (JSON, text, ``aesgd verify``); ``statement_latex`` says the same as LaTeX prose
    with ``$...$`` maths and ``title_latex`` the title (empty: the title has no maths), for
    the LaTeX export of :mod:`theory.latex`.
    """

    id: str
    title: str
    lhs: str
    expr: Any
    provenance: str
    tags: tuple[str, ...]
    statement: str
    supports: tuple[str, ...] = ()
    extra_symbols: Mapping[str, str] = field(default_factory=dict)
    statement_latex: str = ""
    title_latex: str = ""

    def __post_init__(self) -> None:
        if self.provenance not in PROVENANCES:
            raise DomainError("provenance", self.provenance, f"one of {PROVENANCES}")

    @property
    def latex(self) -> str:
        """The equation ``lhs = expr`` in LaTeX (amsmath, no surrounding environment)."""
        rhs = to_latex(self.expr)
        return f"{self.lhs} = {rhs}" if self.lhs else rhs

    @property
    def symbols(self) -> dict[str, str]:
        """Meaning of every free symbol of ``expr`` (and of any extra named symbol)."""
        names = sorted({str(x) for x in _free_symbols(self.expr)})
        out = {k: SYMBOL_MEANINGS[k] for k in names if k in SYMBOL_MEANINGS}
        out.update(self.extra_symbols)
        return out

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex}$"

    def to_json(self) -> dict[str, Any]:
        """The JSON form used by ``aesgd derive --format json``."""
        return {
            "id": self.id,
            "title": self.title,
            "expr": str(self.expr),
            "latex": self.latex,
            "provenance": self.provenance,
            "conventions": list(self.tags),
            "statement": self.statement,
            "supports": list(self.supports),
            "symbols": self.symbols,
        }


def _free_symbols(obj: Any) -> set[sp.Symbol]:
    if isinstance(obj, sp.Basic):
        return set(obj.free_symbols)
    if isinstance(obj, (tuple, list)):
        return set().union(*(_free_symbols(o) for o in obj)) if obj else set()
    return set()


def _conv_tags(conventions: Conventions, *, kink: bool = True) -> tuple[str, ...]:
    tags = [f"activation={conventions.activation}"]
    if conventions.is_relu and kink:
        tags.append(f"relu_prime_at_zero={conventions.relu_prime_at_zero}")
    tags.append(f"normalisation={conventions.normalisation}")
    return tuple(tags)


def _prime(sym: sp.Symbol) -> sp.Symbol:
    return sp.Symbol(f"{sym.name}'", real=True)


_BUILDERS: dict[str, Callable[[Conventions], Formula]] = {}
"""One builder per catalogue entry, in SPEC order (filled by :func:`_entry`)."""


def _entry(formula_id: str) -> Callable[[Callable[[Conventions], Formula]],
                                         Callable[[Conventions], Formula]]:
    """Register the builder of the entry ``formula_id``."""

    def register(build: Callable[[Conventions], Formula]) -> Callable[[Conventions], Formula]:
        _BUILDERS[formula_id] = build
        return build

    return register


def _counts_support(conventions: Conventions) -> bool:
    """Whether the active count at a minimum is its support size (relu with relu'(0) = 0)."""
    return conventions.is_relu and not conventions.counts_zero_as_active


def _active_count_text(conventions: Conventions) -> str:
    """What m is at a minimum under the conventions (SPEC: say m, not s, where they differ)."""
    if _counts_support(conventions):
        return "here m = s, the number of positive coordinates (relu, relu'(0) = 0)."
    if conventions.is_relu:
        return ("here m = n: under relu'(0) = 1 the zero coordinates of a minimum (all "
                "a_i >= 0) count as active.")
    return "here m = n: every data coordinate is active (linear)."


def _active_count_latex(conventions: Conventions) -> str:
    """:func:`_active_count_text` as LaTeX prose."""
    if _counts_support(conventions):
        return (r"here $m = s$, the number of positive coordinates (relu, "
                r"$\mathrm{relu}'(0) = 0$).")
    if conventions.is_relu:
        return (r"here $m = n$: under $\mathrm{relu}'(0) = 1$ the zero coordinates of a "
                r"minimum (all $a_i \ge 0$) count as active.")
    return r"here $m = n$: every data coordinate is active (linear)."


@_entry("loss.coordinates")
def _loss_coordinates(conventions: Conventions) -> Formula:
    tags = _conv_tags(conventions, kink=False)
    return Formula(
        "loss.coordinates", "Empirical loss in reduced coordinates", "L(w)",
        model.reduced_loss(), "derived", tags,
        "L(w) = ((r - 2) S + n)/(2n) for both activations, using sigma(a) a = sigma(a)^2.",
        ("P1",),
        statement_latex=(r"$L(w) = \frac{(r - 2) S + n}{2n}$ for both activations, using "
                         r"$\sigma(a)\, a = \sigma(a)^2$."),
    )


@_entry("grad.per_sample")
def _grad_per_sample(conventions: Conventions) -> Formula:
    cw, cx = gradients.per_sample_gradient_coefficients(conventions)
    w, x_i = sp.Symbol("w"), sp.Symbol("x_i")
    return Formula(
        "grad.per_sample", "Per-sample gradient", r"\nabla \ell_i(w)",
        cw * w + cx * x_i, "derived", _conv_tags(conventions),
        "grad l_i(w) = sigma(a_i)^2 w + sigma(a_i)(r - 2) x_i; zero for relu when a_i <= 0 "
        "(whatever relu'(0) is).",
        ("P1",),
        {"w": "weight vector", "x_i": "data point x_i = e_i"},
        statement_latex=(r"$\nabla \ell_i(w) = \sigma(a_i)^2 w + \sigma(a_i) (r - 2)\, x_i$; zero "
                         r"for relu when $a_i \le 0$ (whatever $\mathrm{relu}'(0)$ is)."),
    )


@_entry("grad.whole_batch")
def _grad_whole_batch(conventions: Conventions) -> Formula:
    grad = gradients.whole_batch_gradient(conventions)
    return Formula(
        "grad.whole_batch", "Whole-batch gradient (data coordinate j)",
        r"\frac{\partial L}{\partial a_j}", grad["data"], "derived", _conv_tags(conventions),
        "grad L(w) = (1/n)(S w + sum_i sigma(a_i)(r - 2) x_i) with S = sum_i sigma(a_i)^2: "
        "dL/da_j = (S a_j + sigma(a_j)(r - 2))/n on a data coordinate and S w_perp/n on the "
        "part of w orthogonal to the data.",
        ("P1", "P2"),
        statement_latex=(r"The gradient is $\nabla L(w) = \frac{1}{n}\bigl(S\, w + "
                         r"\sum_i \sigma(a_i)(r - 2)\, x_i\bigr)$, where "
                         r"$S = \sum_i \sigma(a_i)^2$. On a data coordinate it is "
                         r"$\partial L/\partial a_j = (S a_j + \sigma(a_j)(r - 2))/n$; on the "
                         r"part of $w$ orthogonal to the data it is $S\, w_\perp/n$."),
        title_latex=r"Whole-batch gradient (data coordinate $j$)",
    )


@_entry("sgd.multiplicative")
def _sgd_multiplicative(conventions: Conventions) -> Formula:
    step = gradients.sgd_step_map(conventions)
    return Formula(
        "sgd.multiplicative", "One SGD step in coordinates (j in the batch)",
        r"a_j'", step["in_batch"], "derived", _conv_tags(conventions),
        "a_j <- a_j (1 - gamma S_B) + gamma 1[j in B] sigma(a_j)(2 - r); w_perp <- w_perp "
        "(1 - gamma S_B); signs are preserved while gamma S_B < 1.",
        ("P1", "P3", "P6"),
        statement_latex=(r"$a_j \leftarrow a_j (1 - \gamma S_B) + \gamma\, \mathbf{1}[j \in B]\, "
                         r"\sigma(a_j) (2 - r)$; $w_\perp \leftarrow w_\perp (1 - \gamma S_B)$; "
                         r"signs are preserved while $\gamma S_B < 1$."),
        title_latex=r"One SGD step in coordinates ($j$ in the batch)",
    )


@_entry("minima.value")
def _minima_value(conventions: Conventions) -> Formula:
    tags = _conv_tags(conventions, kink=False)
    return Formula(
        "minima.value", "Minimum value of the loss", r"\min_w L(w)",
        stationary.min_value()["value"], "derived", tags,
        "min L = (n - 1)/(2n), attained at r = S = 1; the dead set S = 0 has L = 1/2.",
        ("P1",),
        statement_latex=(r"$\min L = \frac{n - 1}{2n}$, attained at $r = S = 1$; the dead set "
                         r"$S = 0$ has $L = \frac{1}{2}$."),
    )


@_entry("minima.set")
def _minima_set(conventions: Conventions) -> Formula:
    return Formula(
        "minima.set", "Global minimisers (reduced conditions)", r"(S, r)",
        sp.Tuple(stationary.classify_reduced()["minimum"]["S"],
                 stationary.classify_reduced()["minimum"]["r"]),
        "derived", _conv_tags(conventions),
        "Global minimisers: unit vectors in span(x_i) (S = r = 1)"
        + (", with every a_i >= 0 (relu)." if conventions.is_relu else ".")
        + " Nothing else attains the minimum.",
        ("P1", "P2", "P3"),
        statement_latex=(r"Global minimisers: unit vectors in $\operatorname{span}(x_i)$ "
                         r"($S = r = 1$)"
                         + (r", with every $a_i \ge 0$ (relu)." if conventions.is_relu else ".")
                         + " Nothing else attains the minimum."),
    )


@_entry("stationary.other")
def _stationary_other(conventions: Conventions) -> Formula:
    return Formula(
        "stationary.other", "Loss on the other stationary points (S = 0)", r"L|_{S=0}",
        stationary.classify_reduced()["dead"]["loss"], "derived", _conv_tags(conventions),
        "The only other stationary points have S = 0 and L = 1/2: "
        + ("all w with every a_i <= 0 (dead neuron)." if conventions.is_relu
           else "all w orthogonal to the data (w = 0 included)."),
        ("P1",),
        statement_latex=(r"The only other stationary points have $S = 0$ and "
                         r"$L = \frac{1}{2}$: "
                         + (r"all $w$ with every $a_i \le 0$ (dead neuron)." if conventions.is_relu
                            else r"all $w$ orthogonal to the data ($w = 0$ included).")),
        title_latex=r"Loss on the other stationary points ($S = 0$)",
    )


@_entry("gd.ratio_invariance")
def _gd_ratio_invariance(conventions: Conventions) -> Formula:
    return Formula(
        "gd.ratio_invariance", "Full batch keeps coordinate ratios",
        r"\frac{a_j'}{a_k'} - \frac{a_j}{a_k}", dynamics.gd_ratio_invariance(), "derived",
        _conv_tags(conventions),
        "b = n: every active coordinate is multiplied by the same factor "
        "1 + gamma(2 - r - S), so a_j/a_k is constant in t.",
        ("P2",),
        statement_latex=(r"$b = n$: every active coordinate is multiplied by the same "
                         r"factor $1 + \gamma (2 - r - S)$, so $a_j / a_k$ is constant in $t$."),
    )


@_entry("gd.limit")
def _gd_limit(conventions: Conventions) -> Formula:
    gd = dynamics.gd_radial_map()
    return Formula(
        "gd.limit", "Full-batch radial map of the active part", r"\rho'",
        gd["map"], "derived", _conv_tags(conventions),
        "b = n: the active part's norm rho follows rho' = rho(1 + 2 gamma (1 - rho^2)) "
        "once the rest has decayed; fixed point 1 with multiplier 1 - 4 gamma; "
        "w_inf = u/||u||, u = sum over initially active i of a_i(0) x_i.",
        ("P2",),
        {"rho": "norm of the active part of w"},
        statement_latex=(r"$b = n$: the norm $\rho$ of the active part follows "
                         r"$\rho' = \rho \bigl(1 + 2 \gamma (1 - \rho^2)\bigr)$ once the rest has "
                         r"decayed; fixed point $1$ with multiplier $1 - 4 \gamma$; "
                         r"$w_\infty = u / \|u\|$ with $u = \sum_i a_i(0)\, x_i$ over the "
                         r"initially active $i$."),
    )


@_entry("gd.dense_aligned")
def _gd_dense_aligned(conventions: Conventions) -> Formula:
    tags = _conv_tags(conventions, kink=False)
    return Formula(
        "gd.dense_aligned", "Full-batch alignment (ratio of expectations)",
        r"\frac{\mathbb{E}\|u\|^2}{\mathbb{E}\|w_0\|^2}",
        dynamics.alignment_ratio_of_expectations(conventions), "derived", tags,
        "cos(w_inf, w_0) = ||u||/||w_0||, concentrating at sqrt(n/(2d)) (relu) or "
        "sqrt(n/d) (linear; exactly 1 when n = d); support = initially active count.",
        ("P2",),
        statement_latex=(r"$\cos(w_\infty, w_0) = \|u\| / \|w_0\|$, concentrating at "
                         r"$\sqrt{n / (2d)}$ (relu) or $\sqrt{n / d}$ (linear; exactly $1$ when "
                         r"$n = d$); the support is the initially active count."),
    )


@_entry("sgd.fixed_points")
def _sgd_fixed_points(conventions: Conventions) -> Formula:
    tags = _conv_tags(conventions, kink=False)
    return Formula(
        "sgd.fixed_points", "Batch gradient at a minimum, x_j component / a_j (j in B)",
        r"\frac{(\nabla_B)_j}{a_j}",
        dynamics.batch_gradient_coefficients_at_min()["in_batch"], "derived", tags,
        "At a global minimum the batch gradient is (S_B I - Q_B) w: it vanishes for every "
        "batch only if each batch holds all or none of the support, forcing support 1 "
        "when b < n; the fixed points are x_k (relu) and +-x_k (linear).",
        ("P3",),
        statement_latex=(r"At a global minimum the batch gradient is $(S_B I - Q_B)\, w$: it "
                         r"vanishes for every batch only if each batch holds all or none of the "
                         r"support, forcing support $1$ when $b < n$; the fixed points are $x_k$ "
                         r"(relu) and $\pm x_k$ (linear)."),
        title_latex=r"Batch gradient at a minimum, $x_j$ component over $a_j$ ($j \in B$)",
    )


@_entry("sgd.sparse_limit")
def _sgd_sparse_limit(conventions: Conventions) -> Formula:
    return Formula(
        "sgd.sparse_limit", "Loss gap at x_k", r"L(x_k) - \min L",
        sp.factor(model.reduced_loss().subs({S: 1, r: 1})
                  - stationary.min_value()["value"]),
        "derived", _conv_tags(conventions),
        "b < n: w_t -> x_k for one k active at init (linear: sign(a_k(0)) x_k); the loss "
        "gap tends to 0.",
        ("P1", "P3"),
        statement_latex=(r"$b < n$: $w_t \to x_k$ for one $k$ active at initialisation "
                         r"(linear: $\operatorname{sign}(a_k(0))\, x_k$); the loss gap tends to "
                         r"$0$."),
        title_latex=r"Loss gap at $x_k$",
    )


@_entry("sgd.orthogonal")
def _sgd_orthogonal(conventions: Conventions) -> Formula:
    tags = _conv_tags(conventions, kink=False)
    return Formula(
        "sgd.orthogonal", "Scale of the alignment bound at the sparse limit",
        r"\max_i |a_i(0)| / \|w_0\|", dynamics.max_abs_gaussian_scale(), "derived", tags,
        "b < n: |cos(w_inf, w_0)| = |a_k(0)|/||w_0|| <= max_i |a_i(0)|/||w_0||, about "
        "sqrt(2 log n / d) (extreme-value heuristic).",
        ("P3",),
        statement_latex=(r"$b < n$: $\lvert \cos(w_\infty, w_0) \rvert = \lvert a_k(0) \rvert "
                         r"/ \|w_0\| \le \max_i \lvert a_i(0) \rvert / \|w_0\|$, about "
                         r"$\sqrt{2 \log n / d}$ (extreme-value heuristic)."),
    )


@_entry("cyclic.blocks")
def _cyclic_blocks(conventions: Conventions) -> Formula:
    return Formula(
        "cyclic.blocks", "Cyclic schedule: size of the classes that share every batch",
        r"g", dynamics.cyclic_class_size(), "derived", ("schedule=cyclic",),
        "Cyclic consecutive blocks of size b: indices fall into n/g classes of g = gcd(b, n) "
        "consecutive indices whose ratios never change; 1-sparse iff g = 1. P7 holds as "
        "stated only when g = 1.",
        ("P7",),
        statement_latex=(r"Cyclic consecutive blocks of size $b$: indices fall into $n / g$ "
                         r"classes of $g = \gcd(b, n)$ consecutive indices whose ratios never "
                         r"change; $1$-sparse iff $g = 1$. P7 holds as stated only when $g = 1$."),
    )


@_entry("relu.large_init")
def _relu_large_init(conventions: Conventions) -> Formula:
    return Formula(
        "relu.large_init", "Growth of a batch coordinate relative to w_perp, minus 1",
        r"\frac{a_j'/a_j}{w_\perp'/w_\perp} - 1", dynamics.active_vs_perp_growth(), "derived",
        _conv_tags(conventions),
        "Negative iff r = ||w||^2 > 2: while the norm is large the active coordinates shrink "
        "faster than everything else; for relu a start with r(0) > 2 and a small positive "
        "part can converge to the dead set (L = 1/2) instead of a global minimum. P1 "
        "needs a start that is neither dead nor too large (found by simulation).",
        ("P1",),
        statement_latex=(r"Negative iff $r = \|w\|^2 > 2$: while the norm is large the "
                         r"active coordinates shrink faster than everything else; for relu a start "
                         r"with $r(0) > 2$ and a small positive part can converge to the dead set "
                         r"($L = \frac{1}{2}$) instead of a global minimum. P1 needs a start that "
                         r"is neither dead nor too large (found by simulation)."),
        title_latex=r"Growth of a batch coordinate relative to $w_\perp$, minus $1$",
    )


@_entry("relu.dead_init")
def _relu_dead_init(conventions: Conventions) -> Formula:
    return Formula(
        "relu.dead_init", "Probability of a dead initialisation",
        r"\Pr[\forall i: a_i(0) \le 0]",
        dynamics.dead_init_probability(), "derived", ("activation=relu", "init=gaussian"),
        "If all a_i(0) <= 0 then grad L(w_0) = 0 and SGD never moves; probability 2^-n.",
        ("P1",),
        statement_latex=(r"If all $a_i(0) \le 0$ then $\nabla L(w_0) = 0$ and SGD never "
                         r"moves; probability $2^{-n}$."),
    )


@_entry("hessian.closed_form")
def _hessian_closed_form(conventions: Conventions) -> Formula:
    tags = _conv_tags(conventions)
    coef = hessian.hessian_coefficients()
    ident, q_mat, w, qw = sp.symbols("I Q w Qw", commutative=False)
    closed = coef["identity"] * ident + coef["symmetric_outer"] * (
        w * sp.Symbol("(Qw)^T", commutative=False) + qw * sp.Symbol("w^T", commutative=False)
    ) + coef["Q"] * q_mat
    return Formula(
        "hessian.closed_form", "Hessian in closed form", r"\nabla^2 L(w)", closed, "derived",
        tags,
        "H(w) = (1/n)[S I + 2 w (Qw)^T + 2 (Qw) w^T + (r - 2) Q], Q = sum over active i "
        "of x_i x_i^T.",
        ("P4", "P5"),
        {"Q": "projector on the active data directions", "I": "identity on R^d"},
        statement_latex=(r"$H(w) = \frac{1}{n} \bigl[S I + 2 w (Qw)^{T} + 2 (Qw) w^{T} "
                         r"+ (r - 2) Q\bigr]$ with $Q = \sum_i x_i x_i^{T}$ over the active $i$."),
    )


@_entry("hessian.spectrum_at_min")
def _hessian_spectrum_at_min(conventions: Conventions) -> Formula:
    tags = _conv_tags(conventions)
    spectrum = hessian.spectrum_at_min(conventions)
    m_text = _active_count_text(conventions)
    return Formula(
        "hessian.spectrum_at_min", "Hessian spectrum at a global minimum",
        r"\{(\lambda, \text{mult.})\}",
        sp.Tuple(*(sp.Tuple(ev, mult) for ev, mult in spectrum)), "derived", tags,
        "At a minimum with m active coordinates: eigenvalues 4/n (once, along w), "
        "0 (m - 1 times), 1/n (d - m times); " + m_text + " lambda_max = 4/n at every "
        "minimum.",
        ("P5",),
        statement_latex=(r"At a minimum with $m$ active coordinates: eigenvalues $4/n$ "
                         r"(once, along $w$), $0$ ($m - 1$ times), $1/n$ ($d - m$ times); "
                         + _active_count_latex(conventions)
                         + r" $\lambda_{\max} = 4/n$ at every minimum."),
    )


@_entry("hessian.lambda_max")
def _hessian_lambda_max(conventions: Conventions) -> Formula:
    tags = _conv_tags(conventions)
    return Formula(
        "hessian.lambda_max", "Largest Hessian eigenvalue at every minimum",
        r"\lambda_{\max}", hessian.lambda_max_at_min(), "derived", tags,
        "All global minima share lambda_max = 4/n.", ("P5",),
        statement_latex=r"All global minima share $\lambda_{\max} = 4/n$.",
    )


@_entry("hessian.trace_at_min")
def _hessian_trace_at_min(conventions: Conventions) -> Formula:
    tags = _conv_tags(conventions)
    m_text = _active_count_text(conventions)
    return Formula(
        "hessian.trace_at_min", "Hessian trace at a global minimum", r"\operatorname{tr} H",
        hessian.trace_at_min(conventions), "derived", tags,
        "tr = (d - m + 4)/n with m the number of active coordinates; " + m_text
        + (" GD ends with s = |P+|, SGD with s = 1, so tr(SGD) - tr(GD) = (|P+| - 1)/n "
           ">= 0." if _counts_support(conventions) else
           " Every minimum has the same trace, so GD and SGD minima are equally sharp."),
        ("P4",),
        statement_latex=(r"$\operatorname{tr} H = (d - m + 4)/n$ with $m$ the number of "
                         r"active coordinates; " + _active_count_latex(conventions)
                         + (r" GD ends with $s = \lvert P_+ \rvert$, SGD with $s = 1$, so "
                            r"$\operatorname{tr} H_{\mathrm{SGD}} - \operatorname{tr} "
                            r"H_{\mathrm{GD}} = (\lvert P_+ \rvert - 1)/n \ge 0$."
                            if _counts_support(conventions) else
                            " Every minimum has the same trace, so GD and SGD minima are "
                            "equally sharp.")),
    )


@_entry("hessian.trace_gap")
def _hessian_trace_gap(conventions: Conventions) -> Formula:
    tags = _conv_tags(conventions)
    gap = hessian.trace_gap(conventions)
    return Formula(
        "hessian.trace_gap", "Trace at the SGD minimum minus trace at the GD minimum",
        r"\operatorname{tr} H_{\mathrm{SGD}} - \operatorname{tr} H_{\mathrm{GD}}", gap,
        "derived", tags,
        f"Under {conventions.activation}"
        + (f" with relu'(0) = {conventions.relu_prime_at_zero}" if conventions.is_relu else "")
        + f": the gap is {gap}. P4 (full batch flatter) needs a positive gap.",
        ("P4",),
        statement_latex=(f"Under {conventions.activation}"
                         + (rf" with $\mathrm{{relu}}'(0) = {conventions.relu_prime_at_zero}$"
                            if conventions.is_relu else "")
                         + f": the gap is ${to_latex(gap)}$. P4 (full batch flatter) needs a "
                         "positive gap."),
    )


@_entry("hessian.linear_equal")
def _hessian_linear_equal(conventions: Conventions) -> Formula:
    return Formula(
        "hessian.linear_equal", "Linear: trace gap between minima",
        r"\Delta \operatorname{tr} H",
        hessian.linear_trace_gap(), "derived", _conv_tags(Conventions("linear")),
        "Linear activation: every global minimum has tr = (d - n + 4)/n, so GD and SGD "
        "minima are equally sharp by trace; P4 holds for relu only.",
        ("P4",),
        statement_latex=(r"Linear activation: every global minimum has "
                         r"$\operatorname{tr} H = (d - n + 4)/n$, so GD and SGD minima are "
                         r"equally sharp by trace; P4 holds for relu only."),
    )


@_entry("hessian.kink_convention")
def _hessian_kink_convention(conventions: Conventions) -> Formula:
    kink = hessian.kink_curvatures()
    return Formula(
        "hessian.kink_convention", "One-sided curvatures at x_1 along e_2 (relu)",
        r"(\partial^2_{+}, \partial^2_{-})",
        sp.Tuple(kink["positive_side"], kink["negative_side"]), "derived",
        ("activation=relu", "normalisation=mean"),
        "At x_1 along e_2 the relu loss has curvature 0 on the positive side and 1/n on "
        "the negative side; the closed form picks 1/n under relu'(0) = 0 and 0 under "
        "relu'(0) = 1, where the P4 gap vanishes.  The P4 ordering relies on relu'(0) = 0.",
        ("P4",),
        statement_latex=(r"At $x_1$ along $e_2$ the relu loss has curvature $0$ on the "
                         r"positive side and $1/n$ on the negative side; the closed form picks "
                         r"$1/n$ under $\mathrm{relu}'(0) = 0$ and $0$ under "
                         r"$\mathrm{relu}'(0) = 1$, where the P4 gap vanishes. The P4 ordering "
                         r"relies on $\mathrm{relu}'(0) = 0$."),
        title_latex=r"One-sided curvatures at $x_1$ along $e_2$ (relu)",
    )


@_entry("walk.log_ratio")
def _walk_log_ratio(conventions: Conventions) -> Formula:
    from . import walk
    tags = _conv_tags(conventions)
    cases = walk.log_ratio_increment_cases(conventions)
    return Formula(
        "walk.log_ratio", "Log-ratio step when j is in the batch and k is not",
        r"D' - D", cases["j_only"], "derived", tags,
        "D = log(a_j/a_k) moves only when exactly one of j, k is in the batch, by "
        "+-log(1 + c_B), c_B = gamma(2 - r)/(1 - gamma S_B).",
        ("P6",),
        statement_latex=(r"$D = \log(a_j / a_k)$ moves only when exactly one of $j, k$ is in "
                         r"the batch, by $\pm \log(1 + c_B)$, "
                         r"$c_B = \gamma (2 - r) / (1 - \gamma S_B)$."),
        title_latex=r"Log-ratio step when $j$ is in the batch and $k$ is not",
    )


@_entry("walk.move_probability")
def _walk_move_probability(conventions: Conventions) -> Formula:
    from . import walk
    return Formula(
        "walk.move_probability", "Probability of a + step of D (random schedule)",
        r"p", walk.move_probability("random"), "derived", ("schedule=random",),
        "Each direction has probability p = b(n - b)/(n(n - 1)) under the random scheme, "
        "so D moves with probability 2p, zero iff b = n. With replacement, P(j in B, k not "
        f"in B) = {walk.move_probability('replacement')}, but D also moves when both are "
        "drawn with different multiplicities, so for b >= 3 it moves more often than that "
        "(checked by enumeration).",
        ("P6",),
        statement_latex=(r"Each direction has probability $p = b (n - b) / \bigl(n (n - 1)\bigr)$ "
                         r"under the random scheme, so $D$ moves with probability $2p$, zero iff "
                         r"$b = n$. With replacement, $\Pr[j \in B,\ k \notin B] = "
                         + to_latex(walk.move_probability("replacement"))
                         + r"$, but $D$ also moves when both are drawn with different "
                         r"multiplicities, so for $b \ge 3$ it moves more often than that "
                         r"(checked by enumeration)."),
        title_latex=r"Probability of a $+$ step of $D$ (random schedule)",
    )


@_entry("walk.top_gap")
def _walk_top_gap(conventions: Conventions) -> Formula:
    from . import walk
    tags = _conv_tags(conventions)
    cases = walk.log_ratio_increment_cases(conventions)
    return Formula(
        "walk.top_gap", "Full batch: the top gap never moves", r"G' - G",
        cases["both"], "derived", tags,
        "G = log(a_(1)/a_(2)) >= 0 (re-ranked every step) is constant when b = n (every "
        "active coordinate is in every batch: the 'both' case of D) and tends to "
        "infinity when b < n; two losing coordinates have a driftless log-ratio.",
        ("P3", "P6"),
        statement_latex=(r"$G = \log(a_{(1)} / a_{(2)}) \ge 0$ (re-ranked every step) is "
                         r"constant when $b = n$ (every active coordinate is in every batch: the "
                         r"`both' case of $D$) and tends to infinity when $b < n$; two losing "
                         r"coordinates have a driftless log-ratio."),
    )


@_entry("walk.outward_drift")
def _walk_outward_drift(conventions: Conventions) -> Formula:
    from . import walk
    tags = _conv_tags(conventions)
    exp = walk.drift_expansion()
    mono = walk.f_increasing_proof()
    return Formula(
        "walk.outward_drift", "Leading order of the conditional drift of D",
        r"\mathbb{E}[D' - D]",
        exp["drift"], "derived", tags,
        "E = p E_T[f(a_j^2 + T) - f(a_k^2 + T)], f(x) = log(1 + gamma(2 - r)/(1 - gamma x)) "
        f"increasing (f' = {mono['in_u_v']} with {mono['substitution']}), so the sign of E "
        "is that of |a_j| - |a_k|. Shown to order gamma^3, with "
        "E[T] = (b - 1)/(n - 2)(S - a_j^2 - a_k^2).",
        ("P6",),
        statement_latex=(r"$\mathbb{E}[D' - D] = p\, \mathbb{E}_T\bigl[f(a_j^2 + T) - "
                         r"f(a_k^2 + T)\bigr]$ with $f(x) = \log\bigl(1 + \gamma (2 - r) / "
                         r"(1 - \gamma x)\bigr)$ increasing ($f' = "
                         + to_latex(mono["in_u_v"])
                         + r"$ with $u = 1 - \gamma x > 0$, $v = \gamma (2 - r) > 0$), so the "
                         r"sign of the drift is that of $\lvert a_j \rvert - \lvert a_k \rvert$. "
                         r"Shown to order $\gamma^3$, with $\mathbb{E}[T] = \frac{b - 1}{n - 2} "
                         r"(S - a_j^2 - a_k^2)$."),
        title_latex=r"Leading order of the conditional drift of $D$",
    )


@_entry("walk.stability_at_xk")
def _walk_stability_at_xk(conventions: Conventions) -> Formula:
    from . import walk
    tags = _conv_tags(conventions)
    stab = walk.stability_at_xk(conventions)
    return Formula(
        "walk.stability_at_xk", "Mean log-increment of a small coordinate near x_k",
        r"\mathbb{E}[\Delta \log a_i]", stab["expected_log_increment"], "derived", tags,
        "Near x_k a small active a_i has E[increment of log a_i] = p log(1 - gamma^2) < 0; "
        f"the radial multiplier at x_k is {stab['radial_multiplier']} when k is in the "
        "batch (needs eta < b/2).",
        ("P3",),
        statement_latex=(r"Near $x_k$ a small active $a_i$ has "
                         r"$\mathbb{E}[\Delta \log a_i] = p \log(1 - \gamma^2) < 0$; the radial "
                         r"multiplier at $x_k$ is $" + to_latex(stab["radial_multiplier"])
                         + r"$ when $k$ is in the batch (needs $\eta < b/2$)."),
        title_latex=r"Mean log-increment of a small coordinate near $x_k$",
    )


@_entry("walk.variance_scale")
def _walk_variance_scale(conventions: Conventions) -> Formula:
    from . import walk
    var = walk.variance_scale()
    return Formula(
        "walk.variance_scale", "Per-step variance of D near the minimum manifold",
        r"\operatorname{Var}[D' - D]", var["in_eta"], "derived", ("schedule=random",),
        "About 2 p gamma^2 = 2 eta^2 (n - b)/(b n (n - 1)) (heuristic, leading order): "
        "sparsification slows sharply as b -> n.",
        ("P3",),
        statement_latex=(r"About $2 p \gamma^2 = 2 \eta^2 (n - b) / \bigl(b n (n - 1)\bigr)$ "
                         r"(heuristic, leading order): sparsification slows sharply as "
                         r"$b \to n$."),
        title_latex=r"Per-step variance of $D$ near the minimum manifold",
    )


@_entry("lamperti.criterion")
def _lamperti_criterion(conventions: Conventions) -> Formula:
    from . import lamperti
    c_ = sp.Symbol("c", real=True)
    mu1, mu2, x = lamperti.lamperti_family(c_, sp.Symbol("s_2", positive=True))
    return Formula(
        "lamperti.criterion", "Lamperti's criterion for mu_1 = c/x, mu_2 = s_2",
        r"2 x \mu_1(x) - \mu_2(x)", sp.simplify(2 * x * mu1 - mu2), "classical",
        ("walk on [0, inf)", "bounded increments"),
        "Transient if 2 x mu_1 - mu_2 >= eps > 0 eventually, recurrent if 2 x mu_1 <= mu_2, "
        "positive recurrent if 2 x mu_1 + mu_2 <= -eps: for mu_1 = c/x, mu_2 = s_2, "
        "transient iff 2c > s_2, null recurrent iff -s_2 <= 2c <= s_2, positive "
        "recurrent iff 2c < -s_2 (Menshikov, Popov, Wade 2016).",
        ("P6",),
        {"c": "drift constant, mu_1 = c/x", "s_2": "second moment mu_2", "x": "state"},
        statement_latex=(r"Transient if $2 x \mu_1 - \mu_2 \ge \varepsilon > 0$ eventually, "
                         r"recurrent if $2 x \mu_1 \le \mu_2$, positive recurrent if "
                         r"$2 x \mu_1 + \mu_2 \le -\varepsilon$: for $\mu_1 = c/x$, "
                         r"$\mu_2 = s_2$, transient iff $2c > s_2$, null recurrent iff "
                         r"$-s_2 \le 2c \le s_2$, positive recurrent iff $2c < -s_2$ "
                         r"(Menshikov, Popov, Wade 2016)."),
        title_latex=r"Lamperti's criterion for $\mu_1 = c/x$, $\mu_2 = s_2$",
    )


@cache
def catalogue(conventions: Conventions = RELU) -> tuple[Formula, ...]:
    """Every derived formula under the given conventions, in SPEC order."""
    if not isinstance(conventions, Conventions):
        raise DomainError("conventions", conventions, "a theory.Conventions value")
    return tuple(entry(fid, conventions) for fid in _BUILDERS)


@cache
def entry(formula_id: str, conventions: Conventions = RELU) -> Formula:
    """One catalogue entry, built alone (only its own derivations run)."""
    if formula_id not in _BUILDERS:
        raise DomainError("id", formula_id, "a catalogue id (see `aesgd derive --format json`)")
    out = _BUILDERS[formula_id](conventions)
    if out.id != formula_id:  # pragma: no cover - a catalogue bug
        raise AssertionError(f"builder of {formula_id} built {out.id}")
    return out


def by_id(formula_id: str, conventions: Conventions = RELU) -> Formula:
    """The catalogue entry with this id (built alone, see :func:`entry`)."""
    if not isinstance(conventions, Conventions):
        raise DomainError("conventions", conventions, "a theory.Conventions value")
    return entry(formula_id, conventions)

