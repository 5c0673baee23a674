"""The tasks room: what only the task slices share (the public shape, the columns, fields, the miss path)."""
