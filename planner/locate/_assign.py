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
from typing import Final, NamedTuple

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

__all__ = [
    "ASSIGNMENT_CUT",
    "CLOSEST",
    "DISTRICTS",
    "NEITHER",
    "STRICT",
    "TODAY",
    "AssignmentStopped",
    "Rule",
    "assign_to_open_sites",
]

#: Smallest time limit (s) of an assignment solve (a safety net, like every limit).
_MIN_LIMIT_S = 10.0
#: Share of the demand a step with district rows may serve less than the site decision when
#: it otherwise admits no assignment (the site decision keeps its rows to a tolerance).
_SERVED_ROUND_OFF = 1e-5
#: Key of the note an assignment the time limit stopped before it was proven carries.
ASSIGNMENT_CUT = "message.assignment_cut"


class AssignmentStopped(Exception):  # noqa: N818 - a signal to the caller, not a fault
    """The time limit stopped an assignment before it found any (nothing is proven)."""


class Rule(NamedTuple):
    """One step of the assignment: the rules it keeps.

    Attributes
    ----------
    closest
        Every settlement within the tolerance of its nearest open site (this
        implies ``near``, whose rows are then not added).
    today
        Every district's mean travel at most today's.
    near
        Every district's mean travel within the tolerance of its mean travel
        to the nearest open site.
    """

    closest: bool
    today: bool
    near: bool


#: Every rule: the closest rule and no district worse off than today.
STRICT: Final = Rule(closest=True, today=True, near=True)
#: The district rule the site decision keeps (no district worse off, none far from its nearest).
DISTRICTS: Final = Rule(closest=False, today=True, near=True)
#: No district worse off than today, however far from its nearest open site.
TODAY: Final = Rule(closest=False, today=True, near=False)
#: The closest rule alone.
CLOSEST: Final = Rule(closest=True, today=False, near=True)
#: No rule.
NEITHER: Final = Rule(closest=False, today=False, near=False)


def _steps(model: SitingFormulation) -> list[Rule]:
    """List the rules to try, strictest first.

    No district worse off than today comes before the closest rule: the site
    decision keeps the district rule (:data:`DISTRICTS`) for its capacities,
    and a settlement referred beyond its nearest open site is a lesser harm
    than a district whose mean travel grows.
    """
    if model.options.targets.nearest_tolerance_min is None:
        return [NEITHER]
    if model.demand_district is None:
        return [CLOSEST, NEITHER]
    return [STRICT, DISTRICTS, TODAY, CLOSEST, NEITHER]


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
    travel at most today's (``demand_district``). When the capacities chosen
    do not allow both, the rules are dropped in this order (:func:`_steps`):
    the closest rule, keeping every district at most at today's mean and
    within the tolerance of its mean travel to its nearest open site (the
    rule the site decision keeps for its capacities); then that tolerance,
    keeping today's means; then today's means, keeping the closest rule;
    then every rule. The returned notes say which were dropped and what
    proves they had to be.

    The answer is that of trying the steps in turn. The closest rule alone
    is solved first: when it admits no assignment neither does the strictest
    step, which is then not solved. The district rule is solved meanwhile on
    a second thread (cancelled once the strictest step admits an
    assignment, since its answer then goes unused).

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
    if len(steps) < len(_ALL_STEPS):
        return _first_of(model, capacity, served, steps, limit)
    # The order of the steps decides which answer is kept (_first_of), so the result
    # does not depend on which solve ends first.
    not_needed = threading.Event()
    later = Background(lambda: _attempt(model, capacity, served, (DISTRICTS, limit), not_needed))
    known: dict[Rule, _Found | str | None] = {}
    try:
        known[CLOSEST] = _attempt(model, capacity, served, (CLOSEST, limit))
        if isinstance(known[CLOSEST], tuple):
            known[STRICT] = _attempt(model, capacity, served, (STRICT, limit))
            if isinstance(known[STRICT], tuple):
                not_needed.set()  # the district rule's answer goes unused
        else:  # STRICT admits no more than CLOSEST does (or the limit stopped both)
            known[STRICT] = known[CLOSEST]
    finally:
        later.join()  # no solver thread outlives the call
    known[DISTRICTS] = later.result()
    return _first_of(model, capacity, served, steps, limit, known=known)


