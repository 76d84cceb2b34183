"""What the user sees: mimebundles, the streaming view, `--dry-run` and progress."""
