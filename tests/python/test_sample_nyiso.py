"""The NYISO sample generator at the raw-file level, checked against the real MIS files in
fixtures/real_samples/nyiso/ wherever one exists: the header lines and row shapes (day-ahead files quote nothing,
real-time files quote the header cells and the rows' Time Stamp and Name), CRLF, the zone rows and PTIDs, the sign
convention LBMP = energy + losses - congestion, the Eastern wall clock on DST days (stamp for stamp as the real
2017-11-05 / 2018-03-11 DAM and 2022-11-06 / 2022-03-13 RTD files), the RTD intervals ending off the 5-minute grid,
damasp's and rtasp's Time Zone column and unquoted rows (as the real 2024-04-13 damasp / rtasp files), rtasp's
off-grid RTD ends, determinism, the monthly zips."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from ingest.sample.nyiso import generate_nyiso

D = dt.date
REAL = Path(__file__).parent / "fixtures/real_samples/nyiso"
REAL_DAM_FALL, REAL_DAM_SPRING = REAL / "20171105damlbmp_zone.csv", REAL / "20180311damlbmp_zone.csv"
REAL_RT_FALL, REAL_RT_SPRING = REAL / "20221106realtime_zone.csv", REAL / "20220313realtime_zone.csv"
REAL_DAM_EXCERPT = REAL / "nyiso_damlbmp_zone_20261005__EXCERPT.csv"
#: NYISO's damasp and rtasp files of 2024-04-13, whole (LF line ends as stored in git)
REAL_ASP = REAL / "Rick10119_vpp_ancillary_services" / "20240413damasp.csv"
REAL_RTASP = REAL / "Rick10119_vpp_ancillary_services" / "20240413rtasp.csv"
#: row shapes, each checked against every row of the real files and of the generated ones
DA_ROW = re.compile(r'^(\d\d/\d\d/\d{4} \d\d:\d\d),([^",]+),(\d+),(-?\d+\.\d\d),(-?\d+\.\d\d),(-?\d+\.\d\d)$')
RT_ROW = re.compile(r'^"(\d\d/\d\d/\d{4} \d\d:\d\d:\d\d)","([^",]+)",(\d+),(-?\d+\.\d\d),(-?\d+\.\d\d),(-?\d+\.\d\d)$')
#: rtlbmp (no real file seen): quoted as the real-time files, hour-beginning stamps as the day-ahead ones
RTH_ROW = re.compile(r'^"(\d\d/\d\d/\d{4} \d\d:\d\d)","([^",]+)",(\d+),(-?\d+\.\d\d),(-?\d+\.\d\d),(-?\d+\.\d\d)$')
HEADER_ASP = (b"Time Stamp,Time Zone,Name,PTID,10 Min Spinning Reserve ($/MWHr),10 Min Non-Synchronous Reserve ($/MWHr),"
              b"30 Min Operating Reserve ($/MWHr),NYCA Regulation Capacity ($/MWHr)")
HEADER_RTASP = HEADER_ASP + b",NYCA Regulation Movement ($/MW)"
#: damasp and rtasp quote nothing (the real files); damasp: hour beginning, rtasp: interval end with seconds
ASP_ROW = re.compile(r"^(\d\d/\d\d/\d{4} \d\d:\d\d),(EDT|EST),([^\",]+),(\d+)((?:,\d+\.\d\d){4})$")
RTASP_ROW = re.compile(r"^(\d\d/\d\d/\d{4} \d\d:\d\d:\d\d),(EDT|EST),([^\",]+),(\d+)((?:,\d+\.\d\d){5})$")
FALL, SPRING = {D(2024, 11, 3), D(2025, 11, 2)}, {D(2024, 3, 10), D(2025, 3, 9)}
DST_DAYS = {D(2024, 3, 10): 23, D(2024, 11, 3): 25, D(2025, 3, 9): 23, D(2025, 11, 2): 25, D(2025, 11, 3): 24}
OFF_GRID = ["20:13:42", "20:14:54"]  # 78 s and 6 s before 20:15:00 (checked against the real file below)

Row = tuple[str, str, int, int, int, int]


def lines(data: bytes) -> list[str]:
    """The lines of a file, after checking it is ASCII with CRLF line ends only, the last line ended too."""
    assert data.endswith(b"\r\n") and data.count(b"\n") == data.count(b"\r\n")
    return data.decode("ascii").split("\r\n")[:-1]


def rows(data: bytes, shape: re.Pattern) -> list[Row]:
    """(stamp, name, ptid, LBMP, losses, congestion in cents) of a price file, after checking every row's shape."""
    out = []
    for line in lines(data)[1:]:
        m = shape.match(line)
        assert m, line
        out.append((m[1], m[2], int(m[3]), *(round(float(m[k]) * 100) for k in (4, 5, 6))))
    return out


