"""Distributions, one module per family group, and the registry of estimate forms."""

from uncertainty.distributions.base import Distribution
from uncertainty.distributions.forms import FAMILIES, FORMS, Built, Spread, build_estimate
from uncertainty.distributions.lognormal import LogNormal, SplitLogNormal
from uncertainty.distributions.simple import Beta, Normal, Point, Uniform

__all__ = [
    "FAMILIES",
    "FORMS",
    "Beta",
    "Built",
    "Distribution",
    "LogNormal",
    "Normal",
    "Point",
    "SplitLogNormal",
    "Spread",
    "Uniform",
    "build_estimate",
]
