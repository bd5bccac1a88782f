"""Every fixed message a student or instructor reads, in one place.

A message is Chinese followed by a short English gloss, says what happened and what to do, and
never repeats anything a submission chose (a name, a number, a text). Misconception ids that
the grader itself assigns (a check it could not run) are here too; the others come from the
hidden tests.
"""

# --- The status of a graded submission (the first line of its feedback) ------------------
STATUS_LINES = {
    "ok": "评分完成 / graded",
    "cell-timeout": "有单元格超时，被中断后继续评分 / a cell ran out of time and was interrupted; grading went on",
    "output-limit": "输出超过上限，相应单元格被中断 / output over the limit; that cell was stopped",
    "memory-limit": "有单元格超出内存上限 / a cell went over the memory limit",
    "timeout": "评分超时 / the submission ran out of time",
    "crashed": "提交的进程崩溃 / the submission's process crashed",
    "invalid": "无法读取提交：请按下面的说明改正后重新提交 / the submission could not be read: "
               "fix what follows and submit again",
    "error": "评分程序出错，不是你的答案的问题：请重新提交，若仍出错请告诉课程助教 / "
             "the grader failed, not your answers: submit again, and tell the course staff if it fails again",
    "duplicate": "重复提交，未评分 / a duplicate submission, not graded",
}
AUTOGRADER_BOX = "自动评分 / autograder"  # the one Gradescope box of a submission without results per question
PUBLIC_NOTE = ("公开检查只看类型、形状和一个简单值；得分由隐藏测试在新的输入上决定，成绩发布后可见 / "
               "public checks test only type, shape and one easy value; hidden tests on new inputs decide the points, "
               "shown when grades are published")
PUBLIC_NOTE_IMMEDIATE = ("公开检查只看类型、形状和一个简单值；得分由隐藏测试在新的输入上决定，每道题下面立即显示隐藏测试"
                         "发现的错误类型（不含测试的输入和代码） / public checks test only type, shape and one easy value; "
                         "hidden tests on new inputs decide the points, and each question below shows at once which "
                         "mistake they found (never their inputs or code)")
PUBLIC_NOTE_NEVER = ("公开检查只看类型、形状和一个简单值；得分由隐藏测试在新的输入上决定，隐藏测试的结果不向学生显示 / "
                     "public checks test only type, shape and one easy value; hidden tests on new inputs decide the points, "
                     "and their results are not shown to students")

# --- Verdicts the grader gives when a hidden check could not decide ----------------------
NOT_CHECKED = "未检查：{reason} / not checked"
NOT_CHECKED_ID = "not-checked"  # the submission stopped before this check ran
# running out of time and running out of memory are one verdict: which a runaway loop meets first
# depends on the machine, the message must not
CHECK_TIMEOUT = ("检查时你的代码运行超过 {seconds:g} 秒或用尽了内存（可能有死循环），未能判断 / "
                 "your code ran over {seconds:g} s or out of memory while being checked (an endless loop?), so it could not be judged")
CHECK_TIMEOUT_ID = "check-timeout"
CANNOT_CHECK = "无法检查这道题：相关变量或函数缺失，或运行时出错 / could not check this question: a name is missing or your code failed"
CANNOT_CHECK_ID = "missing-or-raised"
UNEXPECTED_FORM = "答案的格式不对，无法判断 / the answer has an unexpected form and could not be judged"
UNEXPECTED_FORM_ID = "unexpected-form"
UNLABELLED_ID = "unlabelled"  # a judge that returned a bare message (no id): the build rejects such tests
PASSED = "通过 / passed"
FAILED = "未通过 / failed"

# --- Limits a submission ran into ---------------------------------------------------------
DISK_LIMIT = ("提交在自己的文件夹中写入的文件总量超过上限，已被停止；请少写文件或写小一些的文件 / "
              "the files the submission wrote in its folder went over the disk limit, so it was stopped; "
              "write fewer or smaller files")
