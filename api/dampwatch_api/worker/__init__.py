"""`dampwatch casework`: the worker that groups alerts into cases, watches deadlines, delivers."""
