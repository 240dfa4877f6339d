"""A person's diagnostic result as a one-page PDF: `render_report(summary)` gives the bytes,
`report_filename(summary)` the name to save them under. Pure: the only file it reads is the
bundled font."""

from bot.report.pdf import render_report, report_filename

__all__ = ["render_report", "report_filename"]
