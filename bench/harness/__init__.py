"""What several benchmarks share: measures of requests, processes and the machine
(`measure`), the servers they start (`processes`), the Slack and Teams clients that load them
(`slack`, `teams`) and how their reports begin and end (`reporting`)."""

from pathlib import Path

# The repository measured: its knowledge, and the commit a report names.
REPO_ROOT = Path(__file__).resolve().parents[2]
