"""Tools for the people who write the knowledge, kept apart from the knowledge model they check:
quality warnings (`quality`), answer tests (`answer_tests`) and whole-diagnostic personas
(`personas`). They use the engine to see the knowledge as the advisor will; the model in
`bot.knowledge` imports nothing of them."""
