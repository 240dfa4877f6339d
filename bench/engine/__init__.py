"""The parts of `bench.run`, which measures the matcher, the dialogue engine and the knowledge
index: its figures, its inputs and difflib baseline, and its report."""
