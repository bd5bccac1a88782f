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
