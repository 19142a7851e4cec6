"""Landing NYISO and ISO-NE files, whose local times carry no flag (time_convention local_order): the repeated
fall-back hour is told apart by row order within each location (NYISO, ISO-NE 5-minute) or by ISO-NE's `02X`
label, and written as the `Occurrence` column. Every delivery that would need a guess is quarantined, saying why:
rows out of order, a third pass, a repeat outside the fall-back hour, a time the spring-forward day skips, a label
in the wrong place. ISO-NE's record-type lines (C/H/D/T) are checked strictly: trailer count, file name, widths,
days. Files are built here from the real layouts (fixtures/real_samples/nyiso, isone)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from conftest import REAL, landed_entries, quarantine_reasons
from ingest.config import IsoPaths
from ingest.landing import land

NY_HEADER = ('"Time Stamp","Name","PTID","LBMP ($/MWHr)","Marginal Cost Losses ($/MWHr)",'
             '"Marginal Cost Congestion ($/MWHr)"')
ZONES = (("CAPITL", 61757), ("CENTRL", 61754))


def nyiso_file(folder: Path, name: str, stamps: list[str]) -> Path:
    """A NYISO MIS file as NYISO writes it (quoted header, quoted stamp and name, CRLF): one row per stamp and zone,
    in the order given."""
    lines = [NY_HEADER]
    for i, stamp in enumerate(stamps):
        for zone, ptid in ZONES:
            lines.append(f'"{stamp}","{zone}",{ptid},{30 + i}.50,1.25,-0.40')
    path = folder / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return path


def landed_rows(base: Path, iso: str) -> list[dict[str, str]]:
    out = []
    for entry in landed_entries(base, iso):
        text = (IsoPaths.of(iso, base).root / entry["path"]).read_text(encoding="utf-8")
        out += list(csv.DictReader(io.StringIO(text)))
    return out


def one_reason(base: Path, iso: str) -> str:
    reasons = quarantine_reasons(base, iso)
    assert len(reasons) == 1, reasons
    return reasons[0]["reason"]


FALL_BACK = ["11/03/2024 00:00", "11/03/2024 01:00", "11/03/2024 01:00", "11/03/2024 02:00"]


def test_nyiso_fall_back_rows_are_told_apart_by_their_order(tmp_path):
    path = nyiso_file(tmp_path, "20241103damlbmp_zone.csv", FALL_BACK)
    summary = land("NYISO", [path], base=tmp_path / "data")
    assert summary.n_landed == 1
    rows = landed_rows(tmp_path / "data", "NYISO")
    got = [(r["Time Stamp"], r["Name"], r["LBMP ($/MWHr)"], r["Occurrence"]) for r in rows]
    assert got[:2] == [("11/03/2024 00:00", "CAPITL", "30.50", "1"), ("11/03/2024 00:00", "CENTRL", "30.50", "1")]
    # the first 01:00 of each zone is the daylight-time pass, the second the standard-time one
    assert [g[3] for g in got if g[0] == "11/03/2024 01:00"] == ["1", "1", "2", "2"]
    assert [g[2] for g in got if g[0] == "11/03/2024 01:00" and g[3] == "2"] == ["32.50", "32.50"]


def real_time_day(day: str, hours: list[int]) -> list[str]:
    """The interval ends of a real-time day file, 00:05:00 .. next day 00:00:00, over the given local hours (an hour
    listed twice is the repeated one)."""
    mdy = f"{day[4:6]}/{day[6:8]}/{day[:4]}"
    ends = [f"{mdy} {h:02d}:{m:02d}:00" for h in hours for m in range(0, 60, 5)][1:]
    nxt = f"{day[4:6]}/{int(day[6:8]) + 1:02d}/{day[:4]}"
    return [*ends, f"{nxt} 00:00:00"]


def test_nyiso_real_time_interval_ends_repeat_from_01_00_to_01_55(tmp_path):
    ends = real_time_day("20241103", [0, 1, 1, *range(2, 24)])
    path = nyiso_file(tmp_path, "20241103realtime_zone.csv", ends)
    assert land("NYISO", [path], base=tmp_path / "data").n_landed == 1
    rows = [r for r in landed_rows(tmp_path / "data", "NYISO") if r["Name"] == "CAPITL"]
    assert len(rows) == 25 * 12
    assert [r["Occurrence"] for r in rows[:36]] == ["1"] * 23 + ["2"] * 12 + ["1"]
    assert [r["Time Stamp"][11:] for r in rows[22:24] + rows[34:36]] == ["01:55:00", "01:00:00", "01:55:00",
                                                                         "02:00:00"]


def test_a_real_time_file_fetched_before_its_day_was_over_is_refused(tmp_path):
    """A live capture of NYISO's real-time day file (pyiso's test fixture, 2016-02-18 00:12 EST): its rows are the
    15-minute RTC advisory prices of the next intervals, not RTD prices; it ends long before the next day's 00:00."""
    live = REAL / "nyiso" / "20160218realtime_zone__LIVE_CAPTURE.csv"
    assert live.read_text().splitlines()[1].startswith('"02/18/2016 00:15:00","CAPITL"')
    assert land("NYISO", [live], base=tmp_path / "data").n_landed == 0
    assert one_reason(tmp_path / "data", "NYISO") == (
        "P-24A: PTID 61757: the day file ends at 02/18/2016 00:45:00, not at the next day's 00:00:00: a file fetched "
        "before its day was over (its last rows are RTC advisory prices, not RTD ones); land it once the day is "
        "complete")


