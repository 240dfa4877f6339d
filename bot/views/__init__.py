"""What the advisor says, written once: platform-neutral documents for every reply (no markup,
no SDK), the one algorithm that fits a document into a platform's limits, and the catalogue of
every user-facing sentence. The renderers in `bot.handlers` draw these documents natively."""
