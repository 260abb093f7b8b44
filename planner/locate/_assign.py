"""The assignment step: settlements referred to the chosen sites, nearest first.

Once the site decision has fixed every site's capacity, each settlement is
assigned by a linear programme of least demand-weighted travel (a MILP under
single sourcing), with the closest-assignment rule applied to every open site
and every district's mean travel kept at most today's where the capacities
allow, relaxed step by step where they do not, each relaxation said in words.
"""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from planner._i18n import Fixed, Note
from planner.locate._milp import TOL_FLOW, FloatArray, IntArray, Termination, solve_milp
from planner.locate._search import Background
from planner.locate.formulation import (
    SitingFormulation,
    SitingLayout,
    district_codes,
    district_mean_today,
    nearest_open,
)

__all__ = ["assign_to_open_sites"]

#: Smallest time limit (s) of an assignment solve (a safety net, like every limit).
_MIN_LIMIT_S = 10.0


def _steps(model: SitingFormulation) -> list[tuple[bool, bool]]:
    """List the rules to try, strictest first: (closest to every open site, districts).

    ``districts`` keeps every district's mean travel at most today's and
    within the tolerance of its mean travel to the nearest open site.
    """
    if model.options.targets.nearest_tolerance_min is None:
        return [(False, False)]
    if model.demand_district is None:
        return [(True, False), (False, False)]
    return [(True, True), (True, False), (False, True), (False, False)]


def assign_to_open_sites(
    model: SitingFormulation, capacity: FloatArray, served: float
) -> tuple[FloatArray, SitingLayout, tuple[str, ...]] | None:
    """Assign every settlement to open sites with fixed capacities, least travel first.

    Under the closest-assignment rule the assignment keeps every settlement
    within the tolerance of its nearest *open* site and every district's mean
    travel at most today's (``demand_district``); when the capacities chosen
    do not allow both, it drops the district rows, then the closest rule
    (keeping the districts), then both (only the rule's exact part about
    existing sites holds), and says which in the returned notes. The answer is
    that of trying the four in turn; the strictest is not solved when the
    closest rule alone already admits no assignment, and the district rule
    alone is solved meanwhile on a second thread (cancelled when the closest
    rule alone admits an assignment, since its answer then goes unused).

    Parameters
    ----------
    model
        The siting model (its matrix, demand and options).
    capacity
        Capacity of every site (0: closed).
    served
        Demand the site decision served (the assignment serves as much).

    Returns
    -------
    tuple or None
        The solution vector, its layout (sites in the model's numbering) and
        notes; ``None`` if no assignment exists (a model error).
    """
    steps = _steps(model)
    if len(steps) < 4:
        return _first_of(model, capacity, served, steps)
    strict, closest_only, districts_only, neither = steps
    # (T, F) admits every assignment (T, T) does: when it has none, neither has (T, T),
    # and (F, T) is next. It is solved meanwhile on a second thread; the order of the
    # rules decides which answer is kept, so the result does not depend on timing.
    not_needed = threading.Event()
    later = Background(lambda: _attempt(model, capacity, served, districts_only, not_needed))
    loose = _attempt(model, capacity, served, closest_only)
    if loose is not None:
        not_needed.set()  # (F, T) comes after (T, F): cancelled, not waited for
        found = _attempt(model, capacity, served, strict) or loose
        later.join()  # no solver thread outlives the call
        return found
    return later.result() or _attempt(model, capacity, served, neither)


def _first_of(
    model: SitingFormulation, capacity: FloatArray, served: float, steps: list[tuple[bool, bool]]
) -> tuple[FloatArray, SitingLayout, tuple[str, ...]] | None:
    """Return the assignment under the first of ``steps`` that admits one."""
    for step in steps:
        found = _attempt(model, capacity, served, step)
        if found is not None:
            return found
    return None


def _attempt(
    model: SitingFormulation,
    capacity: FloatArray,
    served: float,
    step: tuple[bool, bool],
    cancel: threading.Event | None = None,
) -> tuple[FloatArray, SitingLayout, tuple[str, ...]] | None:
    """Assign under one step of :func:`_steps`; ``None`` when its rules admit no assignment.

    ``cancel``, set by another thread, stops the solve (its answer unused; ``None``).
    """
    closest, districts = step
    limit = max(model.options.solver.time_limit_s, _MIN_LIMIT_S)
    d = np.asarray(model.demand, dtype=float)
    total = float(d.sum())
    fixed, open_cols = model.assignment_model(capacity, closest=closest)
    layout = fixed.build(model.options.targets.max_travel_min, linking=False)
    # serve what the site decision served (small slack for round-off)
    layout.milp.ub[layout.u.slice] = d
    row = np.zeros(len(layout.milp.lb))
    row[layout.u.slice] = 1.0
    held = layout.milp.with_row(row, -np.inf, max(total - served, 0.0) + 1e-9 * max(total, 1.0))
    if districts:
        held = held.with_rows(*_no_worse_than_today(model, layout, open_cols))
        if not closest:  # the closest rule implies the district one
            held = held.with_rows(*_near_open(model, capacity, layout, open_cols))
    res = solve_milp(held, layout.travel, limit, 0.0, None, cancel=cancel)
    if res.x is None or res.termination == Termination.CANCELLED:
        return None
    x = np.asarray(res.x, dtype=float)
    notes = _notes(model, step, capacity, x, layout, open_cols)
    # map pair sites back to the full column numbering
    return x, replace(layout, pj=open_cols[layout.pj]), notes


