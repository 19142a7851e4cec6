"""`iso-pipeline reconcile` against real files and an independent "old pipeline".

The project's real samples (fixtures/real_samples: ERCOT DAM hub/zone prices of a fall-back and a spring-forward
day, the yearly DAM ancillary archives, a 15-minute SPP file, a SCED run; PJM Data Miner exports with both 2025 DST
slices) and a generated CAISO OASIS day are landed and built through Stages 2-4 once. Each is then reconciled with:
the raw files themselves, our own Stage 2 / Stage 3 parquet, and gridstatus-layout files that an "old pipeline"
written here with the csv module and zoneinfo makes from the raw rows (pandas is not installed in this venv, so
benchmarks/pandas_impl.py cannot run here). Every expected count is computed here from the raw files; the mismatch
cases (a changed price, a missing hour, a duplicated key, a fall-back day shifted by an hour, a repeated hour that
nothing places) are compared with a plain-Python comparison of the same rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import zipfile
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from click.testing import CliRunner

from conftest import REAL, build
from ingest.cli import cli
from ingest.landing import land
from ingest.sample.caiso import generate_caiso

UTC = dt.UTC
CT = ZoneInfo("America/Chicago")
HOUR = dt.timedelta(hours=1)
TOLERANCE = 0.005
ERCOT_DAM = REAL / "ercot" / "derived_from_KushKod04_xlsx"  # 2022-11-06 (25 h) and 2025-03-09 (23 h), 15 points
ERCOT_AS = REAL / "ercot" / "KushKod04_totalenergies_price_forecasting"  # NP4-181-ER, wide, 2022 and 2025
ERCOT_SPP = REAL / "ercot" / "rickdgray_ErcotAutomation"
ERCOT_SCED = next((REAL / "ercot" / "vergeman_ercotcongestion").glob("cdr.00012300.*.csv"))
PJM_DST = REAL / "pjm" / "rroyucsd_ECE228_Proj" / "da_hrl_lmps.csv"
PJM_HUBS_RT = REAL / "pjm" / "zhyg1212_cr-cvar-shp-experiments" / "rt_hrl_lmps.csv"
FALL_BACK = dt.date(2022, 11, 6)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """ERCOT and PJM real samples and one generated CAISO day (2024-11-03, fall back), landed and built once."""
    tmp = tmp_path_factory.mktemp("reconcile")
    base = tmp / "data"
    land("ERCOT", [REAL / "ercot"], base=base)  # the hub-name list is not a price file: quarantined
    land("PJM", [REAL / "pjm"], base=base)
    land("CAISO", generate_caiso(tmp / "caiso", start=dt.date(2024, 11, 3), days=1,
                                 datasets=("DA_prices", "AS_prices")), base=base)
    statuses = build(base, "--select", "tag:ercot", "tag:pjm", "tag:caiso")
    assert statuses["__returncode__"] == 0, statuses["__log__"][-5000:]
    return base


@pytest.fixture(scope="module")
def caiso_csvs(data, tmp_path_factory) -> Path:
    """The CAISO OASIS CSVs as a user unpacks them from the zips (one CSV per price component)."""
    out = tmp_path_factory.mktemp("caiso_csv")
    for z in sorted((data / "CAISO_data" / "raw_downloads").rglob("*.zip")):
        with zipfile.ZipFile(z) as archive:
            archive.extractall(out / z.stem)
    return out


def reconcile(data: Path, out: Path, *args: str) -> tuple[int, str, dict | None]:
    """Run the command as a user would; (exit code, output, summary.json or None)."""
    result = CliRunner().invoke(cli, ["reconcile", *args, "--out", str(out)], env={"ISO_DATA_DIR": str(data)})
    summary = out / "summary.json"
    return result.exit_code, result.output, json.loads(summary.read_text()) if summary.exists() else None


# -- the old pipeline: raw rows -> gridstatus layout, with csv and zoneinfo only ------------------------------------

def dam_rows() -> list[dict]:
    """The real ERCOT DAM rows of both DST days, placed in UTC by their Repeated Hour Flag."""
    rows = []
    for path in sorted(ERCOT_DAM.glob("*.csv")):
        with path.open(newline="") as fh:
            for r in csv.DictReader(fh):
                day = dt.datetime.strptime(r["Delivery Date"], "%m/%d/%Y")
                local = day + dt.timedelta(hours=int(r["Hour Ending"].split(":")[0]) - 1)
                fold = 1 if r["Repeated Hour Flag"].strip() == "Y" else 0
                rows.append({"utc": local.replace(tzinfo=CT, fold=fold).astimezone(UTC), "day": day.date(),
                             "point": r["Settlement Point"].strip(), "price": float(r["Settlement Point Price"])})
    return sorted(rows, key=lambda r: (r["utc"], r["point"]))


def write_gridstatus(path: Path, rows: list[dict], times: str = "aware") -> Path:
    """gridstatus's get_spp output saved with to_csv: aware local times, or naive local, or naive UTC."""
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Time", "Interval Start", "Interval End", "Location", "Location Type", "Market", "SPP"])
        for r in rows:
            start, end = r["utc"].astimezone(CT), (r["utc"] + HOUR).astimezone(CT)
            if times == "naive":
                start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
            elif times == "naive_utc":
                start, end = r["utc"].replace(tzinfo=None), (r["utc"] + HOUR).replace(tzinfo=None)
            kind = "Trading Hub" if r["point"].startswith("HB_") else "Load Zone"
            w.writerow([start, start, end, r["point"], kind, "DAY_AHEAD_HOURLY", r["price"]])
    return path


