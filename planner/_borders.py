"""Which side of a national border a point lies on (private plumbing).

Generalised boundary polygons cut corners: a village a kilometre across the
border can lie inside them, and a village at home can lie outside. A border
drawn as lines (OpenStreetMap's ``admin_level=2`` ways) is more precise but is
rarely a clean closed ring: river borders branch around islands, ways repeat
and a coast has no line at all. So the test here is local and needs no ring:

1. A point farther than ``max_outside_m`` from the territory polygon is abroad,
   one inside the territory and farther than ``near_m`` from every border line
   is at home (the border lines do not reach it).
2. A point within ``near_m`` of a border line takes the side of the nearest
   border segment: the segment's normal points into the territory on the side
   where a probe point (1, 2.5, 5 or 10 km out, the first that settles it) is
   inside the polygon and its mirror image is not; the point is at home when it
   lies on that side. Where no probe settles it (the polygon agrees with
   neither side), rule 1 decides.

Duplicated or branching lines give the same answer as a single one, since
only the nearest segment counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = ["BorderSides", "abroad"]

_PROBES_M = (1_000.0, 2_500.0, 5_000.0, 10_000.0)
_TANGENT_M = 25.0


@dataclass(frozen=True)
class BorderSides:
    """The outcome of :func:`abroad` for a set of points.

    Attributes
    ----------
    abroad
        True for each point on the far side of the border.
    by_line
        True where a border line decided (the point was near one).
    undecided
        Points near a border line that no probe could settle (rule 1 decided).
    """

    abroad: npt.NDArray[np.bool_]
    by_line: npt.NDArray[np.bool_]
    undecided: int


def abroad(
    points: Sequence[BaseGeometry] | npt.NDArray[np.object_],
    *,
    territory: BaseGeometry,
    border: BaseGeometry,
    near_m: float = 15_000.0,
    max_outside_m: float = 3_000.0,
) -> BorderSides:
    """Tell which points lie on the far side of a national border.

    All geometries must share one metric coordinate system.

    Parameters
    ----------
    points
        Shapely points.
    territory
        The country's (generalised) polygon or multipolygon.
    border
        The land border as lines; an empty geometry leaves the polygon alone
        to decide.
    near_m
        Within this distance of a border line, the line decides.
    max_outside_m
        Elsewhere, a point up to this far outside the territory is at home
        (generalised coasts and borders); farther ones are abroad.

    Returns
    -------
    BorderSides
    """
    pts = np.asarray(points, dtype=object)
    if near_m <= 0 or max_outside_m < 0:
        raise ValueError(
            f"near_m is {near_m} and max_outside_m is {max_outside_m}; expected a positive "
            "distance and a non-negative one"
        )
    shapely.prepare(territory)
    out = ~shapely.dwithin(territory, pts, max_outside_m)
    by_line = np.zeros(len(pts), dtype=bool)
    parts = shapely.get_parts(border) if not border.is_empty else np.empty(0, dtype=object)
    parts = parts[shapely.length(parts) > 0] if len(parts) else parts
    if len(pts) == 0 or len(parts) == 0:
        return BorderSides(abroad=out, by_line=by_line, undecided=0)
    tree = shapely.STRtree(parts)
    (ip, ipart), dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
    near = dist <= near_m
    ip, ipart = ip[near], ipart[near]
    side, az_left = _line_sides(pts[ip], parts[ipart], territory)
    decided = ~np.isnan(az_left)
    home = np.where(az_left == 1.0, side > 0, side < 0)
    out[ip[decided]] = ~home[decided]
    by_line[ip[decided]] = True
    return BorderSides(abroad=out, by_line=by_line, undecided=int((~decided).sum()))


def _line_sides(
    pts: npt.NDArray[np.object_], lines: npt.NDArray[np.object_], territory: BaseGeometry
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Signed side of each point from its nearest line, and where home is.

    Returns the side (positive: left of the line's direction) and 1.0 where
    the territory is on the left, 0.0 where on the right, NaN where unknown.
    """
    s = shapely.line_locate_point(lines, pts)
    length = shapely.length(lines)
    a = shapely.line_interpolate_point(lines, np.clip(s - _TANGENT_M, 0, length))
    c = shapely.line_interpolate_point(lines, np.clip(s + _TANGENT_M, 0, length))
    b = shapely.line_interpolate_point(lines, s)
    tx = shapely.get_x(c) - shapely.get_x(a)
    ty = shapely.get_y(c) - shapely.get_y(a)
    norm = np.hypot(tx, ty)
    norm[norm == 0] = 1.0
    nx, ny = -ty / norm, tx / norm
    bx, by = shapely.get_x(b), shapely.get_y(b)
    az_left = np.full(len(pts), np.nan)
    for probe in _PROBES_M:
        left = shapely.contains_xy(territory, bx + nx * probe, by + ny * probe)
        right = shapely.contains_xy(territory, bx - nx * probe, by - ny * probe)
        settle = np.isnan(az_left) & (left != right)
        az_left[settle] = left[settle].astype(float)
    side = (shapely.get_x(pts) - bx) * nx + (shapely.get_y(pts) - by) * ny
    return np.asarray(side, dtype=np.float64), az_left
