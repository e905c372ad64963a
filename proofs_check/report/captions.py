"""Figure captions and the "What the caveats mean for P3 and P4" paragraphs.

Each text names the claims it illustrates and is filled in with the numbers of the runs
(the records of :mod:`.data`) and, for the caveats, the verdicts of the payload.

>>> _verdict({"P3": {"status": "pass"}}, "P3"), _verdict({}, "P7")
('P3: PASS', 'P7: not run')
"""

from __future__ import annotations

from typing import Any

from .document import STATUS_WORD, status

__all__ = ["captions", "caveat_paragraphs"]


def _describe(r: dict[str, Any]) -> str:
    sup = r["support"]
    if sup["fraction_one_sparse"] == 1.0:
        return f"b = {r['b']}: all 1-sparse, median by step {sup['median_steps_to_one_sparse']}"
    return f"b = {r['b']}: {sup['fraction_one_sparse']:.0%} 1-sparse"


def _sparsity_sentence(sweep: dict[str, Any]) -> str:
    """What the two support series say about the speed of sparsification (with numbers)."""
    gam = sweep["rows"][:-1]
    eta = sweep["fixed_eta_rows"]
    dense = [r for r in gam + eta if (r["support"]["fraction_one_sparse"] or 0.0) < 1.0]
    text = (
        f"Speed (after {gam[0]['steps']} steps). Fixed gamma: "
        + "; ".join(_describe(r) for r in gam)
        + ". Fixed eta: " + "; ".join(_describe(r) for r in eta) + ". "
        "The per-step variance of the log-ratios is about 2 p gamma^2 with p = b(n - b)/"
        "(n(n - 1)) (walk.variance_scale): at fixed gamma it is the same at b = 19 as at b = 1, "
        "at fixed eta it is 2 eta^2 (n - b)/(b n (n - 1)) and falls sharply as b -> n.")
    if dense:
        text += (" Runs that are still dense at the end are not counterexamples to P3: they "
                 "have not finished (the theory is a t -> inf statement), which is the slow "
                 "sparsification near b = n.")
    return text


def _common(sweep: dict[str, Any]) -> str:
    """The setting of the batch-size sweep, for the captions of figures 1-3."""
    rows = sweep["rows"]
    sgd, full = rows[0], rows[-1]
    return (f"relu, d = {sweep['d']}, n = {sweep['n']}; seed index i starts from the same w_0 "
            f"for every b (root seed {sweep['seed']}: the runs the checks judge); b < n: "
            f"{sgd['seeds']} seeds, random batches without replacement, gamma = eta/b = "
            f"{sgd['gamma']:g} (eta = {sgd['gamma']:g} b), {sgd['steps']} steps; b = n: "
            f"gradient descent, {full['seeds']} seeds, eta = {full['eta']:g}, "
            f"{full['steps']} steps.")


def _support(sweep: dict[str, Any]) -> str:
    gamma, eta = sweep["rows"][0]["gamma"], sweep["fixed_eta_rows"][0]["eta"]
    return (
        "Support size (coordinates above 1e-6 of the largest) of the final iterate vs "
        "batch size. Theory: every b < n ends 1-sparse (sgd.sparse_limit, P3); b = n keeps "
        "every initially positive coordinate (gd.dense_aligned, P2), about n/2 = "
        f"{sweep['n'] / 2:g}. Top: mean support over seeds, thick bars the interquartile "
        "range, thin bars min-max; bottom: fraction of seeds that are 1-sparse at the end. "
        f"Filled circles: fixed per-sample rate gamma = {gamma:g} (eta = {gamma:g} b); hollow "
        f"diamonds: fixed eta = {eta:g} (gamma = {eta:g}/b), same seeds and steps.")