def expected(ours: list[dict], theirs: list[dict], day: dt.date | None = None) -> dict:
    """What a comparison must find, in plain Python: keys twice on their side are duplicates, left out."""
    if day is not None:
        ours = [r for r in ours if r["utc"].astimezone(CT).date() == day]
        theirs = [r for r in theirs if r["utc"].astimezone(CT).date() == day]
    twice = {k for k, n in Counter((r["utc"], r["point"]) for r in theirs).items() if n > 1}
    o = {(r["utc"], r["point"]): r["price"] for r in ours if (r["utc"], r["point"]) not in twice}
    t = {(r["utc"], r["point"]): r["price"] for r in theirs if (r["utc"], r["point"]) not in twice}
    differ = sum(abs(o[k] - t[k]) > TOLERANCE for k in o.keys() & t.keys())
    return {"only_ours": len(o.keys() - t.keys()), "only_theirs": len(t.keys() - o.keys()), "differ": differ,
            "duplicate_keys_theirs": len(twice), "matched": len(o.keys() & t.keys()) - differ}


# -- raw exports and our own files: a match ------------------------------------------------------------------------

def csv_rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def as_cells(folder: Path) -> int:
    """Non-blank product cells of the wide NP4-181-ER files (one Stage 2 row each)."""
    return sum(1 for p in folder.glob("*.csv") for r in csv_rows(p) for k, v in r.items()
               if k.strip() not in ("Delivery Date", "Hour Ending", "Repeated Hour Flag") and v.strip())


