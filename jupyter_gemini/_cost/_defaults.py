"""The default model id: its own module so settings and `%load_ext` name it without loading the catalog."""

from __future__ import annotations

__all__ = ["DEFAULT_MODEL", "EFFORTS", "TIERS"]

#: The cheapest current Flash model that is not a preview and has no announced retirement.
DEFAULT_MODEL = "google/gemini-3.1-flash-lite"

#: Thinking efforts OpenRouter takes (`reasoning.effort`), least to most.
EFFORTS = ("none", "minimal", "low", "medium", "high")

#: Google's service tiers (`service_tier`): flex is cheaper and slower, priority faster and dearer.
TIERS = ("flex", "priority")
