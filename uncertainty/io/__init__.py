"""The edges: the results folder, saved summaries, reruns."""