DUPLICATE = ("同一学生有多份提交，只评了最新的一份，这一份没有评分 / "
             "several submissions for one student: the newest was graded, this one was not")

# --- Why a submission cannot be read (problems.py has the reasons' caps) -----------------
# reason -> (Chinese, English gloss); {file_mb}, {code_mb} and {code_cells} are the grader's caps.
_RESAVE = ("请在 Jupyter 中打开、保存后重新提交", "open it in Jupyter, save, and submit again")
_FRESH = ("请把答案复制到一份新的作业 notebook 中，保存后重新提交",
          "copy your answers into a fresh copy of the assignment notebook, save, and submit again")
_EXPORT = ("请用 notebook 最后一个单元格重新导出", "export it again with the notebook's last cell")
_CLEAR = ("请清除所有输出，保存后重新提交", "clear all outputs, save, and submit again")
SUBMISSION_PROBLEMS = {
    "link": ("提交的是符号链接，评分程序不会跟随它；请提交文件本身",
             "this submission is a symbolic link, which the grader never follows: submit the file itself"),
    "link-inside": ("提交的文件夹里有符号链接，评分程序不会跟随；请提交文件本身",
                    "the submission's folder holds a symbolic link, which the grader never follows: submit the files themselves"),
    "special": ("提交的不是普通文件（是管道、设备或套接字）；请提交 notebook（.ipynb）或导出的 zip",
                "this submission is not a regular file (a pipe, device or socket): submit the notebook (.ipynb) or its exported zip"),
    "special-inside": ("提交的文件夹里有管道、设备或套接字；请只放入 notebook 或导出的 zip",
                       "the submission's folder holds a pipe, device or socket: keep only the notebook or its exported zip in it"),
    "unreadable": ("无法读取提交的文件（没有读取权限或读取出错）；请检查文件权限或重新上传",
                   "the submitted file could not be read (no permission, or a read error): check its permissions or upload it again"),
    "not-gradable": ("提交的不是 notebook（.ipynb）或 otter 导出的 zip；请提交作业 notebook 或导出的 zip",
                     "this is not a notebook (.ipynb) or an otter export (.zip): submit the assignment notebook or the zip it exported"),
    "too-large": (f"提交的文件超过 {{file_mb}} MB 上限（通常是输出太多）；{_CLEAR[0]}",
                  f"the file is larger than the {{file_mb}} MB cap (usually because of outputs): {_CLEAR[1]}"),
    "empty": ("提交的 notebook 是空文件；请在 Jupyter 中保存后重新提交", "the notebook is empty: save it in Jupyter and submit again"),
    "not-utf8": ("提交的 notebook 不是 UTF-8 文本；请提交 Jupyter 保存的 .ipynb 文件",
                 "the notebook is not UTF-8 text: submit the .ipynb file Jupyter saved"),
    "truncated": (f"提交的 notebook 不完整（文件被截断）；{_RESAVE[0]}", f"the notebook is truncated (it ends too early): {_RESAVE[1]}"),
    "not-json": (f"提交的文件不是 notebook：它的 JSON 已损坏；{_RESAVE[0]}", f"this is not a notebook: its JSON is broken; {_RESAVE[1]}"),
    "too-deep": (f"提交的 notebook 的 JSON 嵌套过深，不是 Jupyter 保存的；{_FRESH[0]}",
                 f"the notebook's JSON nests too deeply for a saved notebook: {_FRESH[1]}"),
    "too-complex": (f"提交的 notebook 结构过于庞大，超出评分程序的读取上限；{_CLEAR[0]}",
                    f"the notebook has too many parts to read within the grader's limits: {_CLEAR[1]}"),
    "not-notebook": ("提交的文件是 JSON，但不是 Jupyter notebook（没有单元格）；请提交作业 notebook",
                     "this is JSON but not a Jupyter notebook (no cells): submit the assignment notebook"),
    "malformed-cell": (f"notebook 中有格式错误的单元格（字段类型不对）；{_FRESH[0]}",
                       f"a cell of the notebook is malformed (a field of the wrong type): {_FRESH[1]}"),
    "too-much-code": ("notebook 的代码超过上限（所有代码单元格共 {code_mb} MB）；"
                      "请删去粘贴进代码的大段数据，保存后重新提交",
                      "the notebook's code is over the cap ({code_mb} MB in all code cells): "
                      "remove data pasted into code, save, and submit again"),
    "too-many-cells": ("notebook 中非空的代码单元格超过 {code_cells} 个；请合并或删去不需要的单元格，保存后重新提交"
                       "（空单元格不计）",
                       "the notebook has more than {code_cells} code cells that are not empty: merge cells or delete "
                       "the ones you do not need, save, and submit again (empty cells do not count)"),
    "bad-zip": (f"zip 文件已损坏；{_EXPORT[0]}", f"this is not a valid zip file (it is damaged): {_EXPORT[1]}"),
    "encrypted-zip": (f"zip 文件设置了密码，无法读取；{_EXPORT[0]}，不要加密码",
                      f"the zip is password-protected: {_EXPORT[1]}, without a password"),
    "zip-no-notebook": (f"zip 中没有 notebook（.ipynb）；{_EXPORT[0]}", f"the zip contains no notebook (.ipynb): {_EXPORT[1]}"),
    "zip-several": ("zip 中有多个 notebook；请只提交一个", "the zip contains more than one notebook: submit exactly one"),
    "zip-too-many": (f"zip 中的文件远多于 otter 导出的；{_EXPORT[0]}", f"the zip holds far more files than an otter export: {_EXPORT[1]}"),
    "folder-empty": ("提交的文件夹里没有 notebook（.ipynb）或导出的 zip；请放入 notebook",
                     "the submission's folder holds no notebook (.ipynb) or exported zip: put the notebook in it"),
    "folder-several": ("提交的文件夹里有多个 notebook 或 zip；请只保留一个",
                       "the submission's folder holds more than one notebook or zip: keep exactly one"),
    "folder-too-big": ("提交的文件夹里文件太多或层级太深；请只放入 notebook",
                       "the submission's folder holds too many files or levels of folders: keep only the notebook in it"),
    "unexpected": (f"提交的内容无法读取（格式异常）；{_RESAVE[0]}",
                   f"the submission could not be read (its contents are in no form the grader knows): {_RESAVE[1]}"),
}