def real(path: Path, shape: re.Pattern) -> list[Row]:
    return rows(path.read_bytes(), shape)


def header(path: Path) -> bytes:
    return path.read_bytes().split(b"\r\n", 1)[0]


def clocked(parsed: list[Row]) -> list[tuple[int, str, str, int]]:
    """Each row as (day offset from the file's first date, wall clock, name, PTID): comparable across years."""
    first = dt.datetime.strptime(parsed[0][0][:10], "%m/%d/%Y").date()
    return [((dt.datetime.strptime(s[:10], "%m/%d/%Y").date() - first).days, s[11:], n, p) for s, n, p, *_ in parsed]


def on_grid(clock: str) -> bool:
    return clock.endswith(":00") and int(clock[3:5]) % 5 == 0


def energies(parsed: list[Row]) -> list[int]:
    return [lbmp - loss + congestion for _, _, _, lbmp, loss, congestion in parsed]


def blocks(parsed: list[Row]) -> list[list[Row]]:
    """The rows of each stamp occurrence (rows are by time, then name: the names repeat in blocks)."""
    width = len({name for _, name, *_ in parsed})
    assert len(parsed) % width == 0
    return [parsed[i:i + width] for i in range(0, len(parsed), width)]


@pytest.fixture(scope="module")
def dst_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("nyiso")
    for day in DST_DAYS:
        generate_nyiso(out, start=day, days=1)
    return out


@pytest.fixture(scope="module")
def two_days(tmp_path_factory):
    out = tmp_path_factory.mktemp("nyiso2")
    return out, generate_nyiso(out, start=D(2024, 10, 21), days=2)


def test_files_named_as_mis(two_days):
    out, paths = two_days
    names = [p.relative_to(out).as_posix() for p in paths]
    assert names == sorted(f"{folder}/2024102{d}{folder}{suffix}.csv" for d in (1, 2)
                           for folder, suffixes in (("damlbmp", ("_zone", "_gen")), ("realtime", ("_zone", "_gen")),
                                                    ("rtlbmp", ("_zone", "_gen")), ("damasp", ("",)),
                                                    ("rtasp", ("",)))
                           for suffix in suffixes)


def test_row_shapes_tell_the_real_quoting_apart():
    """The shapes the tests hold the generated files to are the real files' shapes, and they do not overlap."""
    for path in (REAL_DAM_FALL, REAL_DAM_SPRING):
        assert len(real(path, DA_ROW)) > 300
    assert [DA_ROW.match(line) is not None for line in REAL_DAM_EXCERPT.read_text().splitlines()[1:]] == [True] * 30
    for path in (REAL_RT_FALL, REAL_RT_SPRING):
        assert len(real(path, RT_ROW)) > 4000
    da_line, rt_line = REAL_DAM_FALL.read_bytes().split(b"\r\n")[1], REAL_RT_FALL.read_bytes().split(b"\r\n")[1]
    assert not RT_ROW.match(da_line.decode()) and not DA_ROW.match(rt_line.decode())
    assert not RTH_ROW.match(da_line.decode()) and not RTH_ROW.match(rt_line.decode())


def test_day_ahead_files_quote_nothing_like_the_real_dam_files(two_days):
    out, _ = two_days
    real_header = header(REAL_DAM_FALL)
    assert real_header == header(REAL_DAM_SPRING) == REAL_DAM_EXCERPT.read_bytes().splitlines()[0]
    assert b'"' not in real_header
    for suffix in ("_zone", "_gen"):
        data = (out / f"damlbmp/20241021damlbmp{suffix}.csv").read_bytes()
        assert lines(data)[0].encode() == real_header
        assert b'"' not in data
        parsed = rows(data, DA_ROW)
        assert parsed[0][0] == "10/21/2024 00:00" and parsed[-1][0] == "10/21/2024 23:00"  # hour beginning
        assert len(blocks(parsed)) == 24


