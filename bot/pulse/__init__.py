"""Team pulse surveys: the service over storage, anonymous keys, and the scheduled work."""
