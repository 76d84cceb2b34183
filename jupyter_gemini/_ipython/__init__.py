"""The IPython layer: `%load_ext`, the magics, `%gemini` subcommands and the status-bar comm.

Top of the stack: it parses what the user typed and hands it to `_core`; nothing imports it
but the package root and `run`.
"""
