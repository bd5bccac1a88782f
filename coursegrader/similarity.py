"""(being built: the similarity section of report.html)"""


def section(work, out) -> str:
    return ""
