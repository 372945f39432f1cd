"""Where tool calls run: the local executor (lanes, fair queue) and the Ray executor."""
