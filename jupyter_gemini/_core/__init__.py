"""The core: settings, the session and the one path every question takes, the answer record and the API.

Imports `_context`, `_transport`, `_store`, `_display._view` and `_cost`; never the IPython layer.
"""
