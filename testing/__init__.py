"""What the tests and the benchmarks both drive the bot with.

`testing.fakes`: runnable fakes of the platforms the bot talks to (the Slack Web API, the Bot
Framework connector, an OpenID server, OneDrive) and the clients that play Slack's and Teams'
side, from the recorded payload shapes in `testing/fixtures/`. `testing.flows`: the steps of a
conversation or a pulse survey as a person takes them, on top of those fakes.

Installed in development only (`make install`); the advisor itself never imports it.
"""
