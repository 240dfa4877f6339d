"""The parts of the throughput benchmarks, `bench.slack_acks` (signed button presses against a
bare slack-bolt app) and `bench.teams_throughput` (Action.Submit activities against echo bots):
their figures, their workloads and their reports."""