@pytest.mark.parametrize("iso,dataset,path,layout,rows", [
    ("ercot", "DA_prices", ERCOT_DAM, "ERCOT NP4-180-ER export", lambda: len(dam_rows())),
    ("ercot", "AS_prices", ERCOT_AS, "ERCOT NP4-181-ER export", lambda: as_cells(ERCOT_AS)),
    ("ercot", "RT_SPP", ERCOT_SPP, "ERCOT NP6-905-CD export", lambda: len(csv_rows(next(ERCOT_SPP.glob("*.csv"))))),
    ("ercot", "RT_prices", ERCOT_SCED, "ERCOT NP6-788-CD export", lambda: len(csv_rows(ERCOT_SCED))),
    ("pjm", "RT_hourly", PJM_HUBS_RT, "PJM rt_hrl_lmps export", lambda: len(csv_rows(PJM_HUBS_RT))),
    ("pjm", "DA_prices", PJM_DST, "PJM da_hrl_lmps export", lambda: len(csv_rows(PJM_DST))),
], ids=["ercot-dam-dst-days", "ercot-as-yearly-wide", "ercot-spp-15min", "ercot-sced", "pjm-rt-hourly", "pjm-da-dst"])
def test_the_real_raw_exports_match_stage2(data, tmp_path, iso, dataset, path, layout, rows):
    code, output, s = reconcile(data, tmp_path, iso, dataset, str(path), "--only-their-points")
    assert code == 0, output
    assert f"layout: {layout}" in output and "MATCH" in output
    assert s["match"] and s["rows"]["matched"] == s["rows"]["theirs"] == rows()
    assert all(d["clean"] for d in s["dst_days"])


def test_the_dst_days_are_called_out_with_their_25_and_23_hours(data, tmp_path):
    code, output, s = reconcile(data, tmp_path, "ercot", "DA_prices", str(ERCOT_DAM))
    per_day = Counter(r["day"] for r in dam_rows())
    assert code == 0
    assert [(d["day"], d["kind"], d["theirs"]) for d in s["dst_days"]] == [
        ("2022-11-06", "fall-back (25 h)", per_day[FALL_BACK]), ("2025-03-09", "spring-forward (23 h)",
                                                                  per_day[dt.date(2025, 3, 9)])]
    assert per_day[FALL_BACK] == 15 * 25 and "DST 2022-11-06 fall-back (25 h): clean" in output
    assert s["time_resolution"]["resolved_by"]["flag"] == 2 * 15  # both 01:00s of each point, by the flag
    md, page = (tmp_path / "reconcile.md").read_text(), (tmp_path / "reconcile.html").read_text()
    assert "## DST days" in md and "| 2022-11-06 | fall-back (25 h) |" in md
    assert page.startswith("<!doctype html>") and "<td>2025-03-09</td>" in page and "MATCH" in page


def test_a_folder_with_another_datasets_export_skips_it_and_says_so(data, tmp_path):
    code, output, s = reconcile(data, tmp_path, "pjm", "DA_prices", str(REAL / "pjm"), "--only-their-points")
    assert code == 0, output
    assert "skipped 1 file:" in output and "reconcile pjm RT_hourly" in output
    assert s["rows"]["matched"] == sum(len(csv_rows(p)) for p in (REAL / "pjm").rglob("da_hrl_lmps.csv"))


@pytest.mark.parametrize("iso,dataset,folder", [
    ("ercot", "DA_prices", "flattened/DA_prices"), ("ercot", "AS_prices", "flattened/AS_prices"),
    ("ercot", "RT_SPP", "flattened/RT_SPP"), ("pjm", "DA_prices", "flattened/DA_prices"),
    ("caiso", "AS_prices", "flattened/AS_prices"), ("ercot", "DA_prices", "DA_prices"),
])
def test_our_own_stage3_and_stage2_files_match(data, tmp_path, iso, dataset, folder):
    path = data / f"{iso.upper()}_data" / "rollup_files" / folder
    code, output, s = reconcile(data, tmp_path, iso, dataset, str(path))
    assert code == 0, output
    assert ("Stage 3 (wide)" if folder.startswith("flattened") else "Stage 2 (long)") in output
    with duckdb.connect() as con:  # every Stage 2 row of the range, each compared once
        n = con.execute(f"select count(*) from read_parquet('{data}/{iso.upper()}_data/rollup_files/{dataset}/*/*.parquet')"
                        ).fetchone()[0]
    assert s["rows"]["matched"] == n


