"""What outlives a question: the answer cache and recordings."""