_STOPPED: Final = "stopped"
_Found = tuple[FloatArray, SitingLayout, tuple[str, ...]]
_ALL_STEPS: Final = (STRICT, DISTRICTS, TODAY, CLOSEST, NEITHER)


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
    "message.far_note": CLOSEST,
    "message.far_districts_note": STRICT,
    "message.districts_note": TODAY,
    "message.districts_note_also": TODAY,
    "message.districts_near_note": DISTRICTS,
}


def _marked(
    found: _Found, *, answers: dict[Rule, _Found | str | None], closest_none: bool, limit: _Limit
) -> _Found:
    """Say what the stricter steps' answers prove, and what the time limit left unknown.

    A note that the capacities cannot keep a rule is so only if the step that
    tests the rule was proven to admit no assignment; where the limit stopped
    that step, the note says the limit stopped it instead (``<key>_cut``). The
    note of a stopped assignment is added once. ``answers`` are those of the
    steps before ``found``'s. A far note true only with the district rule
    (``far_districts_note``) is told in the stronger form (``far_note``) when
    the closest rule alone was proven to admit no assignment
    (``closest_none``).
    """
    x, layout, notes = found
    if closest_none:
        notes = tuple(_renamed(n, "message.far_districts_note", "message.far_note") for n in notes)
    stopped = {step for step, answer in answers.items() if answer == _STOPPED}
    if not stopped:
        return x, layout, notes
    told = tuple(
        _renamed(n, n.key, f"{n.key}_cut")
        if isinstance(n, Note) and _PROVEN_BY.get(n.key) in stopped
        else n
        for n in notes
    )
    if not any(getattr(n, "key", "") == ASSIGNMENT_CUT for n in told):
        told = (*told, Note(ASSIGNMENT_CUT, seconds=Fixed(limit.limit_s, 0)))
    return x, layout, told


def _renamed(note: str, key: str, new: str) -> str:
    """Give the note of key ``key`` the key ``new`` (any other note is returned as is)."""
    if isinstance(note, Note) and note.key == key:
        return Note(new, **note.values)
    return note


def _first_of(
    model: SitingFormulation,
    capacity: FloatArray,
    served: float,
    steps: list[Rule],
    limit: _Limit,
    *,
    known: dict[Rule, _Found | str | None] | None = None,
) -> _Found | None:
    """Return the assignment under the first of ``steps`` that admits one.

    ``known`` are answers of steps already solved (an assignment, ``None``
    for none, or :data:`_STOPPED`); each other step is solved when reached.
    A step the time limit stopped marks the assignment found after it
    (:func:`_marked`), or, with none found, raises :class:`AssignmentStopped`.
    """
    answers: dict[Rule, _Found | str | None] = {}
    for step in steps:
        if known is not None and step in known:
            answer = known[step]
        else:
            answer = _attempt(model, capacity, served, (step, limit))
        if isinstance(answer, tuple):
            closest = answers.get(CLOSEST, (known or {}).get(CLOSEST, _STOPPED))
            return _marked(answer, answers=answers, closest_none=closest is None, limit=limit)
        answers[step] = answer
    if _STOPPED in answers.values():
        raise AssignmentStopped
    return None


def _attempt(
    model: SitingFormulation,
    capacity: FloatArray,
    served: float,
    rules: tuple[Rule, _Limit],
    cancel: threading.Event | None = None,
) -> _Found | str | None:
    """Assign under one step of :func:`_steps`; ``None`` when its rules admit no assignment.

    ``rules`` is the step and the time limit. ``cancel``, set by another
    thread, stops the solve (its answer unused; ``None``). A solve the time
    limit stops keeps what it found, with a note; if it found nothing, the
    answer is :data:`_STOPPED` (whether the rules admit one is unknown).
    """
    step, limit = rules
    d = np.asarray(model.demand, dtype=float)
    total = float(d.sum())
    fixed, open_cols = model.assignment_model(capacity, closest=step.closest)
    layout = fixed.build(model.options.targets.max_travel_min, linking=False)
    # serve what the site decision served (small slack for round-off)
    layout.milp.ub[layout.u.slice] = d
    row = np.zeros(len(layout.milp.lb))
    row[layout.u.slice] = 1.0
    held = layout.milp.with_row(row, -np.inf, max(total - served, 0.0) + 1e-9 * max(total, 1.0))
    served_row = layout.milp.a.shape[0]  # the row just added
    if model.demand_district is not None:
        if step.today:
            held = held.with_rows(*_no_worse_than_today(model, layout, open_cols))
        if step.near and not step.closest:  # the closest rule implies the district one
            held = held.with_rows(*_near_open(model, capacity, layout, open_cols))
    res = solve_milp(held, layout.travel, limit.left(), 0.0, None, cancel=cancel)
    if held.a.shape[0] > served_row + 1 and res.termination == Termination.INFEASIBLE:
        # the site decision meets its district rows to the solver's tolerance, and the
        # amount it serves may then exceed what the rows allow by a hair (a drawn instance:
        # 1.8e-6 places): serving 1e-5 of the demand less decides whether that is all
        hi = held.hi.copy()
        hi[served_row] += _SERVED_ROUND_OFF * max(total, 1.0)
        res = solve_milp(
            replace(held, hi=hi), layout.travel, limit.left(), 0.0, None, cancel=cancel
        )
    if res.termination == Termination.CANCELLED:
        return None
    if res.x is None:
        return _STOPPED if res.termination == Termination.LIMIT else None
    x = np.asarray(res.x, dtype=float)
    notes = _notes(model, step, capacity, x, (layout, open_cols))
    if res.termination == Termination.LIMIT:
        notes += (Note(ASSIGNMENT_CUT, seconds=Fixed(limit.limit_s, 0)),)
    # map pair sites back to the full column numbering
    return x, replace(layout, pj=open_cols[layout.pj]), notes