def test_caiso_oasis_csvs_one_per_price_component_match(data, caiso_csvs, tmp_path):
    code, output, s = reconcile(data, tmp_path, "caiso", "DA_prices", str(caiso_csvs))
    assert code == 0, output
    assert "layout: CAISO PRC_LMP export, 5 files" in output and "skipped 1 file:" in output  # the PRC_AS CSV
    keys = {(r["INTERVALSTARTTIME_GMT"], r["NODE"]) for p in caiso_csvs.rglob("*PRC_LMP*.csv") for r in csv_rows(p)}
    assert s["rows"]["matched"] == len(keys) and s["compared_columns"] == [
        "da_lmp", "da_energy", "da_congestion", "da_loss", "da_ghg"]
    assert [d["kind"] for d in s["dst_days"]] == ["fall-back (25 h)"]
    code, output, s = reconcile(data, tmp_path / "as", "caiso", "AS_prices", str(caiso_csvs))
    assert code == 0 and s["rows"]["matched"] == sum(len(csv_rows(p)) for p in caiso_csvs.rglob("*PRC_AS*.csv"))


# -- the old pipeline's gridstatus files ---------------------------------------------------------------------------

def test_gridstatus_csv_with_offsets_matches(data, tmp_path):
    path = write_gridstatus(tmp_path / "gridstatus.csv", dam_rows())
    code, output, s = reconcile(data, tmp_path / "out", "ercot", "DA_prices", str(path))
    assert code == 0, output
    assert "layout: gridstatus" in output and "Market: DAY_AHEAD_HOURLY" in output
    assert s["rows"]["matched"] == len(dam_rows()) and s["time_resolution"]["resolved_by"] == {"instant": len(dam_rows())}


def test_gridstatus_parquet_with_aware_times_matches(data, tmp_path):
    path = write_gridstatus(tmp_path / "gridstatus.csv", dam_rows())
    with duckdb.connect() as con:  # what pandas' to_parquet writes: an aware timestamp column, prices as doubles
        con.execute(f"""copy (select cast("Interval Start" as timestamptz) as "Interval Start",
                                     cast("Interval End" as timestamptz) as "Interval End", Location, "Location Type",
                                     Market, cast(SPP as double) as SPP
                              from read_csv('{path}', all_varchar = true))
                        to '{tmp_path / "gridstatus.parquet"}' (format parquet)""")
    code, output, s = reconcile(data, tmp_path / "out", "ercot", "DA_prices", str(tmp_path / "gridstatus.parquet"))
    assert code == 0, output
    assert "Interval Start: time-zone aware" in output and s["rows"]["matched"] == len(dam_rows())


def test_naive_local_times_in_time_order_are_placed_by_their_order(data, tmp_path):
    path = write_gridstatus(tmp_path / "naive.csv", dam_rows(), times="naive")
    code, output, s = reconcile(data, tmp_path / "out", "ercot", "DA_prices", str(path))
    assert code == 0, output
    assert s["time_resolution"]["resolved_by"]["order"] == 2 * 15  # the two 01:00 rows of each point
    assert "30 placed by their order in the file" in output


def test_a_repeated_hour_that_nothing_places_is_reported_not_guessed(data, tmp_path):
    rows = dam_rows()
    first_1am = next(i for i, r in enumerate(rows) if r["point"] == "HB_WEST" and r["utc"] ==
                     dt.datetime(2022, 11, 6, 6, tzinfo=UTC))  # 01:00 CDT; its twin at 07:00 UTC stays
    path = write_gridstatus(tmp_path / "naive.csv", rows[:first_1am] + rows[first_1am + 1:], times="naive")
    code, output, s = reconcile(data, tmp_path / "out", "ercot", "DA_prices", str(path))
    assert code == 1
    assert s["rows"]["unresolved_theirs"] == 1 and "1 ambiguous" in output
    assert [(u["problem"], u["local_time"], u["point"]) for u in s["unresolved"]] == [
        ("ambiguous", "2022-11-06 01:00", "HB_WEST")]
    assert [(o["side"], o["day"], o["point"], o["rows"]) for o in s["only"]] == [("ours", "2022-11-06", "HB_WEST", 2)]
    assert next(d for d in s["dst_days"] if d["day"] == "2022-11-06")["unresolved"] == 1