# --- Gradescope: the upload, the autograder's own files ------------------------------------
NO_NOTEBOOK = ("提交中没有找到笔记本：请上传你的 .ipynb 文件（文件名随意）或导出单元格生成的 zip，然后重新提交 / "
               "no notebook in your submission: upload your .ipynb (any file name) or the zip its export cell made, "
               "and submit again")
SEVERAL_NOTEBOOKS = ("提交中有不止一个笔记本或 zip，无法确定评哪一个：只上传一个 .ipynb 或一个导出的 zip，然后重新提交 / "
                     "more than one notebook or zip in your submission: upload exactly one .ipynb or one export zip, "
                     "and submit again")
BROKEN_AUTOGRADER = ("自动评分程序的文件损坏或不完整，请告诉课程助教：教师需重新上传 autograder zip / "
                     "the autograder's files are broken or incomplete; tell the course staff: the instructor must "
                     "upload the autograder zip again")
NOT_STARTED = "评分进程没有启动 / the grading process did not start"
GRADER_FAILED = "评分程序在评你的提交时出错 / the grader failed while grading your submission"

# --- The submission's process, as the grader talks with it (judging.py) --------------------
# Where it was: {zh} and {en} of PLACES (the cell number is the notebook's, never the submission's text)
PLACES = {
    "start": ("第一个单元格之前", "before the first cell"),
    "cell": ("第 {number} 个单元格", "at cell {number}"),
    "checks": ("检查答案时", "while its answers were checked"),
}
DIED = "提交的进程意外退出，位置：{zh} / the submission's process died {en}"
TIMED_OUT = "评分超过每份提交的时间上限，停止于{zh} / stopped at the time limit per submission, {en}"
INVALID_DATA = "提交的进程发送了无效数据 / the submission's process sent invalid data"
NOT_AN_OBJECT = "提交的进程发送了无效数据 / the submission's process sent invalid data (not an object)"
CODE_TOO_LARGE = "笔记本的代码太大，无法评分 / the notebook's code is too large to grade"
PUBLIC_CHECK_RAISED = "公开检查未通过：代码运行出错 / the public check failed: your code raised an error"

