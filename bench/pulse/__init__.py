"""The parts of the pulse survey benchmarks, `bench.pulse_burst` (Slack) and
`bench.pulse_burst_teams` (Teams): who answers what, the advisor configurations and their
PostgreSQL, what a burst costs, the results of 10,000 responses, and each report."""
