"""把作业中的书面回答导出为 PDF，上传到 Gradescope 供人工评分。
Export the written (manually graded) answers of a notebook to PDF for Gradescope.

用法 / usage (在 notebook 所在的文件夹里 / in the notebook's folder):

    python export_pdf.py autograd.ipynb                 # 写出 / writes autograd.pdf
    python export_pdf.py autograd.ipynb --browser PATH  # 指定浏览器 / choose the browser

不需要 LaTeX，也不会下载任何浏览器：PDF 由电脑上已安装的 Chromium、Google Chrome 或
Microsoft Edge 排版，中文使用系统字体（嵌入 PDF，复制出的文字与原文相同）。需要的 Python 包：otter-grader、nbconvert、playwright
（只需 `pip install playwright`，不要运行 `playwright install`）。
No LaTeX and no browser download: an installed Chromium, Chrome or Edge lays out the PDF.
"""

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

BROWSER_COMMANDS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "microsoft-edge", "msedge")
BROWSER_PATHS = (
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
    r"C:\Program Files\Microsoft\Edge\Application\msedge.exe",
)
# Headless and quiet: no GPU, no update checks or sync, nothing fetched in the background.
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
# The Chinese font embedded in the PDF: the first of these installed (matplotlib lists the fonts
# on Linux, macOS and Windows alike).
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC",
             "Hiragino Sans GB", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Noto Sans CJK JP",
             "Source Han Sans", "Noto Sans CJK TC", "Noto Sans CJK KR")
CJK_FAMILY = "export-pdf-cjk"
# CJK fonts draw these radicals (⼈ U+2F08) with the same glyphs as the characters (人 U+4EBA); a PDF
# maps each glyph back to one character for copying and search, and Chromium picks the radical.
RADICALS = range(0x2E80, 0x2FE0)
FIRST_CJK = 0x2E80  # the embedded font holds the characters from here on; Latin text keeps its own fonts


class ExportError(Exception):
    """The PDF could not be made; the message says what to do."""


def find_browser(explicit: str | None = None) -> str:
    """The browser to lay out the PDF: --browser, then $CHROMIUM_PATH, then the usual places."""
    chosen = explicit or os.environ.get("CHROMIUM_PATH")
    if chosen:
        if Path(chosen).is_file():
            return chosen
        raise ExportError(f"找不到浏览器 {chosen} / no browser at {chosen}")
    candidates = [shutil.which(name) for name in BROWSER_COMMANDS] + list(BROWSER_PATHS)
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    raise ExportError(
        "找不到 Chromium、Google Chrome 或 Microsoft Edge；请安装其中之一（Debian/Ubuntu: "
        "sudo apt-get install chromium），或用 --browser 指定路径。"
        " / No Chromium, Chrome or Edge found: install one or pass --browser PATH."
    )


def written_answers_html(notebook_path: Path) -> str:
    """The notebook's manually graded questions (otter's BEGIN/END QUESTION comments) as HTML."""
    import nbconvert
    from otter.export.exporters.base_exporter import TEMPLATE_DIR
    from otter.export.exporters.via_html import PDFViaHTMLExporter

    notebook = PDFViaHTMLExporter.load_notebook(str(notebook_path), filtering=True, pagebreaks=True)
    if not any(cell.cell_type == "markdown" and "<!-- BEGIN QUESTION -->" in cell.source for cell in notebook.cells):
        raise ExportError(f"{notebook_path} 里没有书面题 / has no written questions to export")
    exporter = nbconvert.HTMLExporter(template_name="via_html", extra_template_basedirs=[str(TEMPLATE_DIR)])
    html, _ = exporter.from_notebook_node(notebook)
    return html


def _font_subset(entry, characters: set[int]) -> bytes:
    """The glyphs of ``characters`` from the font matplotlib lists as ``entry``, with a character
    map that has no radicals in it: each glyph then maps back to the character written."""
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(entry.fname, fontNumber=entry.index, lazy=True)
    covered = font.getBestCmap()
    options = subset.Options()
    options.name_IDs, options.notdef_outline, options.layout_features = ["*"], True, ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes={c for c in characters if c in covered and c not in RADICALS})
    subsetter.subset(font)
    data = io.BytesIO()
    font.save(data)
    return data.getvalue()


