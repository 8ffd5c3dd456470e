"""Call requests, agent confirmations, sessions, recordings and the workflow."""
