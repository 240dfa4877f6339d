"""Wire the parts together from settings: knowledge, storage, service."""

from __future__ import annotations

from dataclasses import dataclass

from bot.admin.live import LiveKnowledge
from bot.admin.service import KnowledgeAdmin
from bot.config import Settings, survey_secret
from bot.forget import ForgetService
from bot.knowledge import Knowledge
from bot.pulse.keys import PulseKeys
from bot.pulse.series import SeriesService
from bot.pulse.service import PulseService
from bot.service import AdvisorService, utc_now
from storage.migrate import upgrade_engine
from storage.sql import SqlStorage


@dataclass
class App:
    settings: Settings
    live: LiveKnowledge
    storage: SqlStorage
    service: AdvisorService
    pulse: PulseService
    series: SeriesService
    admin: KnowledgeAdmin
    forget: ForgetService

    @property
    def knowledge(self) -> Knowledge:
        """The knowledge served right now (a reload swaps it)."""
        return self.live.current()

    async def close(self) -> None:
        await self.storage.close()


async def build_app(
    settings: Settings, *, migrate: bool = True, survey_key: bytes | None = None
) -> App:
    """Bring the database schema up to date, settle which knowledge to serve (the start-up
    rule of `bot.admin.live`: KnowledgeError when the folder is broken and the database has
    no version to serve instead), and build the services. `survey_key` keys the anonymous
    survey hashes; by default the configured one, or the development key when none is
    (`advisor serve` checks that a real one is configured before it gets here)."""
    storage = SqlStorage.from_url(settings.database_url, pool_size=settings.database_pool_size)
    try:
        if migrate:
            # On the storage's own engine, so that even an in-memory database gets its tables.
            await upgrade_engine(storage.database.engine)
        live = await LiveKnowledge.start(settings.knowledge_path, storage.admin, utc_now)
    except BaseException:
        await storage.close()
        raise
    # The services ask for the knowledge on every turn: a reload is `live` swapping its value.
    service = AdvisorService(storage.conversations, live.current)
    keys = PulseKeys(survey_key or survey_secret(settings, dev=True))
    pulse = PulseService(storage.pulse, live.current, keys, settings.admins)
    series = SeriesService(storage.series, live.current, keys, settings.admins)
    admin = KnowledgeAdmin(live, storage.admin, settings.admins, utc_now)
    forget = ForgetService(storage.lifecycle, keys, settings.retention_days)
    return App(settings, live, storage, service, pulse, series, admin, forget)
