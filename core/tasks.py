"""The kit's own task: the heartbeat that proves beat → broker → worker is alive (core.heartbeat)."""
from core.heartbeat import worker_heartbeat

__all__ = ["worker_heartbeat"]
