"""Where the hidden tests of the committed autograder disagreed with the contract on this corpus,
as measured once when the corpus grew to ten answers a question (main at 29f3c86, whose grader
judges each question at its check cell and warms torch.func in its fork server; the hidden tests
as built into autograder/autograd-autograder.zip then). The corpus states what the contract
demands; these are the cases that were expected to fail until the hidden tests were tightened.
A failure message marks each disagreement as known (listed here) or new.

Each entry: (case, question) -> why the hidden test got it wrong.
"""

# `python -m coursegrader grade` on every case (tests/assignment/test_corpus.py)
PACKAGE_GRADER = {
    # e4a: the path is the lines executed, so control flow inside one line is not seen (contract: it counts)
    ("correct-4", "e4a"): "a conditional expression is not seen as branching",
    ("wrong-B-4", "e4a"): "a conditional expression is not seen as branching",
    ("correct-5", "e4a"): "and/or inside one line is not seen as branching",
    ("wrong-B-5", "e4a"): "and/or inside one line is not seen as branching",
    ("correct-6", "e4a"): "a filtered comprehension is not seen as branching",
    ("wrong-B-6", "e4a"): "a filtered comprehension is not seen as branching",
    # e3b: only the values are compared, not a_vec.grad / A_mat.grad (contract: they must be set by a backward pass)
    ("wrong-B-4", "e3b"): "the ratio d / a earns the points without any backward pass",
    ("wrong-B-5", "e3b"): "torch.func.grad values earn the points, a_vec.grad is None",
    ("wrong-B-6", "e3b"): "torch.autograd.grad for the matrix earns the points, A_mat.grad is None",
    # e3c: no probe holds exact zeros among non-zero entries (contract: it must)
    ("wrong-B-5", "e3c"): "f(a) / a passes on inputs without zeros",
    ("wrong-B-6", "e3c"): "the zero-guarded ratio passes on inputs without zeros",
    # e5: the no-cos rule looks for the name cos only (contract: cos however named)
    ("wrong-B-7", "e5"): "getattr(np, 'co' + 's') is not seen as cos",
    # seen in one of two batches on a loaded machine: e4a's endless loop at x = 0 grows the line
    # tracer's path until the memory limit (std::bad_alloc, reported as "raised an error", not
    # as running out of time), and the next question's check then fails for want of memory
    ("wrong-A-4", "e5"): "after e4a's endless loop filled memory, e5 could not be checked",
}

# `otter run` on the autograder zip, for the cases of test_corpus.OTTER_SAMPLE
OTTER_RUN = {
    # e4a gives each call 2 s of wall time (SIGALRM); this correct answer takes longer at x = 0 only
    ("correct-1", "e4a"): "a correct answer slow at x = 0 fails e4a's 2 s per-call limit",
}


def note(known: dict, case: str, question: str) -> str:
    """' (known: why)' for a listed disagreement, ' (new)' otherwise."""
    reason = known.get((case, question))
    return f" (known: {reason})" if reason else " (new)"
