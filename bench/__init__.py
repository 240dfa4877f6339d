"""Benchmarks of the advisor, each against a baseline measured in the same run. Run each as a
module from the repository root, e.g. `python -m bench.slack_acks --quick`; bench/README.md
says what each measures and how to read it."""
