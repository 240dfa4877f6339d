"""Refused admin calls: audited per client and action without a row per call."""

from __future__ import annotations

from bot.admin.refusals import RefusalWindows


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_repeats_are_collapsed_into_one_entry_with_their_count() -> None:
    audited: list[tuple[str, int]] = []

    async def audit(action: str, count: int) -> None:
        audited.append((action, count))

    clock = Clock()
    windows = RefusalWindows(audit, window=60, limit=5, clock=clock)
    assert await windows.refuse("10.0.0.1", "reload") is None
    for _ in range(4):
        assert await windows.refuse("10.0.0.1", "reload") is None
    assert audited == [("reload", 1)]  # the first at once, the repeats counted
    wait = await windows.refuse("10.0.0.1", "reload")  # the sixth in the window
    assert wait is not None
    assert 1 <= wait <= 60
    assert await windows.refuse("10.0.0.2", "reload") is None  # another client: its own
    assert await windows.refuse("10.0.0.1", "view") is None  # another action: its own
    clock.now += 61
    assert await windows.refuse("10.0.0.1", "reload") is None  # a new window
    assert audited == [("reload", 1), ("reload", 1), ("view", 1), ("reload", 5), ("reload", 1)]
    await windows.close()
    assert len(audited) == 5  # nothing left to audit


async def test_a_flood_of_clients_keeps_memory_bounded_and_loses_no_count() -> None:
    audited: list[tuple[str, int]] = []

    async def audit(action: str, count: int) -> None:
        audited.append((action, count))

    windows = RefusalWindows(audit, max_clients=100)
    for n in range(1000):
        await windows.refuse(f"client-{n}", "reload")
        await windows.refuse(f"client-{n}", "reload")
    assert len(windows._windows) == 100
    await windows.close()
    assert sum(count for _, count in audited) == 2000
    assert len(audited) == 2000  # 1,000 firsts, 1,000 collapsed repeats of one
