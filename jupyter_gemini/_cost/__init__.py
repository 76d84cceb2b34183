"""Money: the model catalog and its prices, estimates and bounds, the ledger and the budget.

The bottom layer with `errors`: it imports nothing else of the package, so the emulator can use it.
"""