def _sweep_captions(sweep: dict[str, Any]) -> dict[str, str]:
    """The captions of figures 1-3 (the batch-size sweep)."""
    rows = sweep["rows"]
    common = _common(sweep)
    return {
        "support_vs_batch_size": _support(sweep) + " " + common + " " + _sparsity_sentence(sweep),
        "alignment_vs_batch_size": (
            "|cos(w_inf, w_0)| vs batch size. Theory: b = n gives cos = ||u||/||w_0|| exactly "
            "(u = positive part of a(0)), of scale sqrt(n/(2d)) = "
            f"{sweep['line_full_batch_sqrt_n_over_2d']:.3f} (gd.dense_aligned); b < n gives "
            "|cos| = a_k(0)/||w_0|| for the winning coordinate k, at most max_i "
            "a_i(0)/||w_0||, of scale sqrt(2 log n / d) = "
            f"{sweep['line_b_lt_n_sqrt_2logn_over_d']:.3f} (sgd.orthogonal). The "
            "sqrt(2 log n / d) line is the asymptotic scale of the bound, not a prediction "
            "of the mean: the winner is biased toward, but not always, the largest "
            "coordinate, so the simulated mean sits below the bound. Points: mean |cos| with "
            "interquartile bars; triangles: the exact per-seed bound (mean); square: the "
            "exact full-batch value (mean). " + common),
        "hessian_trace_vs_batch_size": (
            "Trace of the Hessian at the minimum found vs batch size. Theory "
            "(hessian.trace_at_min): tr = (d - s + 4)/n with s active coordinates; s = 1 "
            f"for b < n (line at {rows[0]['trace_theory']['mean']:.3f}), s = |P+| for b = n "
            f"(mean {rows[-1]['trace_theory']['mean']:.3f} over seeds with its 95% CLT "
            "interval), so the full-batch minimum is flatter by (|P+| - 1)/n (here "
            f"{sweep['trace_gap_theory']['mean']:.3f} on average; hessian.trace_gap, P4). "
            "Blue points: tr H at the limit point (coordinates below 1e-6 of the largest set "
            "to 0), mean +- 1.96 s/sqrt(seeds). Faint crosses: tr H at the raw final "
            "iterate. They differ for b < n because the losing coordinates decay to 0 from "
            "above: at the raw iterate a tiny positive coordinate is still active (curvature "
            "0 along it) until it underflows to exactly 0, while at the limit x_k it is "
            "inactive (curvature 1/n, relu'(0) = 0): the gap is a property of the limit and "
            "of the kink convention (hessian.kink_convention), not of the iterates. " + common),
    }


def _two_d(two_d: dict[str, Any]) -> str:
    b1 = two_d["b1"]
    ends = ", ".join("x_1" if run["end"][0] > run["end"][1] else "x_2" for run in b1)
    start = tuple(two_d["start"])
    return (
        "d = n = 2, relu. Grey contours: the loss L(r, S, 2) from loss.coordinates; "
        "thick arc: the global minima (unit vectors with a_1, a_2 >= 0, minima.set); "
        "shaded: the dead region a_1, a_2 <= 0 where L = 1/2 and the gradient vanishes "
        f"(stationary.other). From w_0 = {start}: full batch (b = 2, eta = "
        f"{two_d['full_batch']['eta']:g}) moves along the ray of w_0 and stops at "
        "w_0/||w_0|| on the arc (gd.limit: ratios are frozen); "
        f"{len(b1)} b = 1 paths (eta = {b1[0]['eta']:g}, the same gamma, different batch "
        f"seeds, {two_d['steps']} steps, root seed {two_d['seed']}) reach the arc and then "
        f"slide along it to a corner x_k (sgd.sparse_limit); they ended at {ends}.")


def _walk(walk: dict[str, Any]) -> str:
    runs = walk["runs"]
    escaped = "; ".join(f"b = {r['b']}: {r['escaped_fraction']:.0%} of {r['eligible_paths']}"
                        for r in runs)
    return (
        "The top gap G = log(a_(1)/a_(2)) (the two largest positive coordinates, "
        f"re-ranked every step; walk.top_gap) along SGD runs, {runs[0]['seeds']} seeds per "
        f"setting ({runs[0]['paths_drawn']} drawn), relu, d = {walk['d']}, n = {walk['n']}, "
        f"root seed {walk['seed']}. Theory: for b < n, G is a walk on "
        "[0, inf) pushed away from 0 (walk.outward_drift) that escapes to infinity, "
        "which is the mechanism of sparsity (P3, P6); for b = n every ratio is frozen "
        f"(gd.ratio_invariance), so G is constant: the largest change of G over "
        f"{walk['steps']} steps was {runs[-1]['max_abs_change']:.1e} here. Runs that reached "
        f"the escape level G = {walk['escape_level']:.2f} (dotted) within {walk['steps']} "
        f"steps: {escaped}. Time axis logarithmic (step + 1), G axis linear below 1 and "
        "logarithmic above.")


def captions(sweep: dict[str, Any], two_d: dict[str, Any], walk: dict[str, Any]
             ) -> dict[str, str]:
    """Figure name -> caption, from the figures' numbers."""
    return {**_sweep_captions(sweep), "two_d_picture": _two_d(two_d),
            "log_ratio_walk": _walk(walk)}


