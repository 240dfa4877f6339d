"""What an operator sees of a running server: the request context that log lines carry
(`context`), the Prometheus metrics (`metrics`), the outcomes the services report to both
(`record`), and the HTTP side: request ids, /readyz and /metrics (`http`).

Nothing here imports a platform SDK or the engine: the services and adapters call `record`
where an outcome is known, and this package decides what becomes a log field or a counter.
"""
