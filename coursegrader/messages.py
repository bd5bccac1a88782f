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
}
AUTOGRADER_BOX = "自动评分 / autograder"  # the one Gradescope box of a submission without results per question
PUBLIC_NOTE = ("公开检查只看类型、形状和一个简单值；得分由隐藏测试在新的输入上决定，成绩发布后可见 / "
               "public checks test only type, shape and one easy value; hidden tests on new inputs decide the points, "
               "shown when grades are published")

# --- Verdicts the grader gives when a hidden check could not decide ----------------------
NOT_CHECKED = "未检查：{reason} / not checked"
NOT_CHECKED_ID = "not-checked"  # the submission stopped before this check ran
CHECK_TIMEOUT = ("检查时你的代码运行超过 {seconds:g} 秒（可能有死循环），未能判断 / "
                 "your code ran over {seconds:g} s while being checked (an endless loop?), so it could not be judged")
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
                       "the roster {file} has no student id column: name one student id (or 学号, SIS User ID, ID number) "
                       "in its header row")
ROSTER_NO_ID = "名单 {file} 第 {line} 行没有学号：请填写或删除该行 / roster {file} line {line} has no student id: fill it in or delete the row"
ROSTER_DUPLICATE_ID = ("名单 {file} 第 {line} 行的学号与第 {first} 行相同：每位学生只占一行 / "
                       "roster {file} line {line} repeats the student id of line {first}: one row per student")
ROSTER_DUPLICATE_EMAIL = ("名单 {file} 第 {line} 行的邮箱与第 {first} 行相同：每位学生的邮箱应不同 / "
                          "roster {file} line {line} repeats the email of line {first}: each student needs an email of their own")
ROSTER_BAD_EMAIL = ("名单 {file} 第 {line} 行的邮箱不是有效地址（应为 name@domain）：请改正或留空 / "
                    "roster {file} line {line}: the email is not an address (name@domain); correct it or leave it blank")
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
GRADESCOPE_NO_RESULTS = ("这份 Gradescope 提交没有评分结果（results.json）：请在 Gradescope 上重新运行评分 / "
                         "this Gradescope submission has no results (results.json): rerun the autograder on Gradescope")
GRADESCOPE_BAD_RESULTS = ("这份 Gradescope 提交的评分结果无法读取：请在 Gradescope 上重新运行评分 / "
                          "this Gradescope submission's results could not be read: rerun the autograder on Gradescope")