def _notes(
    model: SitingFormulation,
    step: tuple[bool, bool],
    capacity: FloatArray,
    x: FloatArray,
    layout: SitingLayout,
    open_cols: IntArray,
) -> tuple[str, ...]:
    """Say which rules the assignment had to drop."""
    closest, districts = step
    notes: list[str] = []
    if model.options.targets.nearest_tolerance_min is None:
        return ()
    if not closest:
        notes.append(_far_note(model, capacity, x, layout, open_cols))
    if model.demand_district is not None and not districts:
        notes.append(
            Note("message.districts_note_also" if not closest else "message.districts_note")
        )
    return tuple(notes)


def _no_worse_than_today(
    model: SitingFormulation, layout: SitingLayout, open_cols: IntArray
) -> tuple[sp.csr_matrix, FloatArray, FloatArray]:
    r"""Rows keeping every district's mean travel at most today's, on an assignment layout.

    With :math:`B_D` district :math:`D`'s demand-weighted mean travel to the
    nearest existing site today (over its settlements reachable today), the
    mean travel of the demand served is at most :math:`B_D`:
    :math:`\sum_{i \in D} \sum_j (t_{ij} - B_D)\, x_{ij} \le 0` (linear, and
    unserved demand cannot loosen it).
    """
    minutes = np.asarray(model.minutes, dtype=float)
    d = np.asarray(model.demand, dtype=float)
    mean = district_mean_today(model)
    code, n_d = district_codes(model)
    pi, pj = layout.pi, layout.pj
    use = np.isfinite(mean[pi])
    t = minutes[pi[use], open_cols[pj[use]]] - mean[pi[use]]
    rows = sp.csr_matrix(
        (t, (code[pi[use]], layout.x.start + np.flatnonzero(use))),
        shape=(n_d, len(layout.milp.lb)),
    )
    slack = 1e-6 * max(float(d.sum()), 1.0)
    return rows, np.full(n_d, -np.inf), np.full(n_d, slack)


def _near_open(
    model: SitingFormulation, capacity: FloatArray, layout: SitingLayout, open_cols: IntArray
) -> tuple[sp.csr_matrix, FloatArray, FloatArray]:
    r"""Rows keeping every district's mean travel within the tolerance of its nearest open site.

    With :math:`n_i` settlement :math:`i`'s travel to its nearest open site
    and :math:`\tau` the tolerance, per district :math:`D`:
    :math:`\sum_{i \in D} \sum_j (t_{ij} - n_i - \tau)\, x_{ij} \le 0`.
    """
    minutes = np.asarray(model.minutes, dtype=float)
    d = np.asarray(model.demand, dtype=float)
    tolerance = model.options.targets.nearest_tolerance_min or 0.0
    nearest = nearest_open(model, capacity)
    code, n_d = district_codes(model)
    pi, pj = layout.pi, layout.pj
    t = minutes[pi, open_cols[pj]] - nearest[pi] - tolerance
    rows = sp.csr_matrix(
        (t, (code[pi], layout.x.start + np.arange(len(pi)))), shape=(n_d, len(layout.milp.lb))
    )
    slack = 1e-6 * max(float(d.sum()), 1.0)
    return rows, np.full(n_d, -np.inf), np.full(n_d, slack)


def _far_note(
    model: SitingFormulation,
    capacity: FloatArray,
    x: FloatArray,
    layout: SitingLayout,
    open_cols: IntArray,
) -> str:
    """Say who is served beyond the tolerance of their nearest open site."""
    tolerance = model.options.targets.nearest_tolerance_min
    minutes = np.asarray(model.minutes, dtype=float)
    nearest = nearest_open(model, capacity)
    flows = x[layout.x.slice]
    pi, pj = layout.pi, open_cols[layout.pj]
    far = (flows > TOL_FLOW) & (minutes[pi, pj] > nearest[pi] + (tolerance or 0.0) + 1e-6)
    places = float(flows[far].sum())
    settlements = len(np.unique(pi[far]))
    return Note(
        "message.far_note",
        tolerance=float(tolerance or 0.0),
        places=Fixed(places),
        settlements=int(settlements),
    )