# --- A batch: the grader's own failure on one submission (batch.py) -------------------------
GRADER_STEPS = {"reading": "读取提交", "starting": "启动沙箱", "grading": "评分", "saving": "保存结果"}  # step -> its Chinese name
GRADER_FAULT_FILE = "grader-error.txt"  # in the submission's results folder: the traceback, for whoever fixes it
GRADER_FAULT = ("评分程序自身出错（{step_zh}时），不是提交的问题；下次运行会再评一次，仍出错则保留此行直到 --regrade / "
                "the grader itself failed while {step} ({error}), not the submission: it is graded "
                "again on the next run, and if it fails again this row is kept until --regrade; "
                "details in {file} in its results folder")


def grader_fault(step: str, error: BaseException) -> str:
    """A row's message for the grader's own failure: the step and the exception's type, never its
    text (which may hold a submission's data); the traceback goes to GRADER_FAULT_FILE."""
    return GRADER_FAULT.format(step_zh=GRADER_STEPS[step], step=step, error=type(error).__name__, file=GRADER_FAULT_FILE)


# The grader could not remove what the submission left in the system's shared places (kernel_objects.py)
NOT_SWEPT = ("leftovers not swept (the submission had no user id of its own: System V objects and files it left in "
             "/dev/shm, /tmp and the like stay until removed by hand)")

# --- nbgrader autograde: what a test cell prints, and the log (nbgrader_autograde.py) ------
ENGINE_FAILED = ("评分引擎出错，本题暂记 0 分；请教师查看 nbgrader 的日志后重新运行 nbgrader autograde。"
                 " / The grading engine failed, so this question has 0 points for now; the instructor should "
                 "read nbgrader's log and run nbgrader autograde again.")
NO_TESTS = ("自动评分包里没有这道题的测试，本题记 0 分；请教师运行 python -m coursegrader build。"
            " / The autograder zip has no tests for this question, so it has 0 points; the instructor should "
            "run python -m coursegrader build.")
UNCHECKED = "未检查 / not checked"
HIDDEN_TEST_LINE = "{question} 隐藏测试 / hidden test: {verdict} ({points:g} 分 / points)"
QUESTION_SCORE_LINE = "{question}: {score:g} / {possible:g} 分 / points"
ENGINE_FAILED_LOG = "评分引擎出错 / the grading engine failed on %s: %s"  # logger arguments: what failed, why
WALLS_MISSING_LOG = "本机无法提供这些沙箱隔离 / this machine could not give the submission these sandbox walls: %s (docs/threat-model.md)"
GRADED_LOG = "coursegrader: %s %s, %g / %g 分 / points, %.1f s"  # who, status, points, possible, seconds

# --- The gradebook: roster, hand-graded points, Canvas and Moodle files (gradebook.py) ----
# These name the instructor's own files (never a submission's text), the line and the column.
TABLE_UNREADABLE = ("无法读取 {file}：请在表格软件中另存为 CSV（UTF-8）后重试 / "
                    "{file} could not be read: save it as CSV (UTF-8) from your spreadsheet and try again")
TABLE_BAD_CSV = ("{file} 第 {line} 行不是有效的 CSV（引号未配对？）：请修正后重试 / "
                 "{file} line {line} is not valid CSV (an unmatched quote?): fix it and try again")
TABLE_EMPTY = "{file} 没有数据行：第一行是标题，之后每行一位学生 / {file} has no rows: a header row, then one row per student"
TABLE_EXTRA_CELLS = ("{file} 第 {line} 行的单元格比标题行多：请检查多余的逗号 / "
                     "{file} line {line} has more cells than the header row: check for a stray comma")