def _notes(
    model: SitingFormulation,
    step: Rule,
    capacity: FloatArray,
    x: FloatArray,
    where: tuple[SitingLayout, IntArray],
) -> tuple[str, ...]:
    """Say which rules the assignment under ``step`` dropped (``where``: layout, open sites).

    Each note names the step whose having no assignment proves it
    (:data:`_PROVEN_BY`): a step is reached only when every step before it in
    :func:`_steps` admits none.
    """
    if model.options.targets.nearest_tolerance_min is None:
        return ()
    layout, open_cols = where
    notes: list[str] = []
    districts = model.demand_district is not None
    if not step.closest:
        key = "message.far_districts_note" if districts and step.today else "message.far_note"
        notes.append(_far_note(model, capacity, x, (layout, open_cols), key=key))
    if districts and step.today and not step.near:
        tolerance = Fixed(model.options.targets.nearest_tolerance_min, 0)
        notes.append(Note("message.districts_near_note", tolerance=tolerance))
    elif districts and not step.today:
        key = "message.districts_note" if step.closest else "message.districts_note_also"
        notes.append(Note(key))
    return tuple(notes)


def _no_worse_than_today(
    model: SitingFormulation, layout: SitingLayout, open_cols: IntArray
) -> tuple[sp.csr_matrix, FloatArray, FloatArray]:
    r"""Rows keeping every district's mean travel at most today's, on an assignment layout.

    With :math:`B_D` district :math:`D`'s demand-weighted mean travel to the
    nearest existing site today (over its settlements reachable today), the
    mean travel of the demand served to those settlements is at most :math:`B_D`:
    :math:`\sum_{i \in D} \sum_j (t_{ij} - B_D)\, x_{ij} \le 0` (linear, and
    unserved demand cannot loosen it).
    """
    minutes = np.asarray(model.minutes, dtype=float)
    d = np.asarray(model.demand, dtype=float)
    mean = district_mean_today(model)
    code, n_d = district_codes(model)
    pi, pj = layout.pi, layout.pj
    # settlements with no road path today are not held to it (formulation._today_by_district)
    today = (
        minutes[:, : model.n_existing].min(axis=1) if model.n_existing else np.full(len(d), np.inf)
    )
    use = np.isfinite(mean[pi]) & np.isfinite(today[pi])
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
    where: tuple[SitingLayout, IntArray],
    *,
    key: str,
) -> str:
    """Say who is served beyond the tolerance of their nearest open site (note ``key``)."""
    layout, open_cols = where
    tolerance = model.options.targets.nearest_tolerance_min
    minutes = np.asarray(model.minutes, dtype=float)
    nearest = nearest_open(model, capacity)
    flows = x[layout.x.slice]
    pi, pj = layout.pi, open_cols[layout.pj]
    far = (flows > TOL_FLOW) & (minutes[pi, pj] > nearest[pi] + (tolerance or 0.0) + 1e-6)
    places = float(flows[far].sum())
    settlements = len(np.unique(pi[far]))
    return Note(
        key,
        tolerance=float(tolerance or 0.0),
        places=Fixed(places),
        settlements=int(settlements),
    )
