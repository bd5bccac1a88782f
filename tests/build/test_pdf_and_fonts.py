"""Chinese for humans: plots with Chinese labels draw real glyphs, and the written answers a
student exports to PDF (for Gradescope's manual grading) come out as Chinese text, not boxes,
and copy out of the PDF as the characters written (人工, not the Kangxi radicals ⼈⼯)."""

import shutil
import subprocess
import sys

import nbformat
import pypdf
import pytest

from helpers import ASSIGNMENT
from coursegrader.core.notebooks import read, tags_of

pytestmark = [pytest.mark.slow, pytest.mark.browser]  # the PDF export prints with chromium

PLOT_WITH_CHINESE = r"""
import logging, warnings
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.font_manager import FontProperties, fontManager

logging.captureWarnings(True)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [0, 1, 0], label="正弦函数 sin(x)")
    ax.plot([0, 1, 2], [1, 0, -1], label="导数（自动微分）")
    ax.set_title("函数与它的导数")
    ax.set_xlabel("自变量 x")
    ax.legend()
    fig.savefig("plot.png")
print("FONTS", [str(path) for path in fontManager._find_fonts_by_props(FontProperties())])
for warning in caught:
    print("WARNING", warning.message)
"""


def draw(folder):
    completed = subprocess.run([sys.executable, "-c", PLOT_WITH_CHINESE], cwd=folder, capture_output=True,
                               text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout + completed.stderr


def test_plots_with_chinese_labels_render_with_a_cjk_font(course, tmp_path):
    """The matplotlibrc shipped beside the notebook (and copied into the grader's folder) works."""
    student = tmp_path / "student"
    student.mkdir()
    shutil.copy(course.release(ASSIGNMENT).parent / "matplotlibrc", student)
    output = draw(student)
    assert "missing from font" not in output, output
    fonts_line = next(line for line in output.splitlines() if line.startswith("FONTS"))
    assert "CJK" in fonts_line, f"no CJK font in the fallback chain: {fonts_line}"
    assert (student / "plot.png").stat().st_size > 10_000

    # without the file matplotlib draws boxes and says so: the check above can fail
    bare = tmp_path / "bare"
    bare.mkdir()
    assert "missing from font" in draw(bare)


WRITTEN_ANSWERS = {
    "e1c": "自动微分求二阶导数要对一阶导数的计算图再求导，图更大；create_graph=True 保留中间结果，占用更多内存。",
    "e2c": "第二次反向传播报错：计算图的中间结果已经释放，需要 retain_graph=True。",
    "e3d": "函数只做乘法，所以 d 等于 k 乘以 a，比例系数由循环次数和分支决定。",
    "e4b": "不同的输入走不同的分支，梯度就是所走路径上表达式的导数。",
}


def test_written_answers_export_to_pdf_with_chinese_text(course, tmp_path):
    """The student's route: fill in the written answers, run export_pdf.py beside the notebook."""
    release_folder = course.release(ASSIGNMENT).parent
    student = tmp_path / "student"
    shutil.copytree(release_folder, student)
    notebook = read(student / f"{ASSIGNMENT}.ipynb")
    filled = set()
    for cell in notebook.cells:
        for question in set(tags_of(cell)) & set(WRITTEN_ANSWERS):
            assert cell.cell_type == "markdown", f"{question} should be a written (markdown) answer cell"
            cell.source = WRITTEN_ANSWERS[question]
            filled.add(question)
    assert filled == set(WRITTEN_ANSWERS)
    nbformat.write(notebook, student / f"{ASSIGNMENT}.ipynb")

    completed = subprocess.run([sys.executable, "export_pdf.py", f"{ASSIGNMENT}.ipynb"], cwd=student,
                               capture_output=True, text=True, timeout=180)
    assert completed.returncode == 0, completed.stderr[-3000:]
    pdf = pypdf.PdfReader(student / f"{ASSIGNMENT}.pdf")
    text = "".join(page.extract_text() for page in pdf.pages)  # as a viewer's copy and search get it
    radicals = sorted({c for c in text if 0x2E80 <= ord(c) <= 0x2FDF})
    assert not radicals, f"the PDF's text has radicals where characters were written: {radicals}"
    assert "自动微分" in text and "人工" in text  # 人工评分: in every written question's title
    squeezed = "".join(text.split())
    for question, answer in WRITTEN_ANSWERS.items():
        assert "".join(answer.split()) in squeezed, f"{question}'s answer is not in the PDF text as written"
    assert "grader.check" not in text, "the PDF should hold the written questions only"
    assert "no CJK font embedded" not in completed.stderr, completed.stderr


def test_pdf_export_says_what_to_do_without_a_browser(course, tmp_path):
    completed = subprocess.run([sys.executable, str(course.release(ASSIGNMENT).parent / "export_pdf.py"),
                                str(course.release(ASSIGNMENT)), "-o", str(tmp_path / "x.pdf"),
                                "--browser", str(tmp_path / "no-such-browser")],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 1
    assert "找不到浏览器" in completed.stderr and "no browser" in completed.stderr
    assert not (tmp_path / "x.pdf").exists()