GRADEBOOK_MORE_PROBLEMS = "……另有 {count} 处问题 / ... and {count} more problem(s)"
ROSTER_NO_ID_COLUMN = ("名单 {file} 没有学号列：标题行需有 student id（或 学号、SIS User ID、ID number）列 / "
                       "the roster {file} has no student id column: name a student id column (student id, SIS User ID, ID number, or its Chinese name) "
                       "in its header row")
ROSTER_NO_ID = "名单 {file} 第 {line} 行没有学号：请填写或删除该行 / roster {file} line {line} has no student id: fill it in or delete the row"
ROSTER_DUPLICATE_ID = ("名单 {file} 第 {line} 行的学号与第 {first} 行相同：每位学生只占一行 / "
                       "roster {file} line {line} repeats the student id of line {first}: one row per student")
ROSTER_DUPLICATE_EMAIL = ("名单 {file} 第 {line} 行的邮箱与第 {first} 行相同：每位学生的邮箱应不同 / "
                          "roster {file} line {line} repeats the email of line {first}: each student needs an email of their own")
ROSTER_BAD_EMAIL = ("名单 {file} 第 {line} 行的邮箱不是有效地址（应为 name@domain）：请改正或留空 / "
                    "roster {file} line {line}: the email is not an address (name@domain); correct it or leave it blank")
ROSTER_FORMULA = ("名单 {file} 第 {line} 行的 {column} 以 = + - @、制表符或回车开头，表格软件会把它当作公式执行；"
                  "导出文件必须原样写出这一列供 LMS 匹配，不能改写：请在名单中改正后重试 / "
                  "roster {file} line {line}: {column} starts with =, +, -, @, a tab or a carriage return, which a spreadsheet "
                  "runs as a formula; the exports must write this id exactly as it is for the LMS to match, so it cannot be "
                  "altered: correct it in the roster and try again")
MANUAL_NO_ID_COLUMN = ("人工评分表 {file} 没有标明学生的列：标题行需有 student id、email 或 submission 列 / "
                       "the manual points {file} have no column naming the student: add a student id, email or submission column")
MANUAL_UNKNOWN_COLUMN = ("人工评分表 {file} 的列 {column} 不是人工评分的题目（可用：{allowed}）：请改名或删除该列 / "
                         "manual points {file}: column {column} is not a hand-graded question (use {allowed}); rename or delete it")
MANUAL_UNKNOWN_STUDENT = ("人工评分表 {file} 第 {line} 行的学生既不在名单上，也不对应本批的提交：请核对学号 / "
                          "manual points {file} line {line}: that student is neither on the roster nor a submission of this batch; "
                          "check the id")
MANUAL_SEVERAL_STUDENTS = ("人工评分表 {file} 第 {line} 行的学号、邮箱或提交指向不同的学生：请只保留正确的一项 / "
                           "manual points {file} line {line}: its id, email or submission name different students; keep the right one")
MANUAL_DUPLICATE = ("人工评分表 {file} 第 {line} 行与第 {first} 行是同一位学生：请合并为一行 / "
                    "manual points {file} line {line} is the same student as line {first}: merge them into one row")
MANUAL_NOT_NUMBER = ("人工评分表 {file} 第 {line} 行 {question} 列不是数字：请填写分数或留空 / "
                     "manual points {file} line {line}, column {question}: not a number; enter points or leave it blank")
MANUAL_OUT_OF_RANGE = ("人工评分表 {file} 第 {line} 行 {question} 列超出范围：应在 0 到 {max:g} 分之间 / "
                       "manual points {file} line {line}, column {question}: out of range; points go from 0 to {max:g}")
MANUAL_NEEDS_ROSTER = ("--manual 需要同时给出 --roster：人工评分按名单上的学生合并 / "
                       "--manual needs --roster as well: hand-graded points are merged per roster student")
