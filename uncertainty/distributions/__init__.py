"""Distributions, one module per family group, and the registry of estimate forms."""

from uncertainty.distributions.base import Distribution
from uncertainty.distributions.bounded import Pert, Triangular, Truncated, TruncNormal
from uncertainty.distributions.forms import FAMILIES, FORMS, Built, Spread, build_estimate
from uncertainty.distributions.lognormal import LogNormal, SplitLogNormal
from uncertainty.distributions.onesided import HalfLogNormal, OneSided, ShiftedLogNormal
from uncertainty.distributions.quantiles import QuantileMatched
from uncertainty.distributions.simple import Beta, Gamma, Normal, Point, Uniform
from uncertainty.distributions.tabulated import Mixture

__all__ = [
    "FAMILIES",
    "FORMS",
    "Beta",
    "Built",
    "Distribution",
    "Gamma",
    "HalfLogNormal",
    "LogNormal",
    "Mixture",
    "Normal",
    "OneSided",
    "Pert",
    "Point",
    "QuantileMatched",
    "ShiftedLogNormal",
    "SplitLogNormal",
    "Spread",
    "Triangular",
    "TruncNormal",
    "Truncated",
    "Uniform",
    "build_estimate",
]
