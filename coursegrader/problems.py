"""Why a submission cannot be graded: one fixed message per reason, for the grades table.

A message says what is wrong and what to do, in Chinese with a short English gloss. It never
repeats anything the submission chose (a file or member name, a size, a position in its JSON,
an exception's text): such text could carry data out of the grader or forge a row. The caps a
message names are the grader's own.
"""

MiB = 2**20
MAX_FILE_BYTES = 200 * MiB  # a notebook or zip file, and the notebook inside a zip
MAX_CODE_BYTES = 2 * MiB  # all code cells of a notebook together
MAX_CODE_CELLS = 1000
# written answers (markdown answer cells), kept for the class analyses only: past these the text is
# cut off, never a reason to refuse a notebook (grading does not read them)
MAX_WRITTEN_CHARS = 200_000  # all of a notebook's written answers together
MAX_WRITTEN_CELLS = 100

_RESAVE = ("请在 Jupyter 中打开、保存后重新提交", "open it in Jupyter, save, and submit again")
_FRESH = ("请把答案复制到一份新的作业 notebook 中，保存后重新提交",
          "copy your answers into a fresh copy of the assignment notebook, save, and submit again")
_EXPORT = ("请用 notebook 最后一个单元格重新导出", "export it again with the notebook's last cell")
_CLEAR = ("请清除所有输出，保存后重新提交", "clear all outputs, save, and submit again")

_TEXTS = {  # reason -> (Chinese, English gloss)
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
    "too-large": (f"提交的文件超过 {MAX_FILE_BYTES // MiB} MB 上限（通常是输出太多）；{_CLEAR[0]}",
                  f"the file is larger than the {MAX_FILE_BYTES // MiB} MB cap (usually because of outputs): {_CLEAR[1]}"),
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
    "too-much-code": (f"notebook 的代码超过上限（共 {MAX_CODE_BYTES // MiB} MB 或 {MAX_CODE_CELLS} 个代码单元格）；"
                      "请删去粘贴进代码的大段数据，保存后重新提交",
                      f"the notebook's code is over the cap ({MAX_CODE_BYTES // MiB} MB or {MAX_CODE_CELLS} code cells in all): "
                      "remove data pasted into code, save, and submit again"),
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
MESSAGES = {reason: f"{zh} / {en}" for reason, (zh, en) in _TEXTS.items()}


class SubmissionError(Exception):
    """A submission that cannot be graded; ``reason`` is a key of MESSAGES, the message its text."""

    def __init__(self, reason: str):
        super().__init__(MESSAGES[reason])
        self.reason = reason