MISMATCH_NO_SUBMISSION = "名单上的这位学生没有提交，未导出成绩 / on the roster but no submission: no grade exported"
MISMATCH_NO_ROSTER = "这份提交在名单上找不到对应的学生，未导出 / this submission matches no roster student: not exported"
MISMATCH_SEVERAL = ("多份提交对应这位学生，未导出成绩：请确认哪一份有效 / "
                    "several submissions match this student: no grade exported; decide which one counts")
MISMATCH_AMBIGUOUS = ("这份提交对应名单上的多位学生，未导出：请把提交改名为学号 / "
                      "this submission matches several roster students: not exported; rename it to the student id")
MISMATCH_GRADER_ERROR = ("评分程序在这份提交上出错，未导出成绩：请重新评分后再导出 / "
                         "the grader itself failed on this submission: no grade exported; grade it again, then export")
MISMATCH_MANUAL_MISSING = ("人工评分尚未填写（{questions}），未导出成绩：填好人工评分表后再导出 / "
                           "hand-graded points not entered ({questions}): no grade exported; fill in the manual points and export again")
MISMATCH_MANUAL_ONLY = ("人工评分表中有这位学生，但没有对应的提交：成绩未导出 / "
                        "this student has manual points but no submission: no grade exported")
GRADEBOOK_ALL_MATCHED = "名单上每位学生都恰好对应一份提交 / every roster student matches exactly one submission"
GRADEBOOK_WITH_MANUAL = "含人工评分的题目 {questions} / including the hand-graded {questions}"
GRADEBOOK_AUTOGRADED_ONLY = ("只含自动评分的题目，未给出人工评分表（--manual） / "
                             "autograded questions only: no manual points were given (--manual)")
# A Gradescope export keeps the autograder's results only in its metadata (gradescope_export.py):
# a submission without them is a gap on the grader's side, never the student's score.
GRADESCOPE_NO_RESULTS = ("{file} 中的 {folder} 没有 {key}（Gradescope 把自动评分结果存在那里）：评分端缺少结果，"
                         "成绩留空；请在 Gradescope 上对这份提交重新运行自动评分，再重新导出 / "
                         "{file} has no {key} for {folder} (where Gradescope keeps the autograder's results): a gap on "
                         "the grader's side, the grade is left blank; rerun the autograder on Gradescope for this "
                         "submission and export again")
GRADESCOPE_BAD_RESULTS = ("{file} 中 {folder} 的 {key} 不是本评分程序写出的结果（{problem}），成绩留空；"
                          "请在 Gradescope 上用本课程的自动评分程序重新运行，再重新导出 / "
                          "{key} of {folder} in {file} is not results this autograder wrote ({problem}); the grade is "
                          "left blank; rerun this course's autograder on Gradescope and export again")
GRADESCOPE_NOT_LISTED = ("文件夹 {folder} 不在 {file} 中，导出里没有它的自动评分结果，成绩留空；"
                         "请使用 Gradescope 导出的原样文件 / "
                         "the folder {folder} is not listed in {file}, so the export holds no autograder results for "
                         "it and the grade is left blank; use the export as Gradescope wrote it")
RESULTS_FOLDER_NO_RESULTS = ("{folder} 中没有评分程序写出的 {file}，成绩留空 / "
                             "{folder} holds no {file} written by the grader; the grade is left blank")
RESULTS_FOLDER_BAD_RESULTS = ("{folder} 中的 {file} 不是本评分程序写出的结果（{problem}），成绩留空 / "
                              "{file} in {folder} is not results this grader wrote ({problem}); the grade is left blank")

# --- The report's similarity section (similarity.py) -------------------------------------
SIMILARITY_HEADING = "相似的答案 / Similar answers"
SIMILARITY_LEAD = (
    "下面每一对提交在某一道题上的答案，比全班两两之间通常的相似程度高得多。这只是供人阅读的线索，"
    "绝不是自动扣分的依据：请亲自对照阅读两份答案再作判断——相似也可能来自共同的参考资料、课堂讨论或常见写法。 / "
    "Each pair below answered one question far more alike than pairs of this class usually do. "
    "This is a lead for a person to read, never an automatic penalty: read both answers side by side "
    "before deciding anything; likeness can also come from a shared source, a class discussion or a common idiom.")
