"""The parts of `bench.memory`: the requests of its rounds of traffic (people's flows, malformed
bodies, refused admin calls), the server it runs them against, the allocations it traces, and
its report."""
