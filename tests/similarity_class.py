"""Classes for the similarity tests and benchmark, built from the corpus.

``honest_answers()``: student k answers each question with the k-th corpus answer of it (right
and wrong code answers, written answers), so no two students share an answer, while many answers
are naturally alike (the corpus's variants of one question share idioms, and its wrong answers are
small changes of right ones). A student with no k-th answer of a question has none (the cell is missing).

``COPIES``: planted copies, each one student's answer rewritten the way a copier hides it
(variables renamed, independent lines reordered, comments changed, a light rewording of text).
``LOOK_ALIKES``: two e3c answers written independently in the common idiom.
"""

from corpus.answers import CORRECT, WRONG
from corpus.written import WRITTEN

WRITTEN_QUESTIONS = tuple(WRITTEN)


def variants(question: str) -> list[str]:
    return WRITTEN[question] if question in WRITTEN else CORRECT[question] + WRONG[question]


def student(k: int) -> str:
    return f"s{k:02d}"


def honest_answers(questions: list[str], size: int) -> dict[str, dict[str, str]]:
    """submission -> question -> answer, for ``size`` students who each wrote their own."""
    return {student(k): {q: variants(q)[k] for q in questions if k < len(variants(q))} for k in range(size)}


# (question, the student copied from, the copy)
COPIES = [
    ("e4a", student(0), '''def my_control_flow(x):
    steps = 0  # 计数，防止死循环
    value = x * x
    while value.norm() < 2500 and steps < 60:
        value = value * 2
        steps += 1
    if value.sum() < 0:
        return 100 * value  # 负的时候放大一百倍
    return value

x = torch.tensor(0.2, requires_grad=True)
y = my_control_flow(x)
y.backward()
x.grad'''),
    ("e4a", student(3), '''def halve_until_small(value):
    # 缩小到 [-1, 1] 之内
    while value.abs() > 1:
        value = value / 2
    return value

def my_control_flow(x):
    z = halve_until_small(x)
    if z > 0:
        return torch.sin(z) + z
    return torch.exp(z)'''),
    ("e1a", student(3), '''def grad_of(func, point, keep):
    (result,) = torch.autograd.grad(func(point).sum(), point, create_graph=keep)
    return result

def second_derivative(f, x):
    x = x.to(torch.float64).detach().requires_grad_(True)  # 双精度更准
    return grad_of(lambda u: grad_of(f, u, True), x, False).detach()'''),
    ("e1b", student(2), '''from collections import deque

def count_graph_nodes(t):
    seen = set()
    todo = deque([t.grad_fn])
    while todo:
        fn = todo.popleft()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        for nxt, _ in fn.next_functions:
            todo.append(nxt)
    return len(seen)

x = torch.randn(6, dtype=torch.float64, requires_grad=True)
y = (x.sin() * x.exp()).sum()
(g,) = torch.autograd.grad(y, x, create_graph=True)
second_nodes = count_graph_nodes(g)
first_nodes = count_graph_nodes(y)'''),
    ("e3c", student(6), '''def control_flow_grad(a):
    inp = a.detach().clone().requires_grad_(True)
    out = f(inp)
    if out.dim() == 0:  # 0 维的直接反向传播
        out.backward()
        return inp.grad
    out.sum().backward()
    return inp.grad'''),
    ("e4b", student(1), "输出显示：x 为负时函数是 x 的平方再乘 100，梯度是 200x；x 为正时函数就是 x²，梯度是 2x。"
                        "循环只是把 y 放大了若干倍，所以梯度也跟着放大同样的倍数。在 x = 0 附近函数从一支跳到另一支，"
                        "左右两边的导数不一样，那一点不可导。"),
    ("e2c", student(4), "第一次 backward 之后图被释放了，第二次再 backward 就会失败。retain_graph=True 可以让图不被释放；"
                        "y = 2xᵀx 的梯度是 4x，做了两次并且梯度会累加，所以得到 8x。如果想得到 4x，需要在第二次之前调用 x.grad.zero_()。"),
]

LOOK_ALIKES = [  # e3c, the common idiom, written by two students who never met
    '''def control_flow_grad(a):
    x = a.detach().clone().requires_grad_(True)
    out = f(x)
    out.sum().backward()
    return x.grad''',
    '''def control_flow_grad(a):
    a = a.clone().requires_grad_()
    y = f(a).sum()
    y.backward()
    return a.grad''',
]
