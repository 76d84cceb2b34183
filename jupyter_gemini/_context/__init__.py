"""Notebook context: `{name}` interpolation, values, DataFrames, images, files and failed cells as prompt parts."""