SIMILARITY_RULE = (
    "规则：先去掉发布版 notebook 中已有的模板内容；代码按 Python 词法单元比较（自己起的名字、数字、字符串统一替换，注释忽略），"
    "文字按 {n} 个字符的片段比较（忽略标点和空白）；全班许多人都有的片段也去掉。"
    "相似度是剩下的片段中两份答案共有的比例；高于 max(下限, 中位数 + {k:g}×MAD)（下限：代码 {code_floor:g}，"
    "文字 {text_floor:g}）且共有片段足够多才列出。标记的部分是两份答案共有、全班少见的内容。 / "
    "Rule: the release notebook's template is removed first; code is compared as Python tokens (the student's "
    "own names, numbers and strings renamed, comments ignored), written answers as {n}-character pieces "
    "(punctuation and spaces ignored); pieces many in the class have are removed too. The score is the share of "
    "what is left that both answers have; a pair is listed when it is above max(floor, median + {k:g}×MAD) "
    "of the question's pairs (floor: code {code_floor:g}, text {text_floor:g}) and they share enough. "
    "Marked: what both have and few others do.")
SIMILARITY_COUNTS = ("列出 {listed} 对（共比较 {compared} 对），全部见 {csv}；下面是相似度最高的 {top} 对 / "
                     "{listed} pair(s) listed of {compared} compared, all in {csv}; the {top} most alike below")
SIMILARITY_NONE = "没有哪一对提交明显比全班更相似 / no pair stands out from the class"
SIMILARITY_SCORE = "相似度 {score:.2f}（全班中位数 {median:.2f}，门槛 {threshold:.2f}） / score {score:.2f} (class median {median:.2f}, threshold {threshold:.2f})"

# --- The report's section on misconceptions (misconceptions.py) ---------------------------
MISCONCEPTIONS_TITLE = "各题的常见错误 / Misconceptions by question"
MISCONCEPTIONS_AXIS = "提交数 / submissions"
MISCONCEPTIONS_NOTE = ("每份提交在每道题的每种错误下只计一次；比例的分母是这道题的“作答”数（见页首的统计口径）。"
                       "示例取自一名答错学生的答案单元格，去掉了注释，字符串和学生自己起的名字、长数字（可能是姓名或学号）已替换。 / "
                       "Each submission counts once per question and misconception; a share is of the question's attempted "
                       "count (the rule at the top of the page). Each example is one such student's answer cell, with comments "
                       "removed and strings, the student's own names and long numbers (possible names and student numbers) replaced.")
NOT_ATTEMPTED_ID = "not-attempted"  # not a misconception: an untouched answer cell is counted apart (REPORT_RULE)
NO_MISCONCEPTIONS = "没有任何提交未通过隐藏测试 / no graded submission failed a hidden check"

# --- The pages: feedback.html and report.html (pages.py, report.py, templates/) ------------
# The one rule every figure of report.html follows, stated once at its top; {counted} lists the statuses.
REPORT_RULE = ("本报告的每个数字只计入状态为 {counted} 的提交（“计入统计”）；状态为 invalid、duplicate 或 error 的提交"
               "没有评分，只出现在“状态”和“全部提交”两表中。某道题的答案单元格与发布时的模板相同，即该题“未作答”："
               "只计入该题的“未作答”一栏，不计入平均分、满分比例、常见错误和未通过信息；每道题的分母是它的“作答”数。"
               "分数分布用计入统计的提交的总分。 / "
               "Every figure of this report counts the submissions with status {counted} (counted); those with status "
               "invalid, duplicate or error were not graded and appear only in the Status and All submissions tables. "
               "A question whose answer cell is the template as released is not attempted: it counts in that question's "
               "not-attempted column only, never in its average, full-marks share, misconceptions or failure messages; "
               "each question's denominator is its attempted count. The score distribution is of the counted "
               "submissions' totals.")