def test_real_time_files_quote_header_stamp_and_name_like_the_real_rtd_files(two_days):
    out, _ = two_days
    real_header = header(REAL_RT_FALL)
    assert real_header == header(REAL_RT_SPRING) and real_header.count(b'"') == 12
    assert real_header.replace(b'"', b"") == header(REAL_DAM_FALL)  # the same six columns as day-ahead
    for suffix in ("_zone", "_gen"):
        data = (out / f"realtime/20241021realtime{suffix}.csv").read_bytes()
        assert lines(data)[0].encode() == real_header
        parsed = rows(data, RT_ROW)
        assert parsed[0][0] == "10/21/2024 00:05:00" and parsed[-1][0] == "10/22/2024 00:00:00"  # interval end
        # rtlbmp (inferred): the real-time header and quoting, hour-beginning stamps
        data = (out / f"rtlbmp/20241021rtlbmp{suffix}.csv").read_bytes()
        assert lines(data)[0].encode() == real_header
        parsed = rows(data, RTH_ROW)
        assert parsed[0][0] == "10/21/2024 00:00" and parsed[-1][0] == "10/21/2024 23:00"


def test_zone_rows_and_ptids_are_the_real_files(two_days):
    out, _ = two_days
    real_zones = [(n, p) for _, n, p, *_ in blocks(real(REAL_DAM_FALL, DA_ROW))[0]]
    assert len(real_zones) == 15 and real_zones == sorted(real_zones)
    for real_path, shape in ((REAL_DAM_SPRING, DA_ROW), (REAL_RT_FALL, RT_ROW), (REAL_RT_SPRING, RT_ROW)):
        assert all([(n, p) for _, n, p, *_ in b] == real_zones for b in blocks(real(real_path, shape)))
    for rel, shape in (("damlbmp/20241021damlbmp_zone.csv", DA_ROW), ("realtime/20241021realtime_zone.csv", RT_ROW),
                       ("rtlbmp/20241021rtlbmp_zone.csv", RTH_ROW)):
        assert all([(n, p) for _, n, p, *_ in b] == real_zones for b in blocks(rows((out / rel).read_bytes(), shape)))
    gen = rows((out / "damlbmp/20241021damlbmp_gen.csv").read_bytes(), DA_ROW)
    names = [name for _, name, *_ in blocks(gen)[0]]
    assert names == sorted(names) and "NYISO_LBMP_REFERENCE" in names
    assert all(loss == congestion == 0 for _, name, _, _, loss, congestion in gen if name == "NYISO_LBMP_REFERENCE")


def test_lbmp_is_energy_plus_losses_minus_congestion(tmp_path):
    """In the real files each stamp's LBMP - losses + congestion agrees across the zones to rounding (2 cents; with the
    other sign it does not); in the generated ones exactly, and it is the reference bus's LBMP."""
    for path, shape in ((REAL_DAM_FALL, DA_ROW), (REAL_DAM_SPRING, DA_ROW), (REAL_RT_FALL, RT_ROW),
                        (REAL_RT_SPRING, RT_ROW)):
        parsed = blocks(real(path, shape))
        assert max(max(energies(b)) - min(energies(b)) for b in parsed) <= 2
        other_sign = [[lbmp - loss - congestion for *_, lbmp, loss, congestion in b] for b in parsed]
        assert max(max(e) - min(e) for e in other_sign) > 100
    generate_nyiso(tmp_path, start=D(2024, 11, 2), days=2)
    shapes = {"damlbmp": DA_ROW, "realtime": RT_ROW, "rtlbmp": RTH_ROW}
    congested = Counter()
    for folder, shape in shapes.items():
        for path in sorted(tmp_path.glob(f"{folder}/*.csv")):
            parsed = rows(path.read_bytes(), shape)
            for b in blocks(parsed):
                assert len(set(energies(b))) == 1, path.name
                reference = [lbmp for _, name, _, lbmp, *_ in b if name == "NYISO_LBMP_REFERENCE"]
                assert reference in ([], energies(b)[:1])
            congested.update("+" if c > 0 else "-" if c < 0 else "0" for *_, c in parsed)
    assert congested["+"] and congested["-"] and congested["0"]


