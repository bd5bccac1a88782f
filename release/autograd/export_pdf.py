"""把作业中的书面回答导出为 PDF，上传到 Gradescope 供人工评分。
Export the written (manually graded) answers of a notebook to PDF for Gradescope.

用法 / usage (在 notebook 所在的文件夹里 / in the notebook's folder):

    python export_pdf.py autograd.ipynb                 # 写出 / writes autograd.pdf
    python export_pdf.py autograd.ipynb --browser PATH  # 指定浏览器 / choose the browser

不需要 LaTeX，也不会下载任何浏览器：PDF 由电脑上已安装的 Chromium、Google Chrome 或
Microsoft Edge 排版，中文使用系统字体。需要的 Python 包：otter-grader、nbconvert、playwright
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
    render_pdf(written_answers_html(notebook_path), find_browser(browser), pdf_path)
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
