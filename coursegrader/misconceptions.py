"""(being built: the misconceptions section of report.html)"""


def section(work, out) -> str:
    return ""
