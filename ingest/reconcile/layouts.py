"""Which layout a group of the user's files has, from its columns, and the SQL that reads it into one shape.

The shape (one row per their row): `_file`, `_row` (order in the files), `utc` (interval start, when the file says
which instant) or `local` + `fold` (a naive local wall clock, and which occurrence of a repeated fall-back hour it is
when the file says so: 0 the first, daylight time; 1 the second), `point` (named as our Stage 3 column is:
settlement point, AS product, or product_region), `_version` (when a newer row supersedes an older one by the
source's own rule), the value columns in our Stage 2 names, and `_time_text` (the time as written, for messages).

Layouts, tried in this order:
- an ISO's raw export: the header equals a report's in seeds/iso_reports.csv; columns renamed by
  seeds/iso_column_mappings.csv; time by the report's convention (ERCOT local day + hour ending + repeated-hour
  flag, CAISO GMT, PJM UTC);
- gridstatus output: `Interval Start` (or `Time`), `Location`, `LMP` / `SPP` / `Energy` / `Congestion` / `Loss`;
- this project's Stage 2: `datetime` (UTC; naive read as UTC) or `datetime_local`, the dataset's key and value columns;
- Stage 3 (wide): a time column and nothing else but numbers, one column per point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from ..catalog import Dataset, read_seed
from ..reports import by_name, load_reports, normalise_header
from .errors import OtherDataset, ReconcileError
from .inputs import Group, quoted

OFFSET = r"'(Z|[+-]\d{2}(:?\d{2})?)$'"
NAIVE_FORMATS = "['%m/%d/%Y %I:%M:%S %p', '%m/%d/%Y %I:%M %p', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M']"
#: gridstatus column -> the suffix of our value column (`LMP` -> da_lmp / rt_lmp); ERCOT's gridstatus prices are `SPP`
GRIDSTATUS_VALUES = {"lmp": "lmp", "spp": "lmp", "energy": "energy", "congestion": "congestion", "loss": "loss",
                     "ghg": "ghg"}
#: CAISO OASIS LMP_TYPE -> suffix of our value column (macro price_components_pivot)
CAISO_COMPONENTS = {"LMP": "lmp", "MCE": "energy", "MCC": "congestion", "MCL": "loss", "MGHG": "ghg"}
#: columns a wide file may carry besides its time and point columns
WIDE_EXTRA = {"year", "month", "interval_end", "interval end", "hour_ending", "interval_minutes", "iso", "market"}
TIME_COLUMNS = ("datetime", "datetime_local", "interval start", "time")


@dataclass(frozen=True)
class RawTime:
    """How an ISO report writes an interval's start: `local` (day + hour ending [+ 15-min interval] + flag),
    `sced` (a SCED run's local timestamp, floored to 5 minutes, the latest run winning) or `utc` (an instant)."""

    kind: str
    stamp: str = ""
    date: str = ""
    hour: str = ""
    interval: str = ""
    flag: str = ""


RAW_TIMES = {
    "np4_190_cd": RawTime("local", date="DeliveryDate", hour="HourEnding", flag="DSTFlag"),
    "np4_188_cd": RawTime("local", date="DeliveryDate", hour="HourEnding", flag="DSTFlag"),
    "np4_180_er": RawTime("local", date="Delivery Date", hour="Hour Ending", flag="Repeated Hour Flag"),
    "np4_181_er": RawTime("local", date="Delivery Date", hour="Hour Ending", flag="Repeated Hour Flag"),
    "np6_905_cd": RawTime("local", date="DeliveryDate", hour="DeliveryHour", interval="DeliveryInterval",
                          flag="DSTFlag"),
    "np6_785_er": RawTime("local", date="Delivery Date", hour="Delivery Hour", interval="Delivery Interval",
                          flag="Repeated Hour Flag"),
    "np6_788_cd": RawTime("sced", stamp="SCEDTimestamp", flag="RepeatedHourFlag"),
    "prc_lmp": RawTime("utc", stamp="INTERVALSTARTTIME_GMT"),
    "prc_rtpd_lmp": RawTime("utc", stamp="INTERVALSTARTTIME_GMT"),
    "prc_intvl_lmp": RawTime("utc", stamp="INTERVALSTARTTIME_GMT"),
    "prc_as": RawTime("utc", stamp="INTERVALSTARTTIME_GMT"),
}


@dataclass
class Detected:
    """A group's layout: its name as printed, how its times are read, notes for the report, and its SQL."""

    group: Group
    layout: str
    time: str
    sql: str
    zone: str  # the zone of its naive local times
    values: list[str]  # our value columns it has
    numbers: list[str]  # its columns that must hold numbers
    notes: list[str] = field(default_factory=list)


def number(expr: str, kind: str) -> str:
    """A price as DOUBLE: text trimmed (ERCOT pads numbers with spaces), blank = NULL."""
    if kind.upper() == "VARCHAR":
        return f"try_cast(nullif(trim({expr}), '') as double)"
    return f"cast({expr} as double)"


def unreadable_numbers(con: duckdb.DuckDBPyConnection, g: Group, columns: list[str]) -> list[str]:
    """'<column>: <value> (<n> rows)' for each text column holding something that is not a number."""
    text = [c for c in columns if g.type_of(c).upper() == "VARCHAR"]
    if not text:
        return []
    checks = ", ".join(f"count(*) filter (where nullif(trim({g.col(c)}), '') is not null "
                       f"and try_cast(trim({g.col(c)}) as double) is null), "
                       f"any_value({g.col(c)}) filter (where nullif(trim({g.col(c)}), '') is not null "
                       f"and try_cast(trim({g.col(c)}) as double) is null)" for c in text)
    row = con.execute(f"select {checks} from {g.name}").fetchone()
    return [f"{c}: {row[2 * i + 1]!r} ({row[2 * i]} rows)" for i, c in enumerate(text) if row[2 * i]]


def time_sql(g: Group, column: str, naive_is_utc: bool) -> tuple[str, str]:
    """(utc, local) expressions for a time column: typed (timestamptz / timestamp) or text (with or without an
    offset). A naive time is UTC when `naive_is_utc`, else a local wall clock."""
    c, kind = g.col(column), g.type_of(column).upper()
    if "TIME ZONE" in kind:
        return c, "null::timestamp"
    if kind.startswith("TIMESTAMP") or kind == "DATE":
        naive = f"cast({c} as timestamp)"
        return (f"timezone('UTC', {naive})", "null::timestamp") if naive_is_utc else ("null::timestamptz", naive)
    text = f"trim(cast({c} as varchar))"
    aware = f"(case when regexp_matches({text}, {OFFSET}) then try_cast({text} as timestamptz) end)"
    naive = (f"(case when not regexp_matches({text}, {OFFSET}) then coalesce(try_cast({text} as timestamp), "
             f"try_strptime({text}, {NAIVE_FORMATS})) end)")
    if naive_is_utc:
        return f"coalesce({aware}, timezone('UTC', {naive}))", "null::timestamp"
    return aware, naive


def point_sql(ds: Dataset, col) -> str:
    """The Stage 3 column name of a row (`<as_product>_<as_region>`), from its key columns via `col(name)`."""
    parts = [p for p in re.split(r"(<\w+>)", ds.wide_columns) if p]
    return " || ".join(f"trim(cast({col(p[1:-1])} as varchar))" if p.startswith("<") else "'" + p + "'"
                       for p in parts)


def _select(g: Group, utc: str, local: str, fold: str, point: str, values: dict[str, str], *,
            version: str = "null::double", source: str | None = None, where: str = "", time_text: str = "null") -> str:
    cols = ",\n       ".join(f"{expr} as {quoted(name)}" for name, expr in values.items())
    return (f"select _file, _row, {utc} as utc, {local} as local, {fold} as fold, {point} as point,\n"
            f"       {version} as _version, {cols}, cast({time_text} as varchar) as _time_text\n"
            f"from {source or f'(select *, rowid as _row from {g.name})'}\n{where}")


def _case_map(expr: str, pairs: dict[str, str], default: str) -> str:
    if not pairs:
        return default
    whens = " ".join(f"when {_lit(k)} then {_lit(v)}" for k, v in pairs.items())
    return f"(case {expr} {whens} else {default} end)"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class Reader:
    """Detects the layout of each group for one ISO and dataset; `zone` is the zone of naive local times."""

    def __init__(self, con: duckdb.DuckDBPyConnection, iso: str, ds: Dataset, iso_zone: str, zone: str):
        self.con, self.iso, self.ds, self.iso_zone, self.zone = con, iso, ds, iso_zone, zone
        self.prefix = ds.value_column.split("_", 1)[0]

    def detect(self, g: Group) -> Detected:
        for attempt in (self._raw, self._gridstatus, self._stage2, self._wide):
            found = attempt(g)
            if found is not None:
                return found
        raise ReconcileError(self._unknown(g))

    # -- an ISO's raw export ------------------------------------------------------------------------------------
    def _raw(self, g: Group) -> Detected | None:
        header = normalise_header(g.columns)
        candidates = [r for r in load_reports() if normalise_header(r.header) == header]
        if not candidates:
            return None
        report = next((r for r in candidates if (r.iso, r.dataset) == (self.iso, self.ds.dataset)), None)
        if report is None:  # another dataset's export (several reports can share a header: PJM's RT feeds)
            named = by_name(candidates[0].iso, g.files[0].name)
            other = named if named in candidates else candidates[0]
            others = " or ".join(f"{r.iso} {r.dataset} ({r.report_id})" for r in candidates)
            raise OtherDataset(
                f"{g.files[0]} has the header of {others}, not {self.iso} {self.ds.dataset}: compare it with "
                f"`iso-pipeline reconcile {other.iso.lower()} {other.dataset} ...`")
        mapping = {r["source_column"]: r["standard_column"] for r in read_seed("iso_column_mappings")
                   if r["iso"] == report.iso and r["format"] == report.format}
        stamp = next((s for s, t in mapping.items() if t == "datetime"), "")
        timing = RAW_TIMES.get(report.format) or (RawTime("utc", stamp=stamp) if stamp else None)
        if timing is None:  # the time is outside the columns (e.g. a day in the file name): not read here
            raise ReconcileError(f"{g.files[0]} is a {report.iso} {report.report_id} export, whose rows do not carry "
                                 "their day: reconcile a long or wide file made from it instead (see --map)")
        label = f"{report.iso} {report.report_id} export"
        std = {t: s for s, t in mapping.items()}  # standard -> source column
        col, source, where = g.col, None, ""
        wide = [s for s, t in mapping.items() if t == "as_price" and g.has(s)]
        if len(wide) > 1:  # ERCOT NP4-181-ER: one column per product
            source = (f"(unpivot (select *, rowid as _row from {g.name}) on {', '.join(g.col(c) for c in wide)} "
                      f"into name iso_as_product value as_price) as s")
            std.update(iso_as_product="iso_as_product", as_price="as_price")
            col = lambda name: quoted(name) if name in ("iso_as_product", "as_price") else g.col(name)  # noqa: E731
            where = "where nullif(trim(cast(as_price as varchar)), '') is not null"
        utc, local, fold, version, time_text = self._raw_time(g, timing, col)
        if "lmp_type" in std:  # CAISO: one row per price component
            return self._components(g, label, std, utc, time_text)
        notes = []
        if timing.kind == "sced":
            notes.append("several SCED runs in one 5-minute interval: the latest run is compared (ERCOT's rule)")
        if g.has("row_is_current", "version_nbr"):  # PJM Data Miner
            version = (f"(case when lower(trim(cast({g.col('row_is_current')} as varchar))) in ('true', 't', '1', "
                       f"'yes') then 1e9 else 0 end + coalesce(try_cast({g.col('version_nbr')} as double), 0))")
            notes.append("rows of one interval and pnode: the current row with the highest version_nbr is compared")
        numbers = wide or [std[v] for v in self.ds.value_columns if v in std]
        kind = "VARCHAR" if any(g.type_of(c).upper() == "VARCHAR" for c in numbers) else "DOUBLE"
        values = {v: number(col(std[v]), kind) for v in self.ds.value_columns if v in std}
        time = {"local": f"local time in {self.iso_zone} with {timing.flag}",
                "sced": f"SCED time in {self.iso_zone} with {timing.flag}", "utc": f"UTC ({timing.stamp})"}[timing.kind]
        sql = _select(g, utc, local, fold, point_sql(self.ds, self._keys(std, col)), values, version=version,
                      source=source, where=where, time_text=time_text)
        return Detected(g, label, time, sql, self.iso_zone, list(values), numbers, notes)

    def _raw_time(self, g: Group, t: RawTime, col) -> tuple[str, str, str, str, str]:
        flag = f"(case when upper(trim({col(t.flag)})) = 'Y' then 1 else 0 end)" if t.flag else "null::integer"
        if t.kind == "utc":
            utc, _ = time_sql(g, t.stamp, naive_is_utc=True)
            return utc, "null::timestamp", "null::integer", "null::double", col(t.stamp)
        if t.kind == "sced":
            stamp = f"coalesce(try_strptime(trim({col(t.stamp)}), '%m/%d/%Y %H:%M:%S'), try_cast(trim({col(t.stamp)}) as timestamp))"
            return ("null::timestamptz", f"time_bucket(interval 5 minute, {stamp})", flag, f"epoch({stamp})",
                    col(t.stamp))
        day = f"coalesce(try_strptime(trim({col(t.date)}), '%m/%d/%Y'), try_cast(trim({col(t.date)}) as timestamp))"
        hour = f"try_cast(split_part(trim({col(t.hour)}), ':', 1) as integer)"
        local = f"{day} + to_hours({hour} - 1)"
        text = f"{col(t.date)} || ' HE ' || {col(t.hour)}"
        if t.interval:
            local += f" + to_minutes(15 * (try_cast(trim({col(t.interval)}) as integer) - 1))"
            text += f" || ' interval ' || {col(t.interval)}"
        return "null::timestamptz", local, flag, "null::double", text

    def _keys(self, std: dict[str, str], col):
        """Key column name -> SQL, for a raw report: products and suffixed names by the registry seeds."""
        def key(name: str) -> str:
            if name == "as_product":
                raw = f"upper(trim({col(std['iso_as_product'])}))"
                products = {r["iso_product"]: r["as_product"] for r in read_seed("as_products") if r["iso"] == self.iso}
                return _case_map(raw, products, raw)
            if name == "settlement_point" and "iso_point_type" in std:
                suffixes = {r["pattern"]: r["name_suffix"] for r in read_seed("settlement_point_types")
                            if r["iso"] == self.iso and r["match_kind"] == "iso_type" and r["name_suffix"]}
                kind = f"upper(trim({col(std['iso_point_type'])}))"
                return f"(trim({col(std[name])}) || {_case_map(kind, suffixes, _lit(''))})"
            return f"trim({col(std[name])})"
        return key

    def _components(self, g: Group, label: str, std: dict[str, str], utc: str, time_text: str) -> Detected:
        price, kind = g.col(std["price"]), g.type_of(std["price"])
        lmp_type = f"upper(trim({g.col(std['lmp_type'])}))"
        point = f"trim({g.col(std['settlement_point'])})"
        inner = (f"select _file, _row, {utc} as utc, {point} as point, {lmp_type} as lmp_type, "
                 f"{number(price, kind)} as price, cast({time_text} as varchar) as _time_text, "
                 f"row_number() over (partition by {utc}, {point}, {lmp_type} order by _file, _row) as _nth "
                 f"from (select *, rowid as _row from {g.name})")
        values = {f"{self.prefix}_{suffix}": code for code, suffix in CAISO_COMPONENTS.items()
                  if f"{self.prefix}_{suffix}" in self.ds.value_columns}
        cols = ", ".join(f"max(price) filter (where lmp_type = {_lit(code)}) as {quoted(v)}" for v, code in values.items())
        # each component may come in its own CSV (OASIS): the n-th row of each component of a node and interval
        # make one row; a component given twice makes a second row, a reported duplicate
        sql = (f"select string_agg(distinct _file, ', ') as _file, min(_row) as _row, utc, null::timestamp as local, "
               f"null::integer as fold, point, null::double as _version, {cols}, any_value(_time_text) as _time_text\n"
               f"from ({inner})\ngroup by utc, point, _nth")
        notes = ["one row per price component (LMP_TYPE), joined into one row per node and interval"]
        return Detected(g, label, "UTC (INTERVALSTARTTIME_GMT)", sql,
                        self.iso_zone, list(values), [std["price"]], notes)

    # -- gridstatus ---------------------------------------------------------------------------------------------
    def _gridstatus(self, g: Group) -> Detected | None:
        time_col = next((c for c in ("Interval Start", "Time") if g.has(c)), None)
        values: dict[str, str] = {}
        for c, suffix in GRIDSTATUS_VALUES.items():  # LMP before SPP: a file with both compares LMP
            if g.has(c) and f"{self.prefix}_{suffix}" in self.ds.value_columns:
                values.setdefault(f"{self.prefix}_{suffix}", g.lowered[c])
        if time_col is None or not g.has("Location") or not values or not self.ds.has_points:
            return None
        utc, local = time_sql(g, time_col, naive_is_utc=False)
        point = f"trim({g.col('Location')})"
        if g.has("Location Type"):
            suffix = next((r["name_suffix"] for r in read_seed("settlement_point_types")
                           if r["iso"] == self.iso and r["pattern"] == "LZEW" and r["name_suffix"]), "")
            if suffix:  # ERCOT: gridstatus types the energy-weighted load zone series "... Energy Weighted"
                point = (f"({point} || case when {g.col('Location Type')} ilike '%energy weighted%' "
                         f"then {_lit(suffix)} else '' end)")
        notes = []
        if g.has("Market"):
            markets = [m for (m,) in self.con.execute(
                f"select distinct {g.col('Market')} from {g.name} order by 1 limit 6").fetchall()]
            notes.append(f"Market: {', '.join(map(str, markets))}")
        exprs = {v: number(g.col(c), g.type_of(c)) for v, c in values.items()}
        sql = _select(g, utc, local, "null::integer", point, exprs, time_text=g.col(time_col))
        return Detected(g, "gridstatus", self._time_words(g, time_col), sql, self.zone, list(exprs),
                        list(values.values()), notes)

    def _time_words(self, g: Group, column: str) -> str:
        kind = g.type_of(column).upper()
        if "TIME ZONE" in kind:
            return f"{column}: time-zone aware"
        if kind.startswith("TIMESTAMP"):
            return f"{column}: naive, read as local time in {self.zone}"
        return f"{column}: with a UTC offset, or naive read as local time in {self.zone}"

    # -- Stage 2 (ours, or mapped to our names) -------------------------------------------------------------------
    def _stage2(self, g: Group) -> Detected | None:
        time_col = next((c for c in ("datetime", "datetime_local") if g.has(c)), None)
        values = [v for v in self.ds.value_columns if g.has(v)]
        if time_col is None or not values or not g.has(*self.ds.key_columns):
            return None
        utc, local = time_sql(g, time_col, naive_is_utc=time_col == "datetime")
        exprs = {v: number(g.col(v), g.type_of(v)) for v in values}
        sql = _select(g, utc, local, "null::integer", point_sql(self.ds, g.col), exprs, time_text=g.col(time_col))
        words = "UTC" if time_col == "datetime" else f"local time in {self.zone}"
        return Detected(g, "Stage 2 (long)", f"{time_col}: {words}", sql, self.zone, values, values)

    # -- Stage 3 (wide) -----------------------------------------------------------------------------------------
    def _wide(self, g: Group) -> Detected | None:
        time_col = next((c for c in TIME_COLUMNS if g.has(c)), None)
        if time_col is None or any(g.has(k) for k in (*self.ds.key_columns, "location")):
            return None
        skip = {time_col.lower(), *WIDE_EXTRA} | ({"datetime_local"} if time_col == "datetime" else set())
        points = [c for c in g.columns if c.lower() not in skip]
        if not points or unreadable_numbers(self.con, g, points):
            return None
        if any(not _numeric(g.type_of(c)) for c in points if g.type_of(c).upper() != "VARCHAR"):
            return None
        utc, local = time_sql(g, time_col, naive_is_utc=time_col == "datetime")
        source = (f"(unpivot (select *, rowid as _row from {g.name}) on {', '.join(g.col(c) for c in points)} "
                  f"into name point value _value) as s")
        kinds = {g.type_of(c).upper() for c in points}
        value = number("_value", "VARCHAR" if "VARCHAR" in kinds else "DOUBLE")
        sql = _select(g, utc, local, "null::integer", "point", {self.ds.value_column: value}, source=source,
                      where=f"where {value} is not null", time_text=g.col(time_col))
        notes = [f"{len(points)} point columns; a Stage 3 file holds forward-filled cells (the fill rule), which show "
                 "as rows only in theirs"]
        words = "UTC" if time_col == "datetime" else self._time_words(g, time_col)
        return Detected(g, "Stage 3 (wide)", f"{time_col}: {words}", sql, self.zone, [self.ds.value_column], [],
                        notes)

    def _unknown(self, g: Group) -> str:
        more = f" (and {len(g.files) - 1} more files like it)" if len(g.files) > 1 else ""
        need = []
        if not any(g.has(c) for c in TIME_COLUMNS):
            need.append("a time: OLD=datetime (UTC, or with an offset) or OLD=datetime_local (local time; "
                        "--timezone says which zone)")
        missing = [k for k in self.ds.key_columns if not g.has(k)]
        if missing:
            need.append("the key: " + ", ".join(f"OLD={k}" for k in missing))
        if not any(g.has(v) for v in self.ds.value_columns):
            need.append("a value: one of " + ", ".join(f"OLD={v}" for v in self.ds.value_columns))
        return (f"cannot tell the layout of {g.files[0]}{more}: its columns are {', '.join(g.columns)}. Readable "
                f"without options: gridstatus output (Interval Start, Location, LMP/SPP, Energy, Congestion, Loss), "
                f"this project's Stage 2 and Stage 3 files, and the {self.iso} report exports. For {self.iso} "
                f"{self.ds.dataset} name your columns with --map: {'; '.join(need) or 'the columns above'} "
                f"(e.g. --map 'Node=settlement_point')")


def _numeric(kind: str) -> bool:
    return kind.upper() in {"DOUBLE", "FLOAT", "REAL", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT",
                            "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT"} or kind.upper().startswith("DECIMAL")