HISTOGRAM_AXIS = "自动评分的总分 / total autograded score"
NOT_RUN_FAILURES = "未检查：提交在检查之前停止 / not checked: the submission stopped before the check"
PAGE = {  # labels and headings of the two pages, each Chinese then English
    # feedback.html
    "feedback_title": "作业反馈 / Feedback",
    "score": "得分 / score",
    "public_box": "公开检查 / Public checks",
    "questions": "各题的隐藏测试 / Hidden tests by question",
    "not_run": "未检查的题目 / Questions not checked",
    "not_run_note": "这些题目的检查没有运行，原因见页首；它们不得分 / these questions' checks did not run, "
                    "for the reason at the top; they earn no points",
    "nothing_judged": "没有任何题目被检查，原因见页首 / no question was checked, for the reason at the top",
    "checks_not_run": "其余检查没有运行，原因见页首 / the other checks did not run, for the reason at the top",
    "withheld": "另有 {count} 项隐藏测试的结果按课程设置不在此显示 / {count} hidden test result(s) are not shown here, "
                "by the course's setting",
    "partial": "部分得分 / partial credit",
    # report.html
    "report_title": "成绩报告 / Grading report",
    "summary": "共 {total} 份提交，{counted} 份计入统计；自动评分满分 {possible} 分 / {total} submission(s), "
               "{counted} counted; autograded points possible: {possible}",
    "files": "文件 / files",
    "rule": "统计口径 / What the figures count",
    "status": "状态 / Status",
    "histogram": "分数分布 / Score distribution",
    "histogram_alt": "计入统计的提交的总分直方图 / histogram of the counted submissions' total scores",
    "question_table": "各题 / Questions",
    "failures": "最常见的未通过信息 / Most common failure messages",
    "failures_note": "每份提交每条信息只计一次，只计作答了该题的计入统计的提交 / each submission counts once per message; "
                     "only counted submissions that attempted the question",
    "no_failures": "没有未通过的检查 / no check failed",
    "slowest": "最慢的提交 / Slowest submissions",
    "submissions": "全部提交 / All submissions",
    "gradebook": "成绩册 / Gradebook",
    "gradebook_summary": "名单上 {roster} 名学生，导出 {exported} 个成绩，满分 {possible} 分（{written_zh}） / "
                         "{roster} roster student(s), {exported} grade(s) exported out of {possible} points ({written_en})",
    "gradebook_files": "导入文件 / import files",
    "needs_person": "需要人工处理 / needing a person",
    "analysis_failed": "分析失败 / Analysis failed",
    # column labels
    "col_question": "题目 / question",
    "col_points": "分值 / points",
    "col_attempted": "作答 / attempted",
    "col_not_attempted": "未作答 / not attempted",
    "col_average": "平均分 / average",
    "col_full": "满分比例 / full marks",
    "col_count": "次数 / count",
    "col_message": "信息 / message",
    "col_questions": "题目 / questions",
    "col_status": "状态 / status",
    "col_meaning": "含义 / meaning",
    "col_counted": "计入统计 / counted",
    "col_submission": "提交 / submission",
    "col_seconds": "秒 / seconds",
    "col_score": "得分 / score",
    "col_note": "说明 / note",
    "col_misconception": "错误类型 / misconception",
    "col_submissions": "提交数 / submissions",
    "col_share": "比例 / share",
    "col_example": "示例（已匿名的答案单元格） / example (anonymised answer cell)",
    "col_kind": "类别 / kind",
    "col_student_id": "学号 / student id",
    "col_name": "姓名 / name",
    "yes": "是 / yes",
    "no": "否 / no",
}

# --- The report's class analyses (analysis.py) --------------------------------------------
ANALYSIS_FAILED = ("这项分析出错，未能完成；成绩和报告的其余部分不受影响，错误信息见评分命令的输出 / "
                   "this analysis failed; the grades and the rest of the report are unaffected; "
                   "the grade command's output says what went wrong")