@pytest.mark.parametrize(("stamps", "why"), [
    # a location's rows out of time order: which 01:00 is which pass cannot be read from the order
    (["11/03/2024 00:00", "11/03/2024 02:00", "11/03/2024 01:00", "11/03/2024 01:00"], "not in time order"),
    (["11/03/2024 01:00", "11/03/2024 00:00", "11/03/2024 01:00", "11/03/2024 02:00"], "not in time order"),
    # three passes of the repeated hour
    (FALL_BACK[:3] + ["11/03/2024 01:00"], "a third row"),
    # a repeat on an ordinary day, and outside the repeated hour on the fall-back day
    (["10/05/2026 00:00", "10/05/2026 01:00", "10/05/2026 01:00"], "not in the repeated fall-back hour"),
    (["11/03/2024 00:00", "11/03/2024 00:00"], "not in the repeated fall-back hour"),
    # the hour a spring-forward day skips
    (["03/10/2024 01:00", "03/10/2024 02:00", "03/10/2024 03:00"], "does not exist"),
    # a time stamp in another form
    (["2024-11-03 00:00"], "is not MM/DD/YYYY"),
])
def test_nyiso_files_that_would_need_a_guess_are_quarantined(tmp_path, stamps, why):
    day = stamps[0][6:10] + stamps[0][0:2] + stamps[0][3:5] if "/" in stamps[0] else "20241103"
    path = nyiso_file(tmp_path, f"{day}damlbmp_zone.csv", stamps)
    summary = land("NYISO", [path], base=tmp_path / "data")
    assert summary.n_landed == 0
    reason = one_reason(tmp_path / "data", "NYISO")
    assert why in reason and reason.startswith("P-2A: line ")


def test_a_nyiso_file_whose_name_does_not_say_zonal_or_generator_is_refused(tmp_path):
    """The zonal and generator files share one header: only the name tells them apart, never a guess."""
    path = nyiso_file(tmp_path, "prices.csv", FALL_BACK[:1])
    assert land("NYISO", [path], base=tmp_path / "data").n_landed == 0
    assert one_reason(tmp_path / "data", "NYISO").startswith("unknown report")


# -- ISO-NE ------------------------------------------------------------------------------------------------------
ISONE_REAL = REAL / "isone" / "WW_DALMP_ISO_20260604__EXCERPT.csv"
H = ('"H","Date","Hour Ending","Location ID","Location Name","Location Type","Locational Marginal Price",'
     '"Energy Component","Congestion Component","Marginal Loss Component"')
