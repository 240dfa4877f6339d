"""The Slack front end: slack-bolt listeners that translate payloads into service calls and the
engine's replies into Block Kit. Every slack_bolt / slack_sdk import of the project lives here."""
