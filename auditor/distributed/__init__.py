"""Distributed scans: a scan's partitions run as Ray tasks (`vecaudit scan TARGET --ray auto|ADDRESS`).

The scan graph stays where it is, in the driver; only `process_partitions` (vecaudit.nodes.partitions)
hands the batches of a collection to an executor. `open_executor` returns the Ray one.
"""

from __future__ import annotations

from .ray_scan import PartitionFailed, RayExecutor, WorkerSecrets, open_executor, ray_available

__all__ = ["PartitionFailed", "RayExecutor", "WorkerSecrets", "open_executor", "ray_available"]
