"""`map`: one prompt per row, its rows, its limiter and its Dask variant; beside `_core`, on the same layers."""