@pytest.mark.parametrize("day", [D(2024, 10, 21), *sorted(DST_DAYS)])
def test_rtlbmp_is_the_mean_of_the_hours_twelve_on_grid_realtime_intervals(dst_files, two_days, day):
    """Each rtlbmp component is the hour's twelve 5-minute components averaged and rounded to the cent, also after
    the off-grid RTD ends (which are not part of the average and must not shift the grid values)."""
    out = two_days[0] if day == D(2024, 10, 21) else dst_files
    fine = rows((out / f"realtime/{day:%Y%m%d}realtime_gen.csv").read_bytes(), RT_ROW)
    hourly = blocks(rows((out / f"rtlbmp/{day:%Y%m%d}rtlbmp_gen.csv").read_bytes(), RTH_ROW))
    grid = [b for b in blocks(fine) if on_grid(b[0][0][11:])]
    assert len(grid) == 12 * len(hourly) and len(blocks(fine)) == len(grid) + 2
    for h, hour in enumerate(hourly):
        for k, row in enumerate(hour):
            twelve = [b[k] for b in grid[12 * h:12 * h + 12]]
            assert {r[1] for r in twelve} == {row[1]}
            energy, loss, congestion = (round(sum(v) / 12) for v in zip(*[(lb - lo + co, lo, co)
                                                                           for *_, lb, lo, co in twelve], strict=True))
            assert row[3:] == (energy + loss - congestion, loss, congestion), (row, h)


@pytest.mark.parametrize("day", sorted(DST_DAYS))
def test_hourly_files_on_dst_days_stamp_for_stamp_as_the_real_dam_files(dst_files, day):
    """Fall-back: 25 hours, every zone at the first 01:00 then every zone at the second, as the real 2017-11-05 DAM
    file, row for row; spring-forward: 23 hours without 02:00, as the real 2018-03-11 file."""
    for path, shape in ((dst_files / f"damlbmp/{day:%Y%m%d}damlbmp_zone.csv", DA_ROW),
                        (dst_files / f"rtlbmp/{day:%Y%m%d}rtlbmp_zone.csv", RTH_ROW)):
        parsed = rows(path.read_bytes(), shape)
        assert all(s.startswith(f"{day:%m/%d/%Y} ") for s, *_ in parsed)
        clock = [s[11:] for s, *_ in parsed[::15]]
        assert len(clock) == DST_DAYS[day]
        if day in FALL:
            assert clocked(parsed) == clocked(real(REAL_DAM_FALL, DA_ROW))
            assert Counter(clock)["01:00"] == 2 and len(set(clock)) == 24
        elif day in SPRING:
            assert clocked(parsed) == clocked(real(REAL_DAM_SPRING, DA_ROW))
            assert "02:00" not in clock
        else:
            assert clock == [f"{h:02d}:00" for h in range(24)]


@pytest.mark.parametrize("day", sorted(FALL))
def test_realtime_fall_back_day_stamp_for_stamp_as_the_real_20221106_file(dst_files, day):
    """Ends 00:05:00 .. next day 00:00:00, 01:00:00 .. 01:55:00 twice (every zone at the EDT one, then the EST one),
    and the two off-grid ends 20:13:42 and 20:14:54: the real file's 302 stamps x 15 zones, row for row."""
    parsed = rows((dst_files / f"realtime/{day:%Y%m%d}realtime_zone.csv").read_bytes(), RT_ROW)
    real_rows = real(REAL_RT_FALL, RT_ROW)
    assert len(real_rows) == 302 * 15
    assert clocked(parsed) == clocked(real_rows)
    stamps = [s for s, *_ in parsed[::15]]
    assert stamps[0] == f"{day:%m/%d/%Y} 00:05:00" and stamps[-1] == f"{day + dt.timedelta(days=1):%m/%d/%Y} 00:00:00"
    i = stamps.index(f"{day:%m/%d/%Y} 01:55:00")
    assert stamps[i + 1] == f"{day:%m/%d/%Y} 01:00:00"
    twice = sorted(k for k, n in Counter(s[11:] for s in stamps).items() if n == 2)
    assert twice == [f"01:{m:02d}:00" for m in range(0, 60, 5)]