def test_naive_utc_times_need_the_timezone_option(data, tmp_path):
    path = write_gridstatus(tmp_path / "utc.csv", dam_rows(), times="naive_utc")
    code, output, s = reconcile(data, tmp_path / "utc", "ercot", "DA_prices", str(path), "--timezone", "UTC")
    assert code == 0, output
    code, output, s = reconcile(data, tmp_path / "local", "ercot", "DA_prices", str(path))
    assert code == 1 and s["rows"]["differ"] > 0  # read as Central time: every row 5 or 6 hours late


def _changed_price(rows):
    r = next(r for r in rows if r["point"] == "HB_NORTH" and r["utc"] == dt.datetime(2025, 3, 9, 18, tzinfo=UTC))
    r["price"] = round(r["price"] + 1.25, 2)
    return rows


def _missing_hour(rows):
    return [r for r in rows if not (r["point"] == "HB_HOUSTON" and r["utc"] == dt.datetime(2022, 11, 6, 11, tzinfo=UTC))]


def _duplicated_key(rows):
    twin = dict(next(r for r in rows if r["point"] == "LZ_WEST" and r["day"] == FALL_BACK))
    twin["price"] += 0.5
    return [*rows, twin]


def _dst_day_shifted(rows):  # an old pipeline that placed the fall-back day one hour late
    return [{**r, "utc": r["utc"] + HOUR} if r["day"] == FALL_BACK else r for r in rows]


@pytest.mark.parametrize("change", [_changed_price, _missing_hour, _duplicated_key, _dst_day_shifted],
                         ids=["changed-price", "missing-hour", "duplicated-key", "dst-day-shifted"])
def test_the_mismatches_an_old_pipeline_makes_are_found(data, tmp_path, change):
    ours = dam_rows()
    theirs = change(dam_rows())
    want = expected(ours, theirs)
    assert any(want[k] for k in ("only_ours", "only_theirs", "differ", "duplicate_keys_theirs"))
    code, output, s = reconcile(data, tmp_path, "ercot", "DA_prices", str(write_gridstatus(tmp_path / "old.csv", theirs)))
    assert code == 1, output
    assert "DIFFER" in output and not s["match"]
    assert {k: s["rows"][k] for k in want} == want
    fall_back = next(d for d in s["dst_days"] if d["day"] == "2022-11-06")
    day_want = expected(ours, theirs, FALL_BACK)
    assert {k: fall_back.get(k if k != "duplicate_keys_theirs" else "duplicates_theirs", 0)
            for k in ("only_ours", "only_theirs", "differ", "duplicate_keys_theirs")} == {
        k: day_want[k] for k in ("only_ours", "only_theirs", "differ", "duplicate_keys_theirs")}
    if change is _changed_price:
        top = s["largest_differences"][0]
        assert (top["utc"], top["point"], round(top["difference"], 6)) == ("2025-03-09T18:00:00Z", "HB_NORTH", 1.25)
    if change is _duplicated_key:
        (dup,) = s["duplicates"]
        assert (dup["side"], dup["point"], dup["rows"]) == ("theirs", "LZ_WEST", 2)
    if change is _missing_hour:
        assert [(o["side"], o["day"], o["point"], o["first_utc"]) for o in s["only"]] == [
            ("ours", "2022-11-06", "HB_HOUSTON", "2022-11-06T11:00:00Z")]
    if change is _dst_day_shifted:
        assert "DST 2022-11-06 fall-back (25 h): " in output and not fall_back["clean"]
    assert "DIFFER" in (tmp_path / "reconcile.html").read_text()


