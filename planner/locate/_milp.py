r"""MILP plumbing shared by the location models: named blocks, one solve call, typed status.

A model is assembled by a :class:`MilpBuilder` that hands out **named** blocks
of variables (:meth:`MilpBuilder.add_variables`) and of constraint rows
(:meth:`MilpBuilder.add_constraints`), in the vocabulary of linopy, and
produces a :class:`Milp` in :func:`scipy.optimize.milp` form: minimise
:math:`c^\top x` subject to :math:`lo \le A x \le hi`, :math:`lb \le x \le ub`.
The matrices stay plain scipy/numpy (that is the speed); the names replace
hand-computed offsets. :func:`solve_milp` runs HiGHS and reports a
:class:`Termination`, not an integer code.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from planner._progress import stage

_log = logging.getLogger(__name__)

__all__ = [
    "BoolArray",
    "Deadline",
    "FloatArray",
    "IntArray",
    "Milp",
    "MilpBuilder",
    "Outcome",
    "Termination",
    "VarBlock",
    "feasible",
    "integral_bound",
    "solve_milp",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Slack on comparisons of travel times and distances with their limits.
TOL_LIMIT = 1e-9
#: Flows and capacities at or below this are zero.
TOL_FLOW = 1e-6


class Termination(StrEnum):
    """Why one solver call ended (after linopy's ``TerminationCondition``)."""

    OPTIMAL = "optimal"
    LIMIT = "limit"
    """The time limit stopped it (depends on machine speed and load)."""
    WORK_LIMIT = "work_limit"
    """The node budget stopped it (the same on every machine)."""
    INFEASIBLE = "infeasible"
    CANCELLED = "cancelled"
    """The caller cancelled it (its answer was no longer needed); never a plan's status."""
    OTHER = "other"


@dataclass
class Milp:
    """A MILP in scipy.optimize.milp form: min c x, lo <= A x <= hi, lb <= x <= ub."""

    c: FloatArray
    a: sp.csr_matrix
    lb: FloatArray
    ub: FloatArray
    lo: FloatArray
    hi: FloatArray
    integrality: npt.NDArray[np.int_]

    def rows(self, keep: IntArray) -> Milp:
        """Return the model with only the rows ``keep``."""
        return Milp(
            self.c, self.a[keep], self.lb, self.ub, self.lo[keep], self.hi[keep], self.integrality
        )

    def with_row(self, coefficients: FloatArray, lower: float, upper: float) -> Milp:
        """Return the model with one more row ``lower <= coefficients @ x <= upper``."""
        extra = sp.csr_matrix(np.asarray(coefficients, dtype=float).reshape(1, -1))
        return Milp(
            self.c,
            sp.vstack([self.a, extra]).tocsr(),
            self.lb,
            self.ub,
            np.append(self.lo, lower),
            np.append(self.hi, upper),
            self.integrality,
        )

    def with_rows(self, rows: sp.csr_matrix, lower: FloatArray, upper: FloatArray) -> Milp:
        """Return the model with more rows ``lower <= rows @ x <= upper``."""
        return Milp(
            self.c,
            sp.vstack([self.a, rows]).tocsr(),
            self.lb,
            self.ub,
            np.concatenate([self.lo, lower]),
            np.concatenate([self.hi, upper]),
            self.integrality,
        )

    def fixed(self, columns: IntArray, values: FloatArray) -> Milp:
        """Return the model with ``columns`` fixed to ``values``."""
        lb, ub = self.lb.copy(), self.ub.copy()
        lb[columns] = values
        ub[columns] = values
        return Milp(self.c, self.a, lb, ub, self.lo, self.hi, self.integrality)

    def relaxed(self) -> Milp:
        """Return the linear relaxation (no integer variables)."""
        return Milp(
            self.c, self.a, self.lb, self.ub, self.lo, self.hi, np.zeros_like(self.integrality)
        )


@dataclass(frozen=True)
class VarBlock:
    """A named block of variables: its columns are ``start + arange(size)``, shaped."""

    name: str
    start: int
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        """Number of variables in the block."""
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def stop(self) -> int:
        """One past the last column."""
        return self.start + self.size

    @property
    def cols(self) -> IntArray:
        """Column of each variable, in the block's shape."""
        return np.arange(self.start, self.stop, dtype=np.int64).reshape(self.shape)

    @property
    def slice(self) -> slice:
        """The block's columns as a slice of a solution vector."""
        return slice(self.start, self.stop)


@dataclass
class MilpBuilder:
    """Assemble a sparse MILP from named variable and constraint blocks.

    Examples
    --------
    >>> b = MilpBuilder()
    >>> x = b.add_variables("x", (2,), ub=1.0, integer=True)
    >>> _ = b.add_constraints("one", rows=[0, 0], cols=x.cols, vals=[1, 1], lower=1, upper=1)
    >>> b.build().a.toarray().tolist()
    [[1.0, 1.0]]
    """

    _blocks: dict[str, VarBlock] = field(default_factory=dict)
    _lb: list[FloatArray] = field(default_factory=list)
    _ub: list[FloatArray] = field(default_factory=list)
    _int: list[npt.NDArray[np.int_]] = field(default_factory=list)
    _rows: list[IntArray] = field(default_factory=list)
    _cols: list[IntArray] = field(default_factory=list)
    _vals: list[FloatArray] = field(default_factory=list)
    _lo: list[FloatArray] = field(default_factory=list)
    _hi: list[FloatArray] = field(default_factory=list)
    _row_blocks: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    n_vars: int = 0
    n_rows: int = 0

    def add_variables(
        self,
        name: str,
        shape: int | tuple[int, ...],
        *,
        lb: float | npt.ArrayLike = 0.0,
        ub: float | npt.ArrayLike = np.inf,
        integer: bool = False,
    ) -> VarBlock:
        """Add a block of variables and return it.

        Parameters
        ----------
        name
            Unique block name.
        shape
            Number of variables, or their shape (flattened in C order).
        lb, ub
            Bounds, scalars or arrays broadcast to the block.
        integer
            Whether the variables are integer.

        Returns
        -------
        VarBlock
        """
        if name in self._blocks:
            raise ValueError(f"variable block {name!r} exists already")
        dims = (shape,) if isinstance(shape, int) else tuple(shape)
        block = VarBlock(name, self.n_vars, dims)
        n = block.size
        self._lb.append(np.broadcast_to(np.asarray(lb, dtype=float).ravel(), (n,)).copy())
        self._ub.append(np.broadcast_to(np.asarray(ub, dtype=float).ravel(), (n,)).copy())
        self._int.append(np.full(n, 1 if integer else 0, dtype=np.int_))
        self._blocks[name] = block
        self.n_vars += n
        return block

    def add_constraints(
        self,
        name: str,
        *,
        rows: npt.ArrayLike,
        cols: npt.ArrayLike,
        vals: npt.ArrayLike,
        lower: float | npt.ArrayLike,
        upper: float | npt.ArrayLike,
        count: int | None = None,
    ) -> IntArray:
        """Add ``count`` rows ``lower <= A x <= upper`` given as triplets; return their indices.

        Parameters
        ----------
        name
            Constraint family; a name may be used again (its rows accumulate).
        rows
            Row of each coefficient, numbered from 0 within this block.
        cols, vals
            Column and value of each coefficient (``vals`` broadcast).
        lower, upper
            Bounds of each row, scalars or arrays.
        count
            Number of rows; default one more than the largest row number.

        Returns
        -------
        numpy.ndarray
            Indices of the new rows in the model.
        """
        rr = np.asarray(rows, dtype=np.int64).ravel()
        cc = np.asarray(cols, dtype=np.int64).ravel()
        n = int(count) if count is not None else (int(rr.max()) + 1 if len(rr) else 0)
        first = self.n_rows
        self._rows.append(rr + first)
        self._cols.append(cc)
        self._vals.append(np.broadcast_to(np.asarray(vals, dtype=float), cc.shape).copy())
        self._lo.append(np.broadcast_to(np.asarray(lower, dtype=float), (n,)).copy())
        self._hi.append(np.broadcast_to(np.asarray(upper, dtype=float), (n,)).copy())
        self._row_blocks.setdefault(name, []).append((first, first + n))
        self.n_rows += n
        return np.arange(first, first + n, dtype=np.int64)

    def add_row(
        self, name: str, cols: npt.ArrayLike, vals: npt.ArrayLike, lower: float, upper: float
    ) -> int:
        """Add one row ``lower <= sum(vals * x[cols]) <= upper``; return its index.

        Parameters
        ----------
        name
            Constraint family.
        cols, vals
            Columns and coefficients (``vals`` broadcast).
        lower, upper
            Bounds of the row.

        Returns
        -------
        int
        """
        cc = np.asarray(cols, dtype=np.int64).ravel()
        rows = self.add_constraints(
            name, rows=np.zeros(len(cc)), cols=cc, vals=vals, lower=lower, upper=upper, count=1
        )
        return int(rows[0])

    def block(self, name: str) -> VarBlock:
        """Return the variable block called ``name``."""
        return self._blocks[name]

    def constraint_rows(self, name: str) -> IntArray:
        """Return the indices of every row added under ``name`` (empty if none)."""
        spans = self._row_blocks.get(name, [])
        if not spans:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([np.arange(a, b, dtype=np.int64) for a, b in spans])

    def build(self, c: FloatArray | None = None) -> Milp:
        """Return the assembled :class:`Milp` (objective ``c``, default zero)."""
        a = sp.csr_matrix(
            (
                np.concatenate(self._vals) if self._vals else np.zeros(0),
                (
                    np.concatenate(self._rows) if self._rows else np.zeros(0, dtype=np.int64),
                    np.concatenate(self._cols) if self._cols else np.zeros(0, dtype=np.int64),
                ),
            ),
            shape=(self.n_rows, self.n_vars),
        )
        return Milp(
            c=np.zeros(self.n_vars) if c is None else np.asarray(c, dtype=float),
            a=a,
            lb=np.concatenate(self._lb) if self._lb else np.zeros(0),
            ub=np.concatenate(self._ub) if self._ub else np.zeros(0),
            lo=np.concatenate(self._lo) if self._lo else np.zeros(0),
            hi=np.concatenate(self._hi) if self._hi else np.zeros(0),
            integrality=np.concatenate(self._int) if self._int else np.zeros(0, dtype=np.int_),
        )


@dataclass(frozen=True)
class Outcome:
    """What one solver call returned."""

    termination: Termination
    x: FloatArray | None
    mip_dual_bound: float | None
    mip_gap: float | None
    message: str
    #: The search proved a relaxation optimal whose solution the model searched for plans
    #: does not hold (merged settlements under district rows): the plans it could not
    #: search may be better.
    restricted: bool = False

    @property
    def has_solution(self) -> bool:
        """Whether a solution came back (optimal, or the best found at a limit)."""
        return self.x is not None and self.termination in (
            Termination.OPTIMAL,
            Termination.LIMIT,
            Termination.WORK_LIMIT,
        )


@dataclass(frozen=True)
class Deadline:
    """A time budget for a sequence of solver calls, measured from ``started``."""

    started: float
    limit_s: float

    @classmethod
    def start(cls, limit_s: float) -> Deadline:
        """Start a budget of ``limit_s`` seconds now."""
        return cls(time.perf_counter(), limit_s)

    def elapsed(self) -> float:
        """Seconds since the start."""
        return time.perf_counter() - self.started

    def left(self) -> float:
        """Seconds left of the budget (negative when spent)."""
        return self.limit_s - self.elapsed()

    def at(self, fraction: float) -> float:
        """Return the clock time at ``fraction`` of the budget (a sub-step's deadline)."""
        return self.started + fraction * self.limit_s


#: Guards the first HiGHS instance of the process (see :func:`_new_highs`).
_FIRST_HIGHS = threading.Lock()
_banner_silenced = False


def _new_highs() -> Any:
    """Return a new HiGHS instance, the process's first made with its banner silenced.

    HiGHS prints a banner on standard output when the process's first
    instance is made, and only then. Silencing it redirects file descriptor
    1, which every thread shares: two threads doing so at once could leave
    it pointing at ``/dev/null`` for the rest of the run (the terminal
    summary lost). So only the first instance is made that way, under a
    lock; every later one is made as is.
    """
    import highspy

    global _banner_silenced  # set once per process, under the lock
    with _FIRST_HIGHS:
        if not _banner_silenced:
            with _quiet_stdout():
                h = highspy.Highs()  # type: ignore[no-untyped-call]
            _banner_silenced = True
            return h
    return highspy.Highs()  # type: ignore[no-untyped-call]


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # pragma: no cover - no file descriptor 1
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def integral_bound(bound: float, c: FloatArray, integrality: npt.ArrayLike) -> float:
    """Round a lower bound up to the next value the objective can take.

    When every column with a cost is integer and every cost is a whole number,
    every plan's objective is a multiple of the costs' greatest common divisor
    (e.g. sites costing 10, 18 and 32: an even number), so a bound between two
    such values rises to the next one. Otherwise ``bound`` is returned as is.

    Parameters
    ----------
    bound
        A proven lower bound (e.g. the LP relaxation's value).
    c
        Objective vector.
    integrality
        Whether each column is integer (non-zero) or continuous (0).

    Returns
    -------
    float

    Examples
    --------
    >>> integral_bound(738.24, np.array([10.0, 18.0, 32.0, 0.0]), [1, 1, 1, 0])
    740.0
    >>> integral_bound(738.24, np.array([10.0, 0.5]), [1, 0])
    738.24
    """
    costs = np.asarray(c, dtype=float)
    priced = costs != 0
    if not math.isfinite(bound) or not priced.any():
        return bound
    if np.any(priced & (np.asarray(integrality) == 0)):
        return bound
    whole = np.round(costs[priced])
    if np.any(np.abs(costs[priced] - whole) > 1e-9) or np.abs(whole).max() > 2**52:
        return bound
    step = float(np.gcd.reduce(np.abs(whole).astype(np.int64)))
    return float(step * math.ceil(bound / step - 1e-9))


class _StalledCuts:
    """Stop a root search once its cutting planes no longer raise the bound.

    HiGHS calls this at each of its checkpoints (its MIP interrupt callback):
    at the root, after the LP and after each step of cutting planes. The
    bound, rounded up to the next value the objective can take
    (:func:`integral_bound`), is compared with the best so far: a rise of
    more than a millionth resets the count, anything less is a stalled
    checkpoint, and ``checks`` stalled checkpoints in a row end the search.
    HiGHS reaches the same checkpoints with the same bounds on any machine
    (one thread, a fixed seed), so where it stops is the same too: a work
    limit, not a time limit.
    """

    def __init__(self, checks: int, c: FloatArray, integrality: npt.ArrayLike) -> None:
        self.checks = checks
        self.c = c
        self.integrality = np.asarray(integrality)
        self.best = -math.inf
        self.stalled = 0
        self.stopped = False

    def __call__(self, event: Any) -> None:
        """Count one checkpoint; interrupt HiGHS after ``checks`` stalled ones in a row."""
        out = event.data_out
        if out.mip_node_count > 0 or not math.isfinite(out.mip_dual_bound):
            return  # branching has begun, or the root LP is not solved yet
        bound = integral_bound(float(out.mip_dual_bound), self.c, self.integrality)
        if not math.isfinite(self.best) or bound > self.best + 1e-6 * max(1.0, abs(self.best)):
            self.best, self.stalled = bound, 0
            return
        self.stalled += 1
        if self.stalled >= self.checks:
            self.stopped = True
            event.interrupt()


class _Said:
    """Say a search's nodes, best plan and gap at HiGHS's checkpoints, when they change.

    The values: ``nodes``, ``limit`` (the node budget, or ``None``), ``value``
    (the best objective, rounded) and ``gap`` (per cent from the bound, to a
    tenth); a catalog text says those it needs. Read only: what HiGHS does is
    the same with it or without it.
    """

    def __init__(self, key: str, limit: int | None) -> None:
        self.key = key
        self.limit = limit
        self.last: tuple[int, int, float] | None = None

    def __call__(self, event: Any) -> None:
        """Tell :func:`planner._progress.stage` the nodes explored and the best objective."""
        out = event.data_out
        best, bound = float(out.mip_primal_bound), float(out.mip_dual_bound)
        if not math.isfinite(best):
            return
        gap = abs(best - bound) / max(abs(best), 1e-9) if math.isfinite(bound) else 1.0
        now = (int(out.mip_node_count), round(best), round(100 * gap, 1))
        if now != self.last:
            self.last = now
            stage(self.key, nodes=now[0], limit=self.limit, value=now[1], gap=now[2])


class _Cancelled:
    """Interrupt HiGHS at its next checkpoint once ``event`` is set (a HiGHS callback)."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __call__(self, event: Any) -> None:
        """Interrupt the solve if the answer is no longer needed."""
        if self.event.is_set():
            event.interrupt()


def _pass_model(h: Any, model: Milp, c: FloatArray) -> bool:
    """Hand ``model`` with objective ``c`` to the HiGHS instance ``h``; whether it is a MIP."""
    import highspy

    lp = highspy.HighsLp()
    lp.num_col_ = len(c)
    lp.num_row_ = model.a.shape[0]
    lp.col_cost_ = np.asarray(c, dtype=float)
    lp.col_lower_ = model.lb
    lp.col_upper_ = model.ub
    lp.row_lower_ = model.lo
    lp.row_upper_ = model.hi
    csc = model.a.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr
    lp.a_matrix_.index_ = csc.indices
    lp.a_matrix_.value_ = csc.data
    is_mip = bool(np.any(model.integrality))
    if is_mip:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if v else highspy.HighsVarType.kContinuous
            for v in model.integrality
        ]
    h.passModel(lp)
    return is_mip


def _termination(status: Any, *, stalled: bool, cancelled: bool) -> Termination:
    """Why HiGHS stopped, from its model status and what our callbacks did."""
    import highspy

    ms = highspy.HighsModelStatus
    if cancelled:
        return Termination.CANCELLED
    if status == ms.kOptimal:
        return Termination.OPTIMAL
    if status in (ms.kInfeasible, ms.kUnboundedOrInfeasible):
        return Termination.INFEASIBLE
    if status == ms.kInterrupt and stalled:
        return Termination.WORK_LIMIT
    if status in (ms.kTimeLimit, ms.kInterrupt):
        return Termination.LIMIT
    if status in (ms.kIterationLimit, ms.kSolutionLimit):
        return Termination.WORK_LIMIT
    return Termination.OTHER


def _options(
    time_limit: float,
    gap: float,
    node_limit: int | None,
    *,
    interior: bool = False,
    heuristics: bool = False,
) -> dict[str, Any]:
    """HiGHS options of one solve."""
    options: dict[str, Any] = {
        "output_flag": False,
        "time_limit": float(time_limit),
        "mip_rel_gap": float(gap),
        # the same answer on 2 or 16 cores: one thread, a fixed seed
        "threads": 1,
        "random_seed": 0,
    }
    if node_limit is not None:
        options["mip_max_nodes"] = int(node_limit)
    if node_limit is not None and not heuristics:
        # a node budget does not bound the root's heuristics (sub-MIPs such as RINS
        # and RENS can run for minutes on the full model): they are off, and the
        # region-by-region search plays their part
        options |= {
            "mip_heuristic_run_rins": False,
            "mip_heuristic_run_rens": False,
            "mip_heuristic_run_root_reduced_cost": False,
            "mip_heuristic_effort": 0.0,
        }
    if interior:
        # a large degenerate LP (the linking rows) solves several times faster by
        # the interior-point method, with crossover to a vertex: deterministic on
        # one thread, like the simplex
        options |= {"solver": "ipm", "run_crossover": "on", "mip_lp_solver": "ipm"}
    return options


def _consistent(c: FloatArray, x: FloatArray, info: Any, optimal_in: float | None) -> bool:
    """Whether a MIP answer agrees with itself: its objective and, if optimal, its bound.

    ``optimal_in`` is the gap of an answer said to be optimal (``None``: not said).
    """
    value = float(c @ x)
    tol = 1e-6 * max(1.0, abs(value))
    if abs(value - float(info.objective_function_value)) > tol:
        return False
    if optimal_in is not None:
        return value - float(info.mip_dual_bound) <= optimal_in * abs(value) + tol
    return True


def _said(c: FloatArray, x: FloatArray, info: Any) -> str:
    """Say what a contradicting answer said (for messages)."""
    return (
        f"objective {float(info.objective_function_value):.6g}, its solution's "
        f"{float(np.asarray(c) @ x):.6g}, bound {float(info.mip_dual_bound):.6g}"
    )


def feasible(model: Milp, x: FloatArray) -> bool:
    """Whether ``x`` keeps every row, bound and integrality of ``model``.

    To 1e-6, relative to each row's scale (the sum of its terms' sizes), as
    a solver's tolerance is.
    """
    ax = model.a @ x
    tol = 1e-6 * (1.0 + abs(model.a) @ np.abs(x))
    rows = bool(np.all(ax >= model.lo - tol) and np.all(ax <= model.hi + tol))
    tol = 1e-6 * (1.0 + np.abs(x))
    bounds = bool(np.all(x >= model.lb - tol) and np.all(x <= model.ub + tol))
    whole = np.asarray(model.integrality, dtype=bool)
    return rows and bounds and bool(np.all(np.abs(x[whole] - np.round(x[whole])) <= 1e-6))


def solve_milp(  # noqa: PLR0913 - HiGHS's controls, keyword-only after the problem
    model: Milp,
    c: FloatArray,
    time_limit: float,
    gap: float,
    start: FloatArray | None = None,
    node_limit: int | None = None,
    *,
    interior: bool = False,
    stall_checks: int = 0,
    cancel: threading.Event | None = None,
    presolve: bool = True,
    heuristics: bool = False,
    said: str | None = None,
) -> Outcome:
    """Solve with HiGHS (highspy), from a starting solution when given.

    The solver runs on one thread with a fixed random seed, so the same model
    gives the same answer on any machine unless the **time** limit stops it
    (a safety net; :attr:`Termination.LIMIT` says it did). Work is bounded by
    ``node_limit`` instead (:attr:`Termination.WORK_LIMIT`), which does not
    depend on machine speed or load.

    Parameters
    ----------
    model
        The model (its own ``c`` is ignored in favour of ``c``).
    c
        Objective vector.
    time_limit
        Seconds the solver may take (a safety net; at least one second, so
        a step started at a deadline still returns what it finds at once).
    gap
        Relative MIP gap at which to stop.
    start
        A feasible solution to start from, or ``None``.
    node_limit
        Branch-and-bound nodes the solver may explore (``None``: no limit).
        With a node limit the root's heuristics, whose work no node limit
        bounds, are off unless ``heuristics``.
    interior
        Solve the LP (of an LP, or of every node of a MILP) by the
        interior-point method with crossover instead of the simplex method:
        much faster on a large LP, slower on the small warm-started LPs of a
        deep branch-and-bound search (use it for LPs and root-only searches).
    stall_checks
        For a root-only search (``node_limit`` 1): stop once the bound
        (rounded up to the next value the objective can take) has not risen
        at this many of HiGHS's checkpoints in a row (after the root LP and
        after each step of cutting planes), reported as
        :attr:`Termination.WORK_LIMIT` with the bound reached. HiGHS's own
        rule may go on for many rounds of cuts that each add a hundredth.
        0 (or a deeper search): HiGHS decides.
    cancel
        An event another thread sets when the answer is no longer needed (a
        solve started ahead on a spare core): HiGHS stops at its next
        checkpoint, with :attr:`Termination.CANCELLED`. ``None``: not
        cancellable.
    presolve
        Let HiGHS presolve the model. An answer that contradicts itself (the
        objective HiGHS reports is not that of the solution it returns, or
        "optimal" with a bound farther from it than ``gap``) is solved again
        without presolve: HiGHS 1.16 with a start and presolve returned
        "optimal" at 28 with a solution of cost 54 on a model whose optimum
        is 38. If it still contradicts itself, its solution is kept only if
        it is feasible, with nothing proven (:attr:`Termination.WORK_LIMIT`,
        bound ``-inf``).
    heuristics
        Keep HiGHS's primal heuristics (sub-MIPs such as RINS and RENS) under a
        node limit too. Their work is counted by HiGHS itself (nodes and simplex
        iterations of the sub-MIPs, one thread), not by time, so the answer is
        still the same on any machine; but no node limit bounds it: only for a
        model whose sub-MIPs are known to take seconds.
    said
        A ``progress.*`` catalog key (fields ``nodes``, ``limit``, ``value``)
        under which the nodes explored and the best objective are said at
        HiGHS's checkpoints (:func:`planner._progress.stage`), for a long
        search; ``None``: nothing is said.

    Returns
    -------
    Outcome
    """
    import highspy

    time_limit = max(time_limit, 1.0)
    h = _new_highs()
    options = _options(time_limit, gap, node_limit, interior=interior, heuristics=heuristics)
    if not presolve:
        options["presolve"] = "off"
    for name, value in options.items():
        h.setOptionValue(name, value)
    is_mip = _pass_model(h, model, c)
    stall = None
    if stall_checks > 0 and node_limit == 1 and is_mip:
        stall = _StalledCuts(stall_checks, np.asarray(c, dtype=float), model.integrality)
        h.cbMipInterrupt.subscribe(stall)
    if said is not None and is_mip:
        h.cbMipInterrupt.subscribe(_Said(said, node_limit))
    if cancel is not None:
        stop = _Cancelled(cancel)
        for hook in (h.cbSimplexInterrupt, h.cbIpmInterrupt, h.cbMipInterrupt):
            hook.subscribe(stop)
    if start is not None and is_mip:
        sol = highspy.HighsSolution()
        sol.col_value = list(np.asarray(start, dtype=float))
        h.setSolution(sol)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    x = (
        np.asarray(h.getSolution().col_value, dtype=float)
        if info.primal_solution_status == 2
        else None
    )
    termination = _termination(
        status,
        stalled=stall is not None and stall.stopped,
        cancelled=bool(cancel and cancel.is_set()),
    )
    if termination == Termination.INFEASIBLE:
        x = None
    optimal_in = gap if termination == Termination.OPTIMAL else None
    if is_mip and x is not None and not _consistent(np.asarray(c, float), x, info, optimal_in):
        if presolve:
            _log.warning(
                "HiGHS's answer contradicts itself (%s); solving again", _said(c, x, info)
            )
            return solve_milp(
                model,
                c,
                time_limit,
                gap,
                start,
                node_limit,
                interior=interior,
                stall_checks=stall_checks,
                cancel=cancel,
                presolve=False,
                heuristics=heuristics,
                said=said,
            )
        answer = _said(c, x, info)
        kept = x if feasible(model, x) else None
        return Outcome(
            Termination.WORK_LIMIT,
            kept,
            -np.inf,
            None,
            f"the solver's answer contradicts itself ({answer}): nothing is proven",
        )
    bound = float(info.mip_dual_bound) if is_mip else (float(c @ x) if x is not None else None)
    return Outcome(
        termination,
        x,
        bound,
        float(info.mip_gap) if is_mip else 0.0,
        "the root's bound stopped rising"
        if stall is not None and stall.stopped
        else h.modelStatusToString(status),
    )