@pytest.mark.parametrize("day", sorted(SPRING))
def test_realtime_spring_forward_day_on_grid_stamps_as_the_real_20220313_file(dst_files, day):
    """On the 5-minute grid the ends are the real file's, row for row (01:55:00 then 03:00:00, 23 x 12 ends); off it
    the generator writes its two 20:15 ends (the real file's thirteen off-grid ends fall elsewhere)."""
    parsed = clocked(rows((dst_files / f"realtime/{day:%Y%m%d}realtime_zone.csv").read_bytes(), RT_ROW))
    real_rows = clocked(real(REAL_RT_SPRING, RT_ROW))
    assert [r for r in parsed if on_grid(r[1])] == [r for r in real_rows if on_grid(r[1])]
    assert len([r for r in real_rows if on_grid(r[1])]) == 23 * 12 * 15
    assert [c for _, c, n, _ in parsed if not on_grid(c) and n == "CAPITL"] == OFF_GRID
    clock = [c for _, c, n, _ in parsed if n == "CAPITL"]
    assert not [c for c in clock if c.startswith("02:")] and clock[clock.index("01:55:00") + 1] == "03:00:00"


@pytest.mark.parametrize("day", sorted(DST_DAYS))
def test_realtime_off_grid_intervals_78_and_6_seconds_before_20_15(dst_files, day):
    """Two extra RTD ends a day, in time order between 20:10:00 and 20:15:00, every location at each: the off-grid
    ends of the real 2022-11-06 file."""
    real_clock = [c for _, c, n, _ in clocked(real(REAL_RT_FALL, RT_ROW)) if n == "CAPITL"]
    assert [c for c in real_clock if not on_grid(c)] == OFF_GRID
    assert real_clock[real_clock.index("20:10:00"):real_clock.index("20:15:00") + 1] == ["20:10:00", *OFF_GRID,
                                                                                          "20:15:00"]
    for suffix in ("_zone", "_gen"):
        parsed = rows((dst_files / f"realtime/{day:%Y%m%d}realtime{suffix}.csv").read_bytes(), RT_ROW)
        width = len({n for _, n, *_ in parsed})
        stamps = [s for s, *_ in parsed[::width]]
        assert len(stamps) == DST_DAYS[day] * 12 + 2 and len(parsed) == width * len(stamps)
        assert [s for s in stamps if not on_grid(s[11:])] == [f"{day:%m/%d/%Y} {c}" for c in OFF_GRID]
        clock = [s[11:] for s in stamps]
        assert clock[clock.index("20:10:00"):clock.index("20:15:00") + 1] == ["20:10:00", *OFF_GRID, "20:15:00"]
        assert Counter(n for s, n, *_ in parsed if s[11:] in OFF_GRID) == dict.fromkeys(
            {n for _, n, *_ in parsed}, 2)
        on = [s for s in stamps if on_grid(s[11:])]
        if DST_DAYS[day] == 24:
            assert max(Counter(on).values()) == 1


@pytest.mark.parametrize("day", sorted(DST_DAYS))
def test_damasp_time_zone_column(dst_files, day):
    """damasp (inferred layout): `"Time Zone"` after `"Time Stamp"`, EDT / EST, which tells the fall-back day's two
    01:00 hours apart; one row per NYCA load zone (11, by the real zone order) and hour."""
    ls = lines((dst_files / f"damasp/{day:%Y%m%d}damasp.csv").read_bytes())
    assert ls[0].encode() == HEADER_ASP
    parsed = []
    for line in ls[1:]:
        m = ASP_ROW.match(line)
        assert m, line
        parsed.append((m[1], m[2], m[3], int(m[4])))
    assert len(parsed) == 11 * DST_DAYS[day]
    real_zones = [(n, p) for _, n, p, *_ in blocks(real(REAL_DAM_FALL, DA_ROW))[0]]
    nyca = [z for z in real_zones if z[0] not in ("H Q", "NPX", "O H", "PJM")]
    assert all([(n, p) for _, _, n, p in parsed[i:i + 11]] == nyca for i in range(0, len(parsed), 11))
    hours = [(s[11:], tz) for s, tz, *_ in parsed[::11]]
    assert all(s.startswith(f"{day:%m/%d/%Y} ") for s, *_ in parsed)
    if day in FALL:
        assert hours[:4] == [("00:00", "EDT"), ("01:00", "EDT"), ("01:00", "EST"), ("02:00", "EST")]
        assert len(set(hours)) == 25
    elif day in SPRING:
        assert hours[:3] == [("00:00", "EST"), ("01:00", "EST"), ("03:00", "EDT")] and hours[-1] == ("23:00", "EDT")
    else:
        assert {tz for _, tz in hours} == {"EST"}


