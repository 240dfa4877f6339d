"""`python -m bot` is the `advisor` command."""

from bot.cli import main

raise SystemExit(main())