H_TYPES = '"H","Date","HE","String","String","String","Number","Number","Number","Number"'


def isone_file(folder: Path, name: str, day: str, hours: list[str], *, comments: list[str] | None = None,
               trailer: int | None = None, extra: list[str] | None = None) -> Path:
    """An ISO-NE hourly report as the real one is laid out: C lines, two H lines, D rows, `"T","<n> lines"`."""
    mdy = f"{day[4:6]}/{day[6:8]}/{day[:4]}"
    c = comments if comments is not None else [
        '"C","Day-Ahead Energy Market Hourly LMP Report"', f'"C","Filename: {name}"',
        f'"C","Report for: {mdy} - {mdy}"', '"C","Report generated: 06/03/2026 12:57:12 EDT"']
    d = [f'"D","{mdy}","{he}","4000",".H.INTERNAL_HUB","HUB",{40 + i}.5,{40 + i}.25,0.0,0.25'
         for i, he in enumerate(hours)] + (extra or [])
    lines = [*c, H, H_TYPES, *d, f'"T","{len(d) if trailer is None else trailer} lines"']
    path = folder / name
    path.write_text("\n".join(lines), encoding="utf-8")  # no newline after the trailer, as the real file
    return path


def test_the_real_isone_excerpt_is_refused_for_its_trailer_and_lands_once_the_trailer_counts_its_rows(tmp_path):
    """The excerpt kept the whole original's trailer (29016 lines): a file whose trailer disagrees with its rows
    was cut short or edited, so it is quarantined; with the count corrected, every row lands."""
    assert land("ISONE", [ISONE_REAL], base=tmp_path / "a").n_landed == 0
    assert one_reason(tmp_path / "a", "ISONE") == ("the trailer says 29016 lines but the file has 2773 D lines: "
                                                   "cut short or edited")
    text = ISONE_REAL.read_text(encoding="utf-8")
    fixed = tmp_path / "WW_DALMP_ISO_20260604.csv"
    fixed.write_text(text.replace('"T","29016 lines"', '"T","2773 lines"'), encoding="utf-8")
    assert land("ISONE", [fixed], base=tmp_path / "b").n_landed == 1
    rows = landed_rows(tmp_path / "b", "ISONE")
    assert len(rows) == sum(1 for line in text.splitlines() if line.startswith('"D"')) == 2773
    hub = next(r for r in rows if r["Location ID"] == "4000" and r["Hour Ending"] == "01")
    assert (hub["Location Name"], hub["Locational Marginal Price"], hub["Occurrence"]) == (".H.INTERNAL_HUB",
                                                                                          "47.82", "1")
    padded = [r["Location Name"] for r in rows if r["Location Name"] != r["Location Name"].rstrip()]
    assert padded, "the real names keep their fixed-width padding in the landed file"


def test_isone_02x_is_the_second_pass_of_the_fall_back_hour(tmp_path):
    hours = ["01", "02", "02X", *(f"{h:02d}" for h in range(3, 25))]
    path = isone_file(tmp_path, "WW_DALMP_ISO_20241103.csv", "20241103", hours)
    assert land("ISONE", [path], base=tmp_path / "data").n_landed == 1
    rows = landed_rows(tmp_path / "data", "ISONE")
    assert [(r["Hour Ending"], r["Occurrence"]) for r in rows[:4]] == [("01", "1"), ("02", "1"), ("02X", "2"),
                                                                       ("03", "1")]


