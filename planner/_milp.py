"""HiGHS plumbing shared by the location models: a sparse MILP and one solve call."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

FloatArray = npt.NDArray[np.float64]


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


@dataclass(frozen=True)
class Outcome:
    """Solver outcome with scipy.optimize.milp's status codes."""

    status: int  # 0 optimal, 1 limit reached (with or without a solution), 2 infeasible, 4 other
    x: FloatArray | None
    mip_dual_bound: float | None
    mip_gap: float | None
    message: str


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


def solve_milp(
    model: Milp, c: FloatArray, time_limit: float, gap: float, start: FloatArray | None
) -> Outcome:
    """Solve with highspy when installed (it accepts a starting solution), else scipy's milp."""
    try:
        import highspy
    except ImportError:  # pragma: no cover - highspy is a dependency
        res = milp(
            c,
            constraints=LinearConstraint(model.a, model.lo, model.hi),
            integrality=model.integrality,
            bounds=Bounds(model.lb, model.ub),
            options={"time_limit": time_limit, "mip_rel_gap": gap, "disp": False},
        )
        return Outcome(res.status, res.x, getattr(res, "mip_dual_bound", None),
                        getattr(res, "mip_gap", None), str(res.message))  # fmt: skip
    with _quiet_stdout():  # HiGHS prints a banner when the first instance is made
        h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", float(gap))
    lp = highspy.HighsLp()
    n = len(c)
    lp.num_col_ = n
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
    if start is not None and is_mip:
        sol = highspy.HighsSolution()
        sol.col_value = list(np.asarray(start, dtype=float))
        h.setSolution(sol)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    has_x = info.primal_solution_status == 2
    x = np.asarray(h.getSolution().col_value, dtype=float) if has_x else None
    ms = highspy.HighsModelStatus
    if status == ms.kOptimal:
        code = 0
    elif status in (ms.kInfeasible, ms.kUnboundedOrInfeasible):
        code, x = 2, None
    elif status in (ms.kTimeLimit, ms.kIterationLimit, ms.kSolutionLimit, ms.kInterrupt):
        code = 1
    else:
        code = 4
    bound = float(info.mip_dual_bound) if is_mip else (float(c @ x) if x is not None else None)
    mgap = float(info.mip_gap) if is_mip else 0.0
    return Outcome(code, x, bound, mgap, h.modelStatusToString(status))
