"""pytest plugin for `make test`: print how long each notebook took under nbval.

nbval runs every cell as one test item; this sums the setup, call and teardown time of the
items of each notebook (the kernel starts in the first item's setup), so the summary shows
one line per notebook. Loaded with `-p tests.nbtiming`.
"""
from collections import defaultdict

_seconds = defaultdict(float)


def pytest_runtest_logreport(report):
    if report.nodeid.split("::")[0].endswith(".ipynb"):
        _seconds[report.nodeid.split("::")[0]] += report.duration


def pytest_terminal_summary(terminalreporter):
    if not _seconds:
        return
    terminalreporter.section("notebook execution times")
    for path, seconds in sorted(_seconds.items()):
        terminalreporter.write_line(f"{seconds:6.1f} s  {path}")
    terminalreporter.write_line(f"{sum(_seconds.values()):6.1f} s  total (summed over notebooks)")