@pytest.mark.parametrize(("name", "day", "hours", "kwargs", "why"), [
    ("WW_DALMP_ISO_20241021.csv", "20241021", ["01", "02", "02X"], {}, "not in the repeated fall-back hour"),
    ("WW_DALMP_ISO_20241103.csv", "20241103", ["01", "02", "02X", "02X"], {}, "twice under one label"),
    ("WW_DALMP_ISO_20241103.csv", "20241103", ["01", "02", "02"], {}, "twice under one label"),
    ("WW_DALMP_ISO_20240310.csv", "20240310", ["01", "02", "03"], {}, "does not exist"),
    ("WW_DALMP_ISO_20241021.csv", "20241021", ["01", "25"], {}, "is not 01..24 or 02X"),
    ("WW_DALMP_ISO_20241021.csv", "20241021", ["01", "02"], {"trailer": 3}, "the trailer says 3 lines"),
    ("WW_DALMP_ISO_20241021.csv", "20241021", ["01"], {"extra": ['"D","10/21/2024","02","4000"']},
     "line 8 has 3 fields, the header 9"),
    ("WW_DALMP_ISO_20241021.csv", "20241021", ["01"],
     {"extra": ['"D","10/22/2024","02","4000",".H.INTERNAL_HUB","HUB",1.0,1.0,0.0,0.0']},
     "Date 10/22/2024 is outside the report's days"),
    ("WW_DALMP_ISO_20241021.csv", "20241021", ["01"], {"comments": []}, "record types must run C..., H, H, D..., T"),
])
def test_isone_reports_that_contradict_themselves_are_quarantined(tmp_path, name, day, hours, kwargs, why):
    path = isone_file(tmp_path, name, day, hours, **kwargs)
    assert land("ISONE", [path], base=tmp_path / "data").n_landed == 0
    assert why in one_reason(tmp_path / "data", "ISONE")


def test_an_isone_report_renamed_as_another_is_refused(tmp_path):
    """DA and RT reports share a header: a day-ahead report saved under a real-time name must not land as RT."""
    day_ahead = isone_file(tmp_path, "WW_DALMP_ISO_20241021.csv", "20241021", ["01"])
    renamed = day_ahead.rename(tmp_path / "lmp_rt_final_20241021.csv")
    assert land("ISONE", [renamed], base=tmp_path / "data").n_landed == 0
    assert one_reason(tmp_path / "data", "ISONE") == ("the report says it is WW_DALMP_ISO_20241021.csv but is named "
                                                      "lmp_rt_final_20241021.csv")


# the real damasp header and rows quote nothing (fixtures/real_samples/nyiso/Rick10119_vpp_ancillary_services)
ASP_HEADER = ("Time Stamp,Time Zone,Name,PTID,10 Min Spinning Reserve ($/MWHr),10 Min Non-Synchronous Reserve ($/MWHr),"
              "30 Min Operating Reserve ($/MWHr),NYCA Regulation Capacity ($/MWHr)")


@pytest.mark.parametrize(("rows", "landed", "why"), [
    # the fall-back day's two 01:00 told apart by Time Zone, whatever their order
    ([("11/03/2024 01:00", "EST"), ("11/03/2024 01:00", "EDT")], ["2", "1"], None),
    # a zone the clock is not on at that local time
    ([("07/01/2024 12:00", "EST")], None, "Time Zone EST is not the clock's (EDT) at that local time"),
    ([("11/03/2024 01:00", "EDT"), ("11/03/2024 01:00", "EDT")], None, "twice under one label"),
])
def test_nyiso_damasp_time_zone_decides_the_repeated_hour(tmp_path, rows, landed, why):
    lines = [ASP_HEADER] + [f"{stamp},{zone},CAPITL,61757,5.00,2.50,1.00,9.00" for stamp, zone in rows]
    path = tmp_path / f"{rows[0][0][6:10]}{rows[0][0][0:2]}{rows[0][0][3:5]}damasp.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    summary = land("NYISO", [path], base=tmp_path / "data")
    if why is None:
        assert summary.n_landed == 1
        assert [r["Occurrence"] for r in landed_rows(tmp_path / "data", "NYISO")] == landed
    else:
        assert summary.n_landed == 0 and why in one_reason(tmp_path / "data", "NYISO")
