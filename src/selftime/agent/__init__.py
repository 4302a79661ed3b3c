"""The desktop agent: records the active window, detects idle time, queues durably, syncs to a server."""
