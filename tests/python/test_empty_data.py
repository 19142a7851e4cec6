"""Nothing is not green: an ISO with no landed data says so in the build, the reports and `check`."""

from __future__ import annotations

from conftest import build


def test_a_build_with_nothing_landed_warns_and_the_reports_say_so(base):
    statuses = build(base, "--select", "tag:ercot")
    assert statuses["__returncode__"] == 0  # a warning, not an error: the project itself is fine
    warned = [n for n, s in statuses.items() if s == "warn"]
    assert any("landed_data_exists" in n and "_ERCOT" in n for n in warned), warned
    assert not any("landed_data_exists" in n and ("CAISO" in n or "PJM" in n) for n in statuses)  # only the ISO asked for
    for report in ("gaps_report.md", "quality_report.md"):
        text = (base / "ERCOT_data/rollup_files" / report).read_text()
        assert "**No data landed for ERCOT**" in text
    gaps = (base / "ERCOT_data/rollup_files/gaps_report.md").read_text()
    assert "No missing intervals" not in gaps
    assert gaps.count("No data: nothing of this dataset") == 4  # DA, RT, RT_SPP, AS
