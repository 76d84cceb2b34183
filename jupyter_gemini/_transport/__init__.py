"""The wire: the outbound gate, the openai client, retries, streams, cancellation, keys and error mapping."""
