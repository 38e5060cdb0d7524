"""The validated model: sources, estimates, views, expressions, correlations, pools."""