def _verdict(by: dict[Any, dict[str, Any]], cid: str) -> str:
    c = by.get(cid)
    return f"{cid}: {STATUS_WORD[status(c.get('status'))]}" if c else f"{cid}: not run"


def _verdicts(by: dict[Any, dict[str, Any]], *cids: str) -> str:
    return "Verdicts: " + "; ".join(_verdict(by, c) for c in cids) + "."


def _p3(sweep: dict[str, Any], by: dict[Any, dict[str, Any]]) -> str:
    rows, fixed = sweep["rows"], sweep["fixed_eta_rows"]
    near = rows[-2]
    return (
        "P3 (small batch is sparse) is a statement about the limit t -> infinity. For every "
        "b < n the top gap G escapes (walk.top_gap), but how fast depends on the per-step "
        "variance of the log-ratios, about 2 p gamma^2 with p = b(n - b)/(n(n - 1)) "
        "(walk.variance_scale). At a fixed step size eta this is 2 eta^2 (n - b)/(b n (n - 1)), "
        "which vanishes as b -> n: with b = n - 1 and a step budget tuned for small b, SGD can "
        "still look dense when it is stopped, although it would end sparse. A dense final "
        "iterate at b close to n is therefore not a counterexample, and a check of P3 must "
        "either hold gamma fixed (as the figures here do) or allow steps that grow like "
        f"n/(n - b). In this run fixed eta = {fixed[-1]['eta']:g}, b = {fixed[-1]['b']} ended "
        f"{fixed[-1]['support']['fraction_one_sparse']:.0%} 1-sparse (mean support "
        f"{fixed[-1]['support']['mean']:.1f}) against "
        f"{fixed[0]['support']['fraction_one_sparse']:.0%} at b = 1, and at fixed "
        f"gamma = {near['gamma']:g} b = {near['b']} ended "
        f"{near['support']['fraction_one_sparse']:.0%} 1-sparse, all after "
        f"{rows[0]['steps']} steps (support figure). "
        "Cyclic order (P7) is sparse only when gcd(b, n) = 1 (cyclic.blocks). "
        + _verdicts(by, "P3", "sgd.sparse_limit", "P7", "cyclic.blocks"))


def _p4(sweep: dict[str, Any], by: dict[Any, dict[str, Any]]) -> str:
    rows = sweep["rows"]
    full = rows[-1]
    return (
        "P4 (full batch is flatter by the Hessian trace) holds for relu with relu'(0) = 0 "
        "and only there. For linear activation every global minimum has the same trace "
        "(d - n + 4)/n, so full batch and small batch are equally sharp "
        "(hessian.linear_equal). For relu the gap (|P+| - 1)/n comes entirely from the "
        "coordinates that die: at x_k they sit at the kink, where the curvature is 0 from "
        "the positive side and 1/n from the negative side (hessian.kink_convention); "
        "relu'(0) = 0 counts them as inactive (curvature 1/n each), relu'(0) = 1 as active "
        "(curvature 0), and then the gap vanishes. The SGD iterates approach x_k from the "
        "positive side, so the trace at a raw finite iterate still looks like the full-batch "
        "value until the losers underflow (faint crosses in the Hessian figure). "
        f"In this run: theory gap {sweep['trace_gap_theory']['mean']:.3f} "
        f"(mean |P+| = {full['initially_positive']['mean']:.2f}), simulated trace at the "
        f"limit {rows[0]['trace_limit']['mean']:.3f} (b = 1) vs "
        f"{full['trace_limit']['mean']:.3f} (b = n). P5 (same largest eigenvalue 4/n) needs "
        "no such caveat. "
        + _verdicts(by, "P4", "hessian.trace_at_min", "hessian.linear_equal",
                    "hessian.kink_convention"))


def caveat_paragraphs(payload: dict[str, Any], sweep: dict[str, Any]) -> list[str]:
    """What the caveats mean for P3 and P4, with the numbers of the runs and the verdicts
    of the payload (and the registry caveats of P3 and P4, when they have one)."""
    by = {c.get("id"): c for c in payload.get("claims", [])}
    paras = [_p3(sweep, by), _p4(sweep, by)]
    for cid in ("P3", "P4"):
        cav = by.get(cid, {}).get("caveat")
        if cav:
            paras.append(f"Registry caveat of {cid}: {cav}")
    return paras