def test_pjm_gridstatus_with_components_and_naive_ept_times_matches(data, tmp_path):
    path = tmp_path / "pjm_gridstatus.csv"
    with path.open("w", newline="") as fh:  # Data Miner's EPT wall clock as the naive time: 1:00 AM twice on 11/2
        w = csv.writer(fh)
        w.writerow(["Interval Start", "Interval End", "Location", "Location Type", "Market", "LMP", "Energy",
                    "Congestion", "Loss"])
        for r in csv_rows(PJM_DST):
            start = dt.datetime.strptime(r["datetime_beginning_ept"], "%m/%d/%Y %I:%M:%S %p")
            w.writerow([start, start + HOUR, r["pnode_name"], r["type"], "DAY_AHEAD_HOURLY", r["total_lmp_da"],
                        r["system_energy_price_da"], r["congestion_price_da"], r["marginal_loss_price_da"]])
    code, output, s = reconcile(data, tmp_path / "out", "pjm", "DA_prices", str(path), "--only-their-points")
    assert code == 0, output
    assert s["compared_columns"] == ["da_lmp", "da_energy", "da_congestion", "da_loss"]
    assert s["time_resolution"]["resolved_by"]["order"] == 2 and s["rows"]["matched"] == len(csv_rows(PJM_DST))


# -- bad input: exit 2 -------------------------------------------------------------------------------------------

def _own_layout(path: Path) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["when_utc", "node", "price"])
        for r in dam_rows():
            w.writerow([r["utc"].strftime("%Y-%m-%dT%H:%M:%SZ"), r["point"], r["price"]])
    return path


def test_an_unknown_layout_is_a_clear_error_and_map_reads_it(data, tmp_path):
    path = _own_layout(tmp_path / "mine.csv")
    code, output, s = reconcile(data, tmp_path / "out", "ercot", "DA_prices", str(path))
    assert code == 2 and s is None
    assert "its columns are when_utc, node, price" in output and "OLD=settlement_point" in output and "--map" in output
    code, output, s = reconcile(data, tmp_path / "out", "ercot", "DA_prices", str(path), "--map", "when_utc=datetime",
                                "--map", "node=settlement_point", "--map", "price=da_lmp")
    assert code == 0, output
    assert "layout: Stage 2 (long)" in output and s["rows"]["matched"] == len(dam_rows())


@pytest.mark.parametrize("case", ["other-dataset", "not-a-number", "unknown-dataset", "no-stage2", "bad-map"])
def test_bad_input_exits_2_with_one_line(data, tmp_path, case):
    target, args = data, []
    if case == "other-dataset":
        args = ["ercot", "DA_prices", str(ERCOT_AS / "DAMASMCPC_2022.csv")]
        said = "compare it with `iso-pipeline reconcile ercot AS_prices ...`"
    elif case == "not-a-number":
        rows = dam_rows()
        path = write_gridstatus(tmp_path / "na.csv", rows)
        path.write_text(path.read_text().replace(f",{rows[3]['price']}\n", ",N/A\n", 1))
        args, said = ["ercot", "DA_prices", str(path)], "SPP: 'N/A' (1 rows)"
    elif case == "unknown-dataset":
        args, said = ["ercot", "RT_5min", str(ERCOT_DAM)], "unknown ERCOT dataset 'RT_5min'"
    elif case == "no-stage2":
        target = tmp_path / "empty"
        args, said = ["ercot", "DA_prices", str(ERCOT_DAM)], "no Stage 2 files for ERCOT DA_prices"
    else:
        args, said = ["ercot", "DA_prices", str(ERCOT_DAM), "--map", "Settlement Point"], "expected OLD=NEW"
    code, output, s = reconcile(target, tmp_path / "out", *args)
    assert code == 2 and s is None
    assert output.startswith("Error: ") and said in output and output.count("\n") == 1