def test_damasp_time_zone_on_an_ordinary_summer_day(two_days):
    out, _ = two_days
    ls = lines((out / "damasp/20241021damasp.csv").read_bytes())
    assert ls[0].encode() == HEADER_ASP and len(ls) == 1 + 24 * 11
    assert re.fullmatch(r"10/21/2024 00:00,EDT,CAPITL,61757(,\d+\.\d\d){4}", ls[1])
    assert all(ASP_ROW.match(line)[2] == "EDT" for line in ls[1:])


def asp_rows(text: str, shape: re.Pattern) -> list[tuple[str, str, str, int, tuple[str, ...]]]:
    """(stamp, Time Zone, name, PTID, prices as written) of a damasp / rtasp file, every row checked for its shape."""
    out = []
    for line in text.splitlines()[1:]:
        m = shape.match(line)
        assert m, line
        out.append((m[1], m[2], m[3], int(m[4]), tuple(m[5][1:].split(","))))
    return out


def test_ancillary_files_are_written_as_the_real_damasp_and_rtasp(two_days):
    """The real 2024-04-13 files: the header as ours (rtasp: regulation movement last), nothing quoted, damasp hour
    beginnings without seconds, rtasp interval ends with seconds running 00:05:00 .. next day 00:00:00 with two RTD
    ends off the 5-minute grid, the 11 NYCA zones by name at every stamp, regulation (and movement) one price for
    every zone. The generated files: the same, CRLF kept (the real ones came through git with LF)."""
    out, _ = two_days
    real_zones = [(n, p) for _, n, p, *_ in blocks(real(REAL_DAM_FALL, DA_ROW))[0]]
    nyca = [z for z in real_zones if z[0] not in ("H Q", "NPX", "O H", "PJM")]
    cases = ((REAL_ASP, out / "damasp/20241021damasp.csv", HEADER_ASP, ASP_ROW),
             (REAL_RTASP, out / "rtasp/20241021rtasp.csv", HEADER_RTASP, RTASP_ROW))
    for real_path, ours, head, shape in cases:
        real_text, data = real_path.read_text(encoding="ascii"), ours.read_bytes()
        assert real_text.splitlines()[0].encode() == head == lines(data)[0].encode()
        assert '"' not in real_text and b'"' not in data
        for parsed in (asp_rows(real_text, shape), asp_rows(data.decode("ascii"), shape)):
            assert len(parsed) % 11 == 0
            for i in range(0, len(parsed), 11):
                block = parsed[i:i + 11]
                assert [(n, p) for _, _, n, p, _ in block] == nyca and len({s for s, *_ in block}) == 1
                assert len({prices[3:] for *_, prices in block}) == 1  # regulation (and movement): NYCA-wide
                assert {tz for _, tz, *_ in block} == {"EDT"}
            stamps = [s for s, *_ in parsed[::11]]
            if shape is ASP_ROW:
                assert [s[11:] for s in stamps] == [f"{h:02d}:00" for h in range(24)]
            else:
                assert stamps[0].endswith(" 00:05:00") and stamps[-1].endswith(" 00:00:00")
                off = [s[11:] for s in stamps if not on_grid(s[11:])]
                assert len(stamps) == 288 + 2 and len(off) == 2
                assert off == (["13:06:38", "13:09:32"] if parsed[0][0].startswith("04/13/2024") else OFF_GRID)


