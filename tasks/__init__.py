"""The Task record and JSONL I/O, plus the applications on top: run, play, mcp, report, check, calibrate,
select."""
from tasks.task import Task, TaskFileError, read_tasks, task_key, write_tasks

__all__ = ["Task", "TaskFileError", "read_tasks", "task_key", "write_tasks"]
