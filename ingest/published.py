"""When the ISO published a delivery: the fact that decides which of two deliveries of one interval wins.

    published_at(iso, names) -> UTC datetime | None

`names` are the landed member's name and its archive chain (outermost first). The publish time comes from what
the ISO put in a name, never from where the file lies on disk, so "latest wins" is the same wherever the data
directory lives:

- ERCOT MIS documents: `cdr.<8-digit type id>.<16 digits>.<YYYYMMDD>.<HHMMSS[mmm]>.<FriendlyName>...`, the publish
  time in Central Prevailing Time (FORMATS.md). During the repeated hour of a fall-back day ERCOT marks names
  with `xhr`; such a name is read as the second (CST) occurrence of the ambiguous wall-clock time.
- CAISO OASIS answers: the zip is named after the request time, `..._<YYYYMMDD_HH_MM_SS>_v<N>.zip`, read as UTC
  (inferred: OASIS stamps everything else in GMT).
- Anything else (PJM exports, a user's plain CSV): None; the landing time stands in for it (see Registry).

The landing registry keeps `published_at` and a `landing_seq` (the order files were landed in); the dbt macro
`delivery_version_key` orders deliveries by (published_at or landed_at, landing_seq).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from .catalog import timezone

#: ERCOT MIS constructed name: report type id, publish date, publish time (HHMMSS, optionally milliseconds).
CDR_NAME = re.compile(r"^cdr\.(\d{8})\.\d+\.(\d{8})\.(\d{6})(\d{0,3})\.", re.I)
#: CAISO OASIS answer zip: `<start>_<end>_<QUERY>_<MARKET>_<YYYYMMDD_HH_MM_SS>_v<N>.zip`.
OASIS_REQUEST = re.compile(r"_(\d{8}_\d{2}_\d{2}_\d{2})_v\d+\.zip$", re.I)

CENTRAL = timezone("ERCOT")


def _base(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def ercot_publish_time(name: str) -> dt.datetime | None:
    m = CDR_NAME.match(_base(name))
    if not m:
        return None
    try:
        local = dt.datetime.strptime(m.group(2) + m.group(3), "%Y%m%d%H%M%S")
    except ValueError:
        return None
    if m.group(4):
        local = local.replace(microsecond=int(m.group(4).ljust(3, "0")) * 1000)
    fold = 1 if "xhr" in name.lower() else 0
    return local.replace(tzinfo=CENTRAL, fold=fold).astimezone(dt.UTC)


def oasis_request_time(name: str) -> dt.datetime | None:
    m = OASIS_REQUEST.search(_base(name))
    if not m:
        return None
    try:
        return dt.datetime.strptime(m.group(1), "%Y%m%d_%H_%M_%S").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


RULES = {"ERCOT": ercot_publish_time, "CAISO": oasis_request_time}


def published_at(iso: str, names: Iterable[str]) -> dt.datetime | None:
    """The publish time found in the innermost name that carries one (member first, then its archives)."""
    rule = RULES.get(iso.upper())
    if rule is None:
        return None
    for name in reversed(list(names)):
        when = rule(name)
        if when is not None:
            return when
    return None
