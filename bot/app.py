"""Wire the parts together from settings: knowledge, storage, service."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings, survey_secret
from bot.knowledge import Knowledge, load_knowledge
from bot.pulse.keys import PulseKeys
from bot.pulse.service import PulseService
from bot.service import AdvisorService
from storage.migrate import upgrade_engine
from storage.sql import SqlRepository


@dataclass
class App:
    settings: Settings
    knowledge: Knowledge
    repository: SqlRepository
    service: AdvisorService
    pulse: PulseService

    async def close(self) -> None:
        await self.repository.close()


async def build_app(
    settings: Settings, *, migrate: bool = True, survey_key: bytes | None = None
) -> App:
    """Load the knowledge (raising KnowledgeError when it is broken), bring the database schema
    up to date, and build the services. `survey_key` keys the anonymous survey hashes; by
    default the configured one, or the development key when none is (`advisor serve` checks
    that a real one is configured before it gets here)."""
    knowledge = load_knowledge(settings.knowledge_path)
    repository = SqlRepository.from_url(
        settings.database_url, pool_size=settings.database_pool_size
    )
    if migrate:
        # On the repository's own engine, so that even an in-memory database gets its tables.
        await upgrade_engine(repository.engine)
    app_knowledge = knowledge
    service = AdvisorService(repository, lambda: app_knowledge)
    keys = PulseKeys(survey_key or survey_secret(settings, dev=True))
    pulse = PulseService(repository, lambda: app_knowledge, keys, settings.admins)
    return App(settings, knowledge, repository, service, pulse)