@pytest.mark.parametrize("day", sorted(DST_DAYS))
def test_rtasp_on_dst_days_by_time_zone_with_the_realtime_files_rtd_ends(dst_files, day):
    """rtasp: the realtime file's interval ends, the off-grid ones included, stamp for stamp; the Time Zone EDT / EST
    of each end's wall clock (the fall-back day's 01:00:00 .. 01:55:00 first EDT, then EST; the spring-forward day's
    01:55:00 EST followed by 03:00:00 EDT)."""
    parsed = asp_rows((dst_files / f"rtasp/{day:%Y%m%d}rtasp.csv").read_text(encoding="ascii"), RTASP_ROW)
    stamps = [(s, tz) for s, tz, *_ in parsed[::11]]
    realtime = [s for s, *_ in rows((dst_files / f"realtime/{day:%Y%m%d}realtime_zone.csv").read_bytes(),
                                    RT_ROW)[::15]]
    assert [s for s, _ in stamps] == realtime and len(stamps) == DST_DAYS[day] * 12 + 2
    assert [s[11:] for s, _ in stamps if not on_grid(s[11:])] == OFF_GRID
    zones = [tz for s, tz in stamps if s[11:13] == "01"]
    if day in FALL:
        assert zones == ["EDT"] * 12 + ["EST"] * 12 and stamps[-1][1] == "EST"  # 01:00:00 EST closes 01:55 EDT
    elif day in SPRING:
        assert zones == ["EST"] * 12 and stamps[stamps.index((f"{day:%m/%d/%Y} 01:55:00", "EST")) + 1] == (
            f"{day:%m/%d/%Y} 03:00:00", "EDT")


def test_deterministic_and_seeded(tmp_path):
    a = generate_nyiso(tmp_path / "a", start=D(2025, 11, 1), days=2)
    b = generate_nyiso(tmp_path / "b", start=D(2025, 11, 1), days=2)
    c = generate_nyiso(tmp_path / "c", start=D(2025, 11, 1), days=2, seed=8)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert all(x.read_bytes() != y.read_bytes() for x, y in zip(a, c, strict=True))
    # each dataset's files are the same whichever others are asked for
    d = generate_nyiso(tmp_path / "d", start=D(2025, 11, 1), days=2, datasets=("AS_prices",))
    assert [p.read_bytes() for p in d] == [p.read_bytes() for p in a if "damasp" in p.name]
    with pytest.raises(ValueError, match="unknown NYISO dataset"):
        generate_nyiso(tmp_path / "e", datasets=("RT_asp",))
    with pytest.raises(ValueError, match="days must be >= 0"):
        generate_nyiso(tmp_path / "f", days=-1)


def test_months_that_end_before_zip_before_come_as_the_mis_monthly_zip(tmp_path):
    daily = generate_nyiso(tmp_path / "daily", start=D(2024, 10, 30), days=3)
    zipped = generate_nyiso(tmp_path / "zip", start=D(2024, 10, 30), days=3, zip_before=D(2024, 11, 1))
    names = sorted(p.relative_to(tmp_path / "zip").as_posix() for p in zipped)
    assert "damlbmp/20241001damlbmp_zone_csv.zip" in names and "damasp/20241001damasp_csv.zip" in names
    assert "damlbmp/20241101damlbmp_zone.csv" in names and not any("202410" in n and n.endswith(".csv") for n in names)
    assert len(names) == 8 + 8  # per format: October's zip, November's daily CSV
    with zipfile.ZipFile(tmp_path / "zip/realtime/20241001realtime_gen_csv.zip") as zf:
        assert zf.namelist() == ["20241030realtime_gen.csv", "20241031realtime_gen.csv"]
        assert zf.read("20241031realtime_gen.csv") == (tmp_path / "daily/realtime/20241031realtime_gen.csv").read_bytes()
    again = generate_nyiso(tmp_path / "again", start=D(2024, 10, 30), days=3, zip_before=D(2024, 11, 1))
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in zipped]
    # a month that has not ended before zip_before stays daily
    late = generate_nyiso(tmp_path / "late", start=D(2024, 10, 30), days=3, zip_before=D(2024, 10, 31))
    assert not [p for p in late if p.suffix == ".zip"] and len(late) == len(daily)
