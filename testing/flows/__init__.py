"""Steps of Slack and Teams conversations and pulse surveys, as people take them, for tests
and benchmarks: each step sends what the platform would and reads what the bot did from the
fakes of `testing.fakes`."""
