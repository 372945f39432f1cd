"""Plans, planners (offline rules and LLM), the agent loop and its events."""
