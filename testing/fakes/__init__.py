"""Runnable fakes of the platforms the bot talks to, for tests and benchmarks.

`slack_api.FakeSlackApi` is a real local HTTP server answering the Slack Web API;
`slack_requests.SlackRequests` plays Slack's side of the conversation, sending signed, recorded-
shape requests to the bot's `/slack/events` endpoint. Real clients (slack_sdk, Bolt) talk to
both, so the tests exercise the same code paths as production.
"""
