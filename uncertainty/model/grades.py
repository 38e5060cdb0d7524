"""Source grades (Admiralty / NATO system) and the spread and weight each implies.

A grade is a reliability letter and a credibility digit (NATO AJP-2.1, STANAG 2511):
``"B2"`` is a usually reliable source with a probably true claim. The numbers a grade
implies are *our modelling assumption*, not part of the standard: the spread given to the
source's bare numbers (a ``ci90_factor``) and the source's weight in the pool.

==========  ============================  ===========  ==============
letter      reliability                   base factor  weight factor
==========  ============================  ===========  ==============
A           completely reliable           1.15         1.0
B           usually reliable              1.3          0.8
C           fairly reliable               1.5          0.6
D           not usually reliable          2.0          0.4
E           unreliable                    3.0          0.2
F           reliability cannot be judged  2.0          0.4
==========  ============================  ===========  ==============

==========  ============================  =================  ==============
digit       credibility                   spread multiplier  weight factor
==========  ============================  =================  ==============
1           confirmed by other sources    0.7                1.0
2           probably true                 1.0                0.85
3           possibly true                 1.3                0.65
4           doubtful                      1.7                0.4
5           improbable                    2.2                0.15
6           truth cannot be judged        1.4                0.5
==========  ============================  =================  ==============

``ci90_factor = base_factor ** spread_multiplier`` (the multiplier scales the log-spread)
and ``weight = reliability weight × credibility weight``: B2 gives 1.3 and 0.68, C3 gives
1.69 and 0.39. A config's ``[grades]`` table overrides any entry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["CREDIBILITY", "RELIABILITY", "Grade", "default_grade", "grade_codes"]

#: letter -> (meaning, base ci90_factor, weight factor)
RELIABILITY: dict[str, tuple[str, float, float]] = {
    "A": ("completely reliable", 1.15, 1.0),
    "B": ("usually reliable", 1.3, 0.8),
    "C": ("fairly reliable", 1.5, 0.6),
    "D": ("not usually reliable", 2.0, 0.4),
    "E": ("unreliable", 3.0, 0.2),
    "F": ("reliability cannot be judged", 2.0, 0.4),
}

#: digit -> (meaning, multiplier of the log-spread, weight factor)
CREDIBILITY: dict[str, tuple[str, float, float]] = {
    "1": ("confirmed by other sources", 0.7, 1.0),
    "2": ("probably true", 1.0, 0.85),
    "3": ("possibly true", 1.3, 0.65),
    "4": ("doubtful", 1.7, 0.4),
    "5": ("improbable", 2.2, 0.15),
    "6": ("truth cannot be judged", 1.4, 0.5),
}


@dataclass(frozen=True)
class Grade:
    """What a grade means and what it implies for a source.

    Parameters
    ----------
    code : str
        ``"B2"``.
    meaning : str
        ``"usually reliable source, probably true claim"``.
    ci90_factor : float
        Spread given to the source's bare numbers.
    weight : float
        The source's weight in the pool.
    overridden : bool
        Whether the config's ``[grades]`` table set these numbers.
    """

    code: str
    meaning: str
    ci90_factor: float
    weight: float
    overridden: bool = False


def grade_codes() -> list[str]:
    """Every valid grade code, ``A1`` to ``F6``."""
    return [letter + digit for letter in RELIABILITY for digit in CREDIBILITY]


def default_grade(code: str) -> Grade:
    """The default numbers for a valid grade `code` (see the module docstring)."""
    r_meaning, base, r_weight = RELIABILITY[code[0]]
    c_meaning, multiplier, c_weight = CREDIBILITY[code[1]]
    return Grade(
        code=code,
        meaning=f"{r_meaning} source, {c_meaning}",
        ci90_factor=math.exp(math.log(base) * multiplier),
        weight=r_weight * c_weight,
    )
