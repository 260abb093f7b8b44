"""The assignment step: settlements referred to the chosen sites, nearest first.

Once the site decision has fixed every site's capacity, each settlement is
assigned by a linear programme of least demand-weighted travel (a MILP under
single sourcing), with the closest-assignment rule applied to every open site
and every district's mean travel kept at most today's where the capacities
allow, relaxed step by step where they do not, each relaxation said in words.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Final

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

__all__ = ["ASSIGNMENT_CUT", "AssignmentStopped", "assign_to_open_sites"]

#: Smallest time limit (s) of an assignment solve (a safety net, like every limit).
_MIN_LIMIT_S = 10.0
#: Key of the note an assignment the time limit stopped before it was proven carries.
ASSIGNMENT_CUT = "message.assignment_cut"


class AssignmentStopped(Exception):  # noqa: N818 - a signal to the caller, not a fault
    """The time limit stopped an assignment before it found any (nothing is proven)."""


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
    model: SitingFormulation,
    capacity: FloatArray,
    served: float,
    *,
    deadline: float | None = None,
) -> tuple[FloatArray, SitingLayout, tuple[str, ...]] | None:
    """Assign every settlement to open sites with fixed capacities, least travel first.

    Under the closest-assignment rule the assignment keeps every settlement
    within the tolerance of its nearest *open* site and every district's mean
    travel at most today's (``demand_district``); when the capacities chosen
    do not allow both, it drops the district rows, then the closest rule
    (keeping the districts), then both; the last step still keeps every
    district's mean travel at most today's where that alone is possible (the
    site decision's district rows make it so for its capacities), dropping
    only the district rows' tolerance to the nearest open site. It says which
    in the returned notes. The answer is
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
    deadline
        ``time.perf_counter()`` of the plan's time limit (a safety net, shared
        with the steps before): each solve gets what is left of it, at least
        10 s. ``None``: each solve gets ``solver.time_limit_s``. An assignment
        the limit stops (a MILP under single sourcing; an LP ends long before)
        is kept with a note of key :data:`ASSIGNMENT_CUT`.

    Returns
    -------
    tuple or None
        The solution vector, its layout (sites in the model's numbering) and
        notes; ``None`` if no assignment exists (a model error).

    Raises
    ------
    AssignmentStopped
        If the time limit stopped a solve before it found any assignment.
    """
    steps = _steps(model)
    limit = _Limit(model.options.solver.time_limit_s, deadline)
    if len(steps) < 4:
        return _first_of(model, capacity, served, steps, limit)
    strict, closest_only, districts_only, neither = steps
    # (T, F) admits every assignment (T, T) does: when it has none, neither has (T, T),
    # and (F, T) is next. It is solved meanwhile on a second thread; the order of the
    # rules decides which answer is kept, so the result does not depend on timing.
    not_needed = threading.Event()
    later = Background(
        lambda: _attempt(model, capacity, served, (districts_only, limit), not_needed)
    )
    loose = _attempt(model, capacity, served, (closest_only, limit))
    if isinstance(loose, tuple):
        not_needed.set()  # (F, T) comes after (T, F): cancelled, not waited for
        try:
            found = _attempt(model, capacity, served, (strict, limit))
        finally:
            later.join()  # no solver thread outlives the call
        if isinstance(found, tuple):
            return found
        stopped = {strict} if found == _STOPPED else set()
        return _marked(loose, stopped=stopped, limit=limit)
    # (T, F) admits none, or the limit stopped it: the district rule alone, then neither
    tried = ((closest_only, loose), (districts_only, later.result()))
    return _first_of(model, capacity, served, [neither], limit, tried=tried)


_STOPPED: Final = "stopped"
_Found = tuple[FloatArray, SitingLayout, tuple[str, ...]]


class _Limit:
    """The time limit of each assignment solve: what is left of the plan's, at least 10 s."""

    def __init__(self, limit_s: float, deadline: float | None) -> None:
        self.limit_s = limit_s
        self.deadline = deadline

    def left(self) -> float:
        """Seconds the next solve may take."""
        if self.deadline is None:
            return max(self.limit_s, _MIN_LIMIT_S)
        return max(self.deadline - time.perf_counter(), _MIN_LIMIT_S)


#: The step whose having no assignment proves each note's "the capacities cannot ...".
_PROVEN_BY: Final = {
    "message.far_note": (True, False),
    "message.districts_note": (True, True),
    "message.districts_note_also": (False, True),
    "message.districts_near_note": (False, True),
}


def _marked(found: _Found, *, stopped: set[tuple[bool, bool]], limit: _Limit) -> _Found:
    """Say what the time limit left unknown when stricter steps' solves were stopped.

    A note that the capacities cannot keep a rule is so only if the step that
    tests the rule was proven to admit no assignment; where the limit stopped
    that step, the note says the limit stopped it instead (``<key>_cut``). The
    note of a stopped assignment is added once.
    """
    x, layout, notes = found
    if not stopped:
        return found
    told = tuple(
        Note(f"{n.key}_cut", **n.values)
        if isinstance(n, Note) and _PROVEN_BY.get(n.key) in stopped
        else n
        for n in notes
    )
    if not any(getattr(n, "key", "") == ASSIGNMENT_CUT for n in told):
        told = (*told, Note(ASSIGNMENT_CUT, seconds=Fixed(limit.limit_s, 0)))
    return x, layout, told


def _first_of(
    model: SitingFormulation,
    capacity: FloatArray,
    served: float,
    steps: list[tuple[bool, bool]],
    limit: _Limit,
    *,
    tried: tuple[tuple[tuple[bool, bool], _Found | str | None], ...] = (),
) -> _Found | None:
    """Return the assignment under the first of ``steps`` that admits one.

    ``tried`` are stricter steps already solved, with their answers: the first
    assignment among them is returned, and a step the time limit stopped marks
    the assignment found after it (:func:`_marked`), or, with none found,
    raises :class:`AssignmentStopped`.
    """
    stopped: set[tuple[bool, bool]] = set()
    for step, answer in tried:
        if isinstance(answer, tuple):
            return _marked(answer, stopped=stopped, limit=limit)
        if answer == _STOPPED:
            stopped.add(step)
    for step in steps:
        found = _attempt(model, capacity, served, (step, limit))
        if isinstance(found, tuple):
            return _marked(found, stopped=stopped, limit=limit)
        if found == _STOPPED:
            stopped.add(step)
    if stopped:
        raise AssignmentStopped
    return None


def _attempt(
    model: SitingFormulation,
    capacity: FloatArray,
    served: float,
    rules: tuple[tuple[bool, bool], _Limit],
    cancel: threading.Event | None = None,
) -> _Found | str | None:
    """Assign under one step of :func:`_steps`; ``None`` when its rules admit no assignment.

    ``rules`` is the step and the time limit. ``cancel``, set by another
    thread, stops the solve (its answer unused; ``None``). A solve the time
    limit stops keeps what it found, with a note; if it found nothing, the
    answer is :data:`_STOPPED` (whether the rules admit one is unknown).
    """
    step, limit = rules
    closest, districts = step
    seconds = limit.left()
    d = np.asarray(model.demand, dtype=float)
    total = float(d.sum())
    fixed, open_cols = model.assignment_model(capacity, closest=closest)
    layout = fixed.build(model.options.targets.max_travel_min, linking=False)
    # serve what the site decision served (small slack for round-off)
    layout.milp.ub[layout.u.slice] = d
    row = np.zeros(len(layout.milp.lb))
    row[layout.u.slice] = 1.0
    held = layout.milp.with_row(row, -np.inf, max(total - served, 0.0) + 1e-9 * max(total, 1.0))
    today = None
    if districts or (not closest and model.demand_district is not None):
        today = held.with_rows(*_no_worse_than_today(model, layout, open_cols))
    if districts and today is not None:
        held = today
        if not closest:  # the closest rule implies the district one
            held = held.with_rows(*_near_open(model, capacity, layout, open_cols))
    kept_today = False
    if today is not None and not districts:
        # the last step still keeps every district at most at today's mean where that alone
        # is possible (the site decision's district rows make it so for its capacities)
        res = solve_milp(today, layout.travel, seconds, 0.0, None, cancel=cancel)
        kept_today = res.x is not None
        if not kept_today and res.termination != Termination.CANCELLED:
            res = solve_milp(held, layout.travel, limit.left(), 0.0, None, cancel=cancel)
    else:
        res = solve_milp(held, layout.travel, seconds, 0.0, None, cancel=cancel)
    if res.termination == Termination.CANCELLED:
        return None
    if res.x is None:
        return _STOPPED if res.termination == Termination.LIMIT else None
    x = np.asarray(res.x, dtype=float)
    notes = _notes(model, step, capacity, x, layout, open_cols, kept_today=kept_today)
    if res.termination == Termination.LIMIT:
        notes += (Note(ASSIGNMENT_CUT, seconds=Fixed(limit.limit_s, 0)),)
    # map pair sites back to the full column numbering
    return x, replace(layout, pj=open_cols[layout.pj]), notes


def _notes(
    model: SitingFormulation,
    step: tuple[bool, bool],
    capacity: FloatArray,
    x: FloatArray,
    layout: SitingLayout,
    open_cols: IntArray,
    *,
    kept_today: bool = False,
) -> tuple[str, ...]:
    """Say which rules the assignment had to drop (``kept_today``: all but no district worse)."""
    closest, districts = step
    notes: list[str] = []
    if model.options.targets.nearest_tolerance_min is None:
        return ()
    if not closest:
        notes.append(_far_note(model, capacity, x, layout, open_cols))
    if kept_today:
        tolerance = Fixed(model.options.targets.nearest_tolerance_min, 0)
        notes.append(Note("message.districts_near_note", tolerance=tolerance))
    elif model.demand_district is not None and not districts:
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
