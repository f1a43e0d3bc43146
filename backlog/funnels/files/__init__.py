"""Reading the funnel exports of analytics tools into plain counts.

No database: bytes in, counts out — how many reached each step in a day, a
week or a report's date range, in all traffic or in one segment (a device, a
channel, a country). A row the file gets wrong is rejected with its line and
the reason; the rest are read.

tables: encodings, delimiters, the "#" preamble and the records; days: dates
and time zones; one module per layout — ga4_csv (GA4's funnel exploration),
ga4_api (the GA4 Data API's funnel report), matomo (Matomo's Funnels) and
plain (date, step, segment, count) — each naming the source of its layout.
"""

from backlog.funnels.files.reading import (
    FORMATS,
    parse_segment,
    read_funnel_file,
    supported_formats,
)
from backlog.funnels.files.results import (
    CountRow,
    FunnelFile,
    FunnelFileError,
    Rejection,
)

__all__ = [
    "FORMATS",
    "CountRow",
    "FunnelFile",
    "FunnelFileError",
    "Rejection",
    "parse_segment",
    "read_funnel_file",
    "supported_formats",
]