def with_cjk_font(html: str) -> str:
    """``html`` marked as Simplified Chinese, its CJK characters set in a subset of an installed CJK
    font embedded in the page itself.

    Otherwise Chromium takes the system's CJK font, whose character map also sends the radicals
    (U+2E80-U+2FDF) to the glyphs of common characters: the PDF's text then says ⼈⼯ where the page
    shows 人工, and copying, search and a grader's PDF tools get the radicals. Without a CJK font
    that fontTools (a matplotlib dependency) can read, the page is left as it is."""
    import base64
    import re

    characters = {ord(c) for c in html if ord(c) >= FIRST_CJK}
    try:
        from matplotlib import font_manager

        installed = {}
        for entry in font_manager.fontManager.ttflist:
            installed.setdefault((entry.name, "bold" if _weight(entry.weight) >= 600 else "normal"), entry)
        family = next(name for name in CJK_FONTS if (name, "normal") in installed)
        faces = {weight: _font_subset(installed[(family, weight)], characters)
                 for weight in ("normal", "bold") if (family, weight) in installed}
    except Exception as error:  # noqa: BLE001 - the PDF is still made, with the system's font
        print(f"提示：未能嵌入中文字体，PDF 中复制出的部分汉字可能是部首字符 / no CJK font embedded "
              f"({type(error).__name__}): text copied from the PDF may show radicals", file=sys.stderr)
        return html
    rules = [f'@font-face {{ font-family: "{CJK_FAMILY}"; font-weight: {weight}; '
             f'src: url(data:font/otf;base64,{base64.b64encode(data).decode()}); }}' for weight, data in faces.items()]
    # first in every stack the page uses (otter's HTML template): Latin text falls through to its own fonts
    rules.append(f'body, body * {{ font-family: "{CJK_FAMILY}", "Helvetica Neue", Helvetica, Arial, sans-serif !important; }}')
    rules.append(f'pre, pre *, code, code *, kbd, samp, tt {{ font-family: "{CJK_FAMILY}", monospace !important; }}')
    html = re.sub(r"<html\b[^>]*>", '<html lang="zh-CN">', html, count=1)
    return html.replace("</head>", "<style>\n" + "\n".join(rules) + "\n</style>\n</head>", 1)


def _weight(weight) -> int:
    """matplotlib's weight (a number, or a name such as "bold") as a number."""
    names = {"ultralight": 100, "light": 300, "normal": 400, "regular": 400, "book": 400, "medium": 500,
             "roman": 400, "semibold": 600, "demibold": 600, "demi": 600, "bold": 700, "heavy": 800,
             "extra bold": 800, "black": 900}
    return weight if isinstance(weight, int) else names.get(str(weight).lower(), 400)


def render_pdf(html: str, browser: str, pdf_path: Path) -> None:
    """Print ``html`` to ``pdf_path`` with the given browser, the way a person prints a page."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise ExportError("需要 Python 包 playwright：pip install playwright / install the playwright package") from error
    with tempfile.TemporaryDirectory() as folder:
        page_file = Path(folder) / "answers.html"
        page_file.write_text(html, encoding="utf-8")
        with sync_playwright() as playwright:
            instance = playwright.chromium.launch(executable_path=browser, args=BROWSER_ARGS)
            try:
                page = instance.new_page()
                page.emulate_media(media="print")
                page.goto(page_file.as_uri(), wait_until="load")
                page.evaluate("document.fonts.ready.then(() => true)")
                pdf_path.write_bytes(page.pdf(print_background=True, format="A4"))
            finally:
                instance.close()


def export(notebook_path: Path, pdf_path: Path | None = None, browser: str | None = None) -> Path:
    notebook_path = Path(notebook_path)
    if not notebook_path.is_file():
        raise ExportError(f"找不到 notebook {notebook_path} / notebook not found; 请先保存 notebook / save it first")
    pdf_path = Path(pdf_path or notebook_path.with_suffix(".pdf"))
    render_pdf(with_cjk_font(written_answers_html(notebook_path)), find_browser(browser), pdf_path)
    return pdf_path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="把书面回答导出为 PDF / export written answers to PDF")
    parser.add_argument("notebook", type=Path, help="作业 notebook，例如 autograd.ipynb")
    parser.add_argument("--output", "-o", type=Path, help="PDF 路径（默认与 notebook 同名）")
    parser.add_argument("--browser", help="Chromium、Chrome 或 Edge 的可执行文件路径")
    args = parser.parse_args(argv)
    try:
        pdf_path = export(args.notebook, args.output, args.browser)
    except ExportError as error:
        print(f"导出失败 / export failed: {error}", file=sys.stderr)
        return 1
    print(f"已写出 {pdf_path}：把它上传到 Gradescope 的书面题作业。 / Wrote {pdf_path}: upload it to Gradescope.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
