"""Answers written the ways students really write them, per auto-graded question.

CORRECT[q][k] must earn all of q's points; WRONG[q][k] is a real misconception (the comment above
it names which) and must earn none of q's points. What counts is the contract
(../shared/ASSIGNMENT_SPEC.md), not what today's hidden tests happen to do: a question is judged
right after its ``grader.check`` cell, a correct answer is never failed for time, e4a's paths
are what executes (a conditional expression counts), e3b's gradients must be the ``.grad`` a
backward pass left, e3c is probed with exact zeros, and e5's answer calls no cos however named.
``known.py`` lists the cases today's hidden tests get wrong.

Each entry replaces the whole answer cell tagged q in the solution notebook. Cases (cases.py) put
the k-th variants of several questions into one notebook, so answers that share state (w1 -> w2
-> w3: the same x; e2a -> e2b; e3a -> e3b: a_vec and d_vec) are written to fit their k-th
neighbour, as one student's notebook would be.
"""

from textwrap import dedent


def _code(source: str) -> str:
    return dedent(source).strip("\n")


CORRECT = {
    "w1": [
        "x = torch.arange(4.0, requires_grad=True)\ny = 2 * x @ x\ny.backward()\ngrad_w1 = x.grad.detach().clone()",
        "x = torch.arange(4.0, dtype=torch.float64, requires_grad=True)\n(2 * torch.dot(x, x)).backward()\ngrad_w1 = x.grad.clone()",
        "x = torch.arange(4.0, requires_grad=True)\n(grad_w1,) = torch.autograd.grad(2 * torch.dot(x, x), x)",
        "def gradient_at(fn, n):\n    x = torch.arange(float(n), requires_grad=True)\n    fn(x).backward()\n    return x, x.grad.clone()\n\n"
        "x, grad_w1 = gradient_at(lambda t: 2 * torch.dot(t, t), 4)",
        "x = torch.arange(4.0, requires_grad=True)\ny = 2 * (x * x).sum()\ny.backward(torch.ones_like(y))\ngrad_w1 = x.grad.clone()",
        _code("""
            from torch.func import grad

            x = torch.arange(4.0, requires_grad=True)
            grad_w1 = grad(lambda t: 2 * torch.dot(t, t))(x)
        """),
        # x.grad itself, not a copy: w2's zero_() later changes it, but w1 is judged at its check cell
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = 2 * torch.dot(x, x)
            y.backward()
            grad_w1 = x.grad
        """),
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            grad_w1 = torch.autograd.functional.jacobian(lambda t: 2 * torch.dot(t, t), x)
        """),
        _code("""
            x = torch.arange(4.0, dtype=torch.float16, requires_grad=True)  # 半精度：0、4、8、12 都能精确表示
            y = 2 * torch.dot(x, x)
            y.backward()
            grad_w1 = x.grad.clone()
        """),
        _code("""
            import numpy as np

            class Quadratic:
                def __init__(self, scale):
                    self.scale = scale

                def __call__(self, t):
                    return self.scale * torch.dot(t, t)

            x = torch.arange(4.0, requires_grad=True)
            Quadratic(2)(x).backward()
            grad_w1 = torch.from_numpy(x.grad.numpy().copy())
        """),
    ],
    "w2": [
        "x.grad.zero_()\ny = x.sum()\ny.backward()\ngrad_w2 = x.grad.clone()",
        "x.grad.data.zero_()\nx.sum().backward()\ngrad_w2 = x.grad.detach().clone()",
        "if x.grad is not None:\n    x.grad.zero_()\ny = x.sum()\ny.backward(torch.tensor(1.0, dtype=x.dtype))\ngrad_w2 = x.grad.clone()",
        "x.grad = None  # 也是清除梯度的一种写法\ny = x.sum()\ny.backward()\ngrad_w2 = x.grad.clone()",
        "(grad_w2,) = torch.autograd.grad(x.sum(), x)",
        _code("""
            x.grad is not None and x.grad.zero_()  # 有梯度才清零
            x.sum().backward()
            grad_w2 = x.grad.clone()
        """),
        _code("""
            x.grad.mul_(0)  # 原地清零
            x.sum().backward()
            grad_w2 = torch.from_numpy(x.grad.numpy().copy())
        """),
        _code("""
            x = x.detach().double().requires_grad_(True)  # 换一个没有旧梯度的新叶子
            x.sum().backward()
            grad_w2 = x.grad.clone()
        """),
        "grad_w2 = torch.stack([torch.autograd.grad(x.sum(), x)[0][i] for i in range(len(x))])",
        _code("""
            def sum_gradient(t):
                from torch.func import grad
                return grad(torch.sum)(t)

            grad_w2 = sum_gradient(x)
        """),
    ],
    "w3": [
        "x = torch.arange(4.0, requires_grad=True)\ny = x * x\nu = y.detach()\nz = u * x\n(grad_w3,) = torch.autograd.grad(z.sum(), x)",
        "x = torch.arange(4.0, requires_grad=True)\nwith torch.no_grad():\n    u = x * x\nz = u * x\nz.sum().backward()\ngrad_w3 = x.grad.clone()",
        "x = torch.arange(4.0, dtype=torch.float64, requires_grad=True)\ny = x * x\nu = y.detach()\nz = u * x\nz.backward(torch.ones_like(z))\ngrad_w3 = x.grad.clone()",
        "x = torch.arange(4.0, requires_grad=True)\ny = x * x\nu = y.detach().clone()\nz = u * x\nz.sum().backward()\ngrad_w3 = x.grad.detach()",
        "def frozen_product(x):\n    u = (x * x).detach()\n    return u * x\n\n"
        "x = torch.arange(4.0, requires_grad=True)\nfrozen_product(x).sum().backward()\ngrad_w3 = x.grad.clone()",
        _code("""
            from torch.func import grad

            x = torch.arange(4.0, requires_grad=True)
            u = (x * x).detach()
            grad_w3 = grad(lambda t: ((t * t).detach() * t).sum())(x)
        """),
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = x * x
            u = y.data  # .data 也不记录梯度
            z = u * x
            z.sum().backward()
            grad_w3 = x.grad.clone()
        """),
        _code("""
            x = torch.arange(4.0, dtype=torch.float16, requires_grad=True)
            y = x * x
            u = y.detach()
            z = u * x
            z.sum().backward()
            grad_w3 = x.grad.clone()
        """),
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = x * x
            u = torch.from_numpy(y.detach().numpy().copy())  # 经过 NumPy，u 就是常数
            z = u * x
            z.sum().backward()
            grad_w3 = x.grad.clone()
        """),
        _code("""
            class Frozen:
                \"\"\"A value autograd treats as a constant.\"\"\"

                def __init__(self, value):
                    self.value = value.detach()

                def times(self, other):
                    return self.value * other

            x = torch.arange(4.0, requires_grad=True)
            u = (x * x).detach()
            z = Frozen(x * x).times(x)
            z.backward(torch.ones(4))
            grad_w3 = x.grad.clone()
        """),
    ],
    "e1a": [
        "def second_derivative(f, x):\n    x = x.double()\n    return torch.autograd.functional.hessian(lambda t: f(t).sum(), x).diagonal().detach()",
        "def second_derivative(f, x):\n    x = x.detach().clone().requires_grad_(True)\n    f(x).sum().backward(create_graph=True)\n"
        "    first = x.grad\n    x.grad = None\n    first.sum().backward()\n    return x.grad.detach()",
        "def second_derivative(f, x):\n    x = x.detach().requires_grad_()\n    y = f(x)\n"
        "    (dy,) = torch.autograd.grad(y, x, grad_outputs=torch.ones_like(y), create_graph=True)\n"
        "    (d2y,) = torch.autograd.grad(dy, x, grad_outputs=torch.ones_like(dy))\n    return d2y.detach()",
        "def derivative(f, x, keep_graph):\n    (g,) = torch.autograd.grad(f(x).sum(), x, create_graph=keep_graph)\n    return g\n\n"
        "def second_derivative(f, x):\n    x = x.to(torch.float64).detach().requires_grad_(True)\n"
        "    return derivative(lambda t: derivative(f, t, True), x, False).detach()",
        "def second_derivative(f, x):\n    from torch.func import grad, vmap\n    return vmap(grad(grad(f)))(x.detach())",
        _code("""
            from torch.func import grad, vmap

            def second_derivative(f, x):
                return vmap(grad(grad(f)))(x).detach()
        """),
        _code("""
            def second_derivative(f, x):
                # 逐元素函数的 Hessian 是对角阵，对角线就是各点的二阶导数
                return torch.func.hessian(lambda t: f(t).sum())(x).diagonal()
        """),
        _code("""
            def second_derivative(f, x):
                from torch.func import jacfwd, jacrev
                return torch.diagonal(jacfwd(jacrev(lambda t: f(t).sum()))(x))
        """),
        _code("""
            def second_derivative(f, x):
                # Hessian 乘全 1 向量：对角阵乘 1 正好是对角线
                _, hv = torch.autograd.functional.hvp(lambda t: f(t).sum(), x, torch.ones_like(x))
                return hv
        """),
        _code("""
            import numpy as np

            class Derivative:
                \"\"\"d/dx of an elementwise function; keep_graph lets the result be differentiated again.\"\"\"

                def __init__(self, f, keep_graph=False):
                    self.f, self.keep_graph = f, keep_graph

                def __call__(self, x):
                    if not x.requires_grad:
                        x = x.detach().requires_grad_(True)
                    (g,) = torch.autograd.grad(self.f(x).sum(), x, create_graph=self.keep_graph)
                    return g

            def second_derivative(f, x):
                return torch.from_numpy(Derivative(Derivative(f, keep_graph=True))(x).detach().numpy())
        """),
    ],
    "e1b": [
        "def count_graph_nodes(t):\n    if t.grad_fn is None:\n        return 0\n    seen, stack = set(), [t.grad_fn]\n    while stack:\n"
        "        node = stack.pop()\n        if node is None or node in seen:\n            continue\n        seen.add(node)\n"
        "        stack.extend(child for child, _ in node.next_functions)\n    return len(seen)\n\n"
        "x = torch.rand(4, requires_grad=True)\ny = (x.sin() * x.exp()).sum()\ny.backward(create_graph=True)\n"
        "first_nodes = count_graph_nodes(y)\nsecond_nodes = count_graph_nodes(x.grad)",
        "import numpy as np\n\ndef count_graph_nodes(t):\n    seen = {}\n    def walk(node):\n        if node is not None and id(node) not in seen:\n"
        "            seen[id(node)] = node\n            for child, _ in node.next_functions:\n                walk(child)\n    walk(t.grad_fn)\n"
        "    return len(seen)\n\nx = torch.linspace(-1.0, 1.0, 5, requires_grad=True)\ny = (x.sin() * x.exp()).sum()\n"
        "(g,) = torch.autograd.grad(y, x, create_graph=True)\nfirst_nodes, second_nodes = np.int64(count_graph_nodes(y)), np.int64(count_graph_nodes(g))",
        "from collections import deque\n\ndef count_graph_nodes(t):\n    visited = set()\n    queue = deque([t.grad_fn])\n    while queue:\n"
        "        node = queue.popleft()\n        if node is None or node in visited:\n            continue\n        visited.add(node)\n"
        "        for child, _ in node.next_functions:\n            queue.append(child)\n    return len(visited)\n\n"
        "x = torch.randn(6, dtype=torch.float64, requires_grad=True)\ny = (x.sin() * x.exp()).sum()\n"
        "(dy_dx,) = torch.autograd.grad(y, x, create_graph=True)\nfirst_nodes = count_graph_nodes(y)\nsecond_nodes = count_graph_nodes(dy_dx)",
        "def count_graph_nodes(t):\n    found = []\n    todo = [t.grad_fn] if t.grad_fn is not None else []\n    while todo:\n        node = todo.pop()\n"
        "        if any(node is other for other in found):\n            continue\n        found.append(node)\n"
        "        todo += [child for child, _ in node.next_functions if child is not None]\n    return len(found)\n\n"
        "x = torch.linspace(-1.0, 1.0, 5, requires_grad=True)\ny = (x.sin() * x.exp()).sum()\n"
        "(dy_dx,) = torch.autograd.grad(y, x, create_graph=True)\nfirst_nodes = count_graph_nodes(y)\nsecond_nodes = count_graph_nodes(dy_dx)\nprint(first_nodes, second_nodes)",
        _code("""
            def reachable(node):
                if node is None:
                    return set()
                found = {node}
                for child, _ in node.next_functions:
                    found |= reachable(child)
                return found

            def count_graph_nodes(t):
                return len(reachable(t.grad_fn))

            x = torch.linspace(-1.0, 1.0, 5, requires_grad=True)
            y = (x.sin() * x.exp()).sum()
            (dy_dx,) = torch.autograd.grad(y, x, create_graph=True)
            first_nodes, second_nodes = count_graph_nodes(y), count_graph_nodes(dy_dx)
        """),
        _code("""
            def count_graph_nodes(t):
                seen = set()
                layer = [t.grad_fn] if t.grad_fn is not None else []
                while layer:  # 一层一层往下走
                    seen.update(layer)
                    layer = list({child for node in layer for child, _ in node.next_functions
                                  if child is not None and child not in seen})
                return len(seen)

            x = torch.rand(5, dtype=torch.float64, requires_grad=True)
            y = (x.sin() * x.exp()).sum()
            y.backward(create_graph=True)
            first_nodes = count_graph_nodes(y)
            second_nodes = count_graph_nodes(x.grad)
        """),
        _code("""
            class GraphCounter:
                def __init__(self):
                    self.seen = set()

                def visit(self, node):
                    if node is None or node in self.seen:
                        return
                    self.seen.add(node)
                    for child, _ in node.next_functions:
                        self.visit(child)

            def count_graph_nodes(t):
                counter = GraphCounter()
                counter.visit(t.grad_fn)
                return len(counter.seen)

            x = torch.linspace(-1.0, 1.0, 5, requires_grad=True)
            y = (x.sin() * x.exp()).sum()
            (dy_dx,) = torch.autograd.grad(y, x, create_graph=True)
            first_nodes = count_graph_nodes(y)
            second_nodes = count_graph_nodes(dy_dx)
        """),
        _code("""
            def count_graph_nodes(t):
                stack, seen = [t.grad_fn], set()
                while stack and len(seen) < 100000:
                    node = stack.pop()
                    if node is not None and node not in seen:
                        seen.add(node)
                        stack += [child for child, _ in node.next_functions]
                return 0 if t.grad_fn is None else len(seen)

            x = torch.linspace(-2.0, 2.0, 7, requires_grad=True)
            y = (x.sin() * x.exp()).sum()
            (dy_dx,) = torch.autograd.grad(y, x, create_graph=True)
            first_nodes, second_nodes = count_graph_nodes(y), count_graph_nodes(dy_dx)
        """),
        _code("""
            import numpy as np

            def count_graph_nodes(t):
                seen, todo = [], [t.grad_fn]
                while todo:
                    node = todo.pop(0)
                    if node is None or any(node is s for s in seen):
                        continue
                    seen.append(node)
                    todo.extend(child for child, _ in node.next_functions)
                return len(seen)

            x = torch.from_numpy(np.linspace(-1.0, 1.0, 5)).requires_grad_(True)
            y = (x.sin() * x.exp()).sum()
            (dy_dx,) = torch.autograd.grad(y, x, create_graph=True)
            first_nodes = count_graph_nodes(y)
            second_nodes = count_graph_nodes(dy_dx)
        """),
        _code("""
            def count_graph_nodes(t, seen=None):
                seen = set() if seen is None else seen
                node = t.grad_fn if isinstance(t, torch.Tensor) else t
                if node is None or node in seen:
                    return 0
                seen.add(node)
                return 1 + sum(count_graph_nodes(child, seen) for child, _ in node.next_functions)

            x = torch.linspace(-1.0, 1.0, 5, requires_grad=True)
            y = (x.sin() * x.exp()).sum()
            (dy_dx,) = torch.autograd.grad(y, x, create_graph=True)
            first_nodes = count_graph_nodes(y)
            second_nodes = count_graph_nodes(dy_dx)
        """),
    ],
    "e2a": [
        "x = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\ny.backward()\nsecond_backward_error = None\n"
        "try:\n    y.backward()\nexcept RuntimeError as e:\n    second_backward_error = repr(e)",
        "x = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\ny.backward()\n"
        "try:\n    y.backward()\nexcept RuntimeError as err:\n    second_backward_error = err.args[0]",
        "x = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\ny.backward()\n"
        "try:\n    y.backward()\nexcept Exception as err:\n    second_backward_error = f\"{err}\"\nprint(second_backward_error)",
        "import traceback\nx = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\ny.backward()\n"
        "try:\n    y.backward()\nexcept RuntimeError:\n    second_backward_error = traceback.format_exc()",
        _code("""
            def backward_error(t):
                try:
                    t.backward()
                except RuntimeError as err:
                    return str(err)
                return None

            x = torch.arange(4.0, requires_grad=True)
            y = 2 * torch.dot(x, x)
            y.backward()
            second_backward_error = backward_error(y)
        """),
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = 2 * torch.dot(x, x)
            errors = []
            for _ in range(2):
                try:
                    y.backward()
                except RuntimeError as err:
                    errors.append(err)
            second_backward_error = str(errors[0]) if errors else None
        """),
        _code("""
            x = torch.arange(4.0, dtype=torch.float64, requires_grad=True)
            y = 2 * x @ x
            y.backward()
            second_backward_error = None
            try:
                y.backward()
            except RuntimeError as err:
                second_backward_error = str(err)
        """),
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = 2 * torch.dot(x, x)
            torch.autograd.grad(y, x)  # 第一次
            try:
                torch.autograd.grad(y, x)  # 第二次：图已经释放
            except RuntimeError as err:
                second_backward_error = str(err)
        """),
        _code("""
            x = torch.arange(4.0, dtype=torch.float16, requires_grad=True)
            y = 2 * torch.dot(x, x)
            y.backward()
            try:
                y.backward()
            except RuntimeError as err:
                second_backward_error = str(err)
        """),
        _code("""
            class Caught:
                \"\"\"Keeps the message of the error raised inside the with block.\"\"\"

                def __enter__(self):
                    self.message = None
                    return self

                def __exit__(self, kind, error, traceback):
                    self.message = None if error is None else str(error)
                    return True

            x = torch.arange(4.0, requires_grad=True)
            y = 2 * torch.dot(x, x)
            y.backward()
            with Caught() as caught:
                y.backward()
            second_backward_error = caught.message
        """),
    ],
    "e2b": [
        "x = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\ny.backward(retain_graph=True)\ny.backward()\ngrad_after_two = x.grad.detach()",
        "x = torch.arange(4.0, dtype=torch.float64, requires_grad=True)\ny = 2 * torch.dot(x, x)\ny.backward(retain_graph=True)\ny.backward()\ngrad_after_two = x.grad.clone()",
        "x = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\nfor _ in range(2):\n    y.backward(retain_graph=True)\ngrad_after_two = x.grad.clone()",
        "def grad_after_passes(passes):\n    x = torch.arange(4.0, requires_grad=True)\n    y = 2 * torch.dot(x, x)\n"
        "    for _ in range(passes):\n        y.backward(retain_graph=True)\n    return x.grad.clone()\n\ngrad_after_two = grad_after_passes(2)",
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = 2 * torch.dot(x, x)
            y.backward(retain_graph=True)
            y.backward()
            grad_after_two = x.grad.data.clone()
        """),
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = 2 * torch.dot(x, x)
            y.backward(retain_graph=True)
            y.backward()
            grad_after_two = torch.from_numpy(x.grad.numpy().copy())
        """),
        _code("""
            x = torch.arange(4.0, dtype=torch.float16, requires_grad=True)
            y = 2 * torch.dot(x, x)
            y.backward(retain_graph=True)
            y.backward()
            grad_after_two = x.grad.clone()
        """),
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = 2 * torch.dot(x, x)
            [y.backward(retain_graph=keep) for keep in (True, False)]
            grad_after_two = x.grad.clone()
        """),
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = 2 * torch.dot(x, x)
            y.backward(torch.tensor(1.0), retain_graph=True)
            y.backward(torch.tensor(1.0))
            grad_after_two = x.grad.clone()
        """),
        _code("""
            class Experiment:
                def __init__(self):
                    self.x = torch.arange(4.0, requires_grad=True)
                    self.y = 2 * torch.dot(self.x, self.x)

                def backward(self, keep_graph):
                    self.y.backward(retain_graph=keep_graph)
                    return self

            experiment = Experiment().backward(True).backward(False)
            x = experiment.x
            grad_after_two = x.grad.clone()
        """),
    ],
    "e3a": [
        "a_vec = torch.randn(10, requires_grad=True)\nd_vec = f(a_vec)\nvector_backward_error = None\n"
        "try:\n    d_vec.backward()\nexcept RuntimeError as err:\n    vector_backward_error = str(err)",
        "a_vec = torch.rand(10, requires_grad=True)\nd_vec = f(a_vec)\ntry:\n    d_vec.backward()\nexcept RuntimeError as e:\n    vector_backward_error = e.args[0]",
        "a_vec = torch.randn(10, dtype=torch.float64, requires_grad=True)\nd_vec = f(a_vec)\n"
        "try:\n    d_vec.backward()\nexcept Exception as e:\n    vector_backward_error = repr(e)\nprint(vector_backward_error)",
        "a_vec = torch.normal(0.0, 1.0, size=(10,)).requires_grad_()\nd_vec = f(a_vec)\nvector_backward_error = None\n"
        "try:\n    d_vec.backward()\nexcept RuntimeError as err:\n    vector_backward_error = str(err)",
        _code("""
            generator = torch.Generator().manual_seed(2024)  # 自己的随机数生成器，结果可复现
            a_vec = torch.randn(10, generator=generator, requires_grad=True)
            d_vec = f(a_vec)
            try:
                d_vec.backward()
            except RuntimeError as err:
                vector_backward_error = str(err)
        """),
        _code("""
            def backward_error(t):
                try:
                    t.backward()
                except RuntimeError as err:
                    return str(err)
                return None

            a_vec = torch.randn(10, requires_grad=True)
            d_vec = f(a_vec)
            vector_backward_error = backward_error(d_vec)
        """),
        _code("""
            import numpy as np

            a_vec = torch.tensor(np.random.randn(10), dtype=torch.float32, requires_grad=True)
            d_vec = f(a_vec)
            errors = []
            try:
                d_vec.backward()
            except RuntimeError as err:
                errors.append(str(err))
            vector_backward_error = errors[-1] if errors else None
        """),
        _code("""
            import random

            a_vec = torch.tensor([random.gauss(0.0, 1.0) for _ in range(10)], requires_grad=True)
            d_vec = f(a_vec)
            try:
                d_vec.backward()
            except RuntimeError as err:
                vector_backward_error = str(err)
        """),
        _code("""
            a_vec = torch.empty(10).uniform_(-1.0, 1.0).requires_grad_()  # 原地填充随机数
            d_vec = f(a_vec)
            try:
                d_vec.backward()
            except RuntimeError as err:
                vector_backward_error = str(err)
        """),
        _code("""
            class Caught:
                def __enter__(self):
                    self.message = None
                    return self

                def __exit__(self, kind, error, traceback):
                    self.message = None if error is None else str(error)
                    return True

            a_vec = torch.randn(10, requires_grad=True)
            d_vec = f(a_vec)
            with Caught() as caught:
                d_vec.backward()
            vector_backward_error = caught.message
        """),
    ],
    "e3b": [
        "d_vec.backward(torch.ones_like(d_vec))\ngrad_vec = a_vec.grad.clone()\nA_mat = torch.randn(3, 4, requires_grad=True)\n"
        "f(A_mat).backward(torch.ones(3, 4))\ngrad_mat = A_mat.grad.clone()",
        "d_vec.sum().backward()\ngrad_vec = a_vec.grad.detach()\nA_mat = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)\n"
        "f(A_mat).sum().backward()\ngrad_mat = A_mat.grad.detach()",
        "a_vec.grad = None  # 先清掉前面留下的梯度，再重新计算 d_vec\nd_vec = f(a_vec)\nd_vec.sum().backward()\ngrad_vec = a_vec.grad.clone()\n"
        "A_mat = torch.randn(3, 4, requires_grad=True)\nf(A_mat).sum().backward()\ngrad_mat = A_mat.grad.clone()",
        "def grad_of_f(a):\n    f(a).sum().backward()\n    return a.grad.clone()\n\n"
        "grad_vec = grad_of_f(a_vec)\nA_mat = torch.rand(3, 4, requires_grad=True) * 10\nA_mat.retain_grad()\ngrad_mat = grad_of_f(A_mat)",
        # fresh a_vec and d_vec (e3a is already judged, at its check cell)
        _code("""
            a_vec = torch.randn(10, requires_grad=True)
            d_vec = f(a_vec)
            d_vec.sum().backward()
            grad_vec = a_vec.grad.clone()
            A_mat = torch.randn(3, 4, requires_grad=True)
            f(A_mat).sum().backward()
            grad_mat = A_mat.grad.clone()
        """),
        _code("""
            a_vec.requires_grad_(True)
            d_vec = f(a_vec)
            d_vec.backward(gradient=torch.ones(10))
            grad_vec = a_vec.grad.detach().clone()
            A_mat = torch.empty(3, 4).normal_().requires_grad_()
            f(A_mat).backward(torch.ones_like(A_mat))
            grad_mat = A_mat.grad.detach().clone()
        """),
        _code("""
            import numpy as np

            d_vec.sum().backward()
            grad_vec = a_vec.grad.clone()
            A_mat = torch.tensor(np.random.randn(3, 4), requires_grad=True)  # float64
            f(A_mat).sum().backward()
            grad_mat = A_mat.grad.clone()
        """),
        _code("""
            class ControlFlowGradient:
                def __init__(self, *shape):
                    self.input = torch.randn(*shape, requires_grad=True)

                def run(self):
                    f(self.input).sum().backward()
                    return self.input.grad.clone()

            d_vec = f(a_vec)  # 重新算一遍，保证 d_vec 带着计算图
            d_vec.sum().backward()
            grad_vec = a_vec.grad.clone()
            experiment = ControlFlowGradient(3, 4)
            A_mat, grad_mat = experiment.input, experiment.run()
        """),
        _code("""
            if a_vec.grad is not None:
                a_vec.grad.zero_()
            d_vec = f(a_vec)
            d_vec.sum().backward()
            grad_vec = a_vec.grad.clone()
            A_mat = (torch.rand(3, 4) * 2 - 1).requires_grad_()  # [-1, 1) 上的均匀分布
            f(A_mat).sum().backward()
            grad_mat = A_mat.grad.clone()
        """),
        _code("""
            a_vec = torch.stack([torch.randn(()) for _ in range(10)]).requires_grad_()
            d_vec = f(a_vec)
            d_vec.sum().backward()
            grad_vec = a_vec.grad.clone()
            A_mat = torch.stack([torch.randn(4) for _ in range(3)]).requires_grad_()
            f(A_mat).sum().backward()
            grad_mat = A_mat.grad.clone()
        """),
    ],
    "e3c": [
        "def control_flow_grad(a):\n    a = a.clone().requires_grad_(True)\n    (g,) = torch.autograd.grad(f(a).sum(), a)\n    return g",
        "def control_flow_grad(a):  # 在调用者传入的副本上直接打开梯度\n    a.requires_grad_(True)\n    f(a).sum().backward()\n    return a.grad",
        "def control_flow_grad(a):\n    a = a.detach().clone().requires_grad_(True)\n    d = f(a)\n    d.backward(torch.ones_like(d))\n    return a.grad.detach().clone()",
        "def control_flow_grad(a):\n    a = a.double().requires_grad_(True)\n    f(a).sum().backward()\n    return a.grad",
        _code("""
            from torch.func import grad

            def control_flow_grad(a):
                return grad(lambda t: f(t).sum())(a)
        """),
        _code("""
            def control_flow_grad(a):
                _, g = torch.autograd.functional.vjp(f, a, torch.ones_like(a))
                return g
        """),
        _code("""
            def control_flow_grad(a):
                a = a.detach().clone().requires_grad_(True)
                d = f(a)
                if d.dim() == 0:  # 标量可以直接 backward
                    d.backward()
                    return a.grad
                d.sum().backward()
                return a.grad
        """),
        _code("""
            import numpy as np

            def control_flow_grad(a):
                a = torch.from_numpy(a.numpy().astype(np.float64)).requires_grad_(True)
                f(a).sum().backward()
                return a.grad
        """),
        _code("""
            def control_flow_grad(a):
                a = (a.detach().clone() if a.requires_grad else a.clone()).requires_grad_()
                return torch.autograd.functional.jacobian(lambda t: f(t).sum(), a)
        """),
        _code("""
            class Gradient:
                def __init__(self, fn):
                    self.fn = fn

                def __call__(self, a):
                    a = a.detach().clone().requires_grad_(True)
                    self.fn(a).sum().backward()
                    return a.grad

            control_flow_grad = Gradient(f)
        """),
    ],
    "e4a": [
        "def my_control_flow(x):  # 书中的写法：循环次数取决于 |x|\n    y = x * x\n    n = 0\n    while y.norm() < 2500 and n < 60:\n"
        "        y = y * 2\n        n += 1\n    if y.sum() < 0:\n        return 100 * y\n    return y\n\n"
        "x = torch.tensor(0.2, requires_grad=True)\ny = my_control_flow(x)\ny.backward()\nx.grad",
        # merely slow at x = 0 (the loop runs to its cap there, a few seconds), fast everywhere else
        _code("""
            def my_control_flow(x):
                y, steps = x, 0
                while y.abs() < 1 and steps < 100000:  # x = 0 时放大不到 1：靠步数上限结束
                    y = y * 2
                    steps += 1
                if y > 0:
                    return torch.sqrt(y)
                return y ** 3
        """),
        "def my_control_flow(x):\n    y = x\n    for _ in range(int(x.abs()) % 3 + 1):  # 循环次数取决于 x\n        y = y * x\n    return y",
        "def shrink(y):\n    while y.abs() > 1:\n        y = y / 2\n    return y\n\n"
        "def my_control_flow(x):\n    y = shrink(x)\n    if y > 0:\n        return torch.sin(y) + y\n    return torch.exp(y)",
        # the path changes inside one line: a conditional expression
        _code("""
            def my_control_flow(x):
                return x * x if x > 0 else torch.sin(x)
        """),
        # the path changes inside one line: and/or short-circuit
        _code("""
            def my_control_flow(x):
                return x > 0 and x ** 3 or torch.exp(x) - 1
        """),
        # the path changes inside one line: a filtered comprehension
        _code("""
            def my_control_flow(x):
                return sum([x ** k / k for k in range(1, 6) if x > 0 or k % 2 == 1])
        """),
        _code("""
            class Piecewise:
                \"\"\"Linear pieces whose slope is the first threshold above x.\"\"\"

                def __init__(self, thresholds):
                    self.thresholds = thresholds

                def __call__(self, x):
                    for k, threshold in enumerate(self.thresholds, start=1):
                        if x.data < threshold:
                            return k * x
                    return x ** 2

            my_control_flow = Piecewise([-2.0, 0.0, 2.0, 10.0])
        """),
        _code("""
            def my_control_flow(x):
                y = x.half()  # 半精度计算
                if y > 1:
                    return torch.log(y)
                if y > -1:
                    return y ** 3
                return -y
        """),
        _code("""
            import numpy as np

            def my_control_flow(x):
                y = x.clone()
                n = 0
                while np.abs(y.detach().numpy()) < 10 and n < 20:  # 用 NumPy 判断，原地放大
                    y.mul_(1.5)
                    n += 1
                return y
        """),
        # drawn at random but never used for the path or the value: the path follows x alone
        _code("""
            def my_control_flow(x):
                noise = torch.rand(())  # 随机数只是取出来，不影响路径
                if x > 0:
                    return x ** 2 + 0 * noise
                return torch.sin(x)
        """),
        # a truncated series with an early return: exp(x), ill-conditioned for large negative x
        # (terms of 1e25 cancel), where finite differences are unreliable and must not decide
        _code("""
            def my_control_flow(x):
                total = torch.ones((), dtype=x.dtype) + 0 * x
                term = torch.ones((), dtype=x.dtype) + 0 * x
                for k in range(1, 300):  # 泰勒级数，项足够小就提前返回
                    term = term * x / k
                    total = total + term
                    if term.abs() < 1e-17 * total.abs() + 1e-300:
                        return total
                return total
        """),
        # cancellation of large magnitudes: values carry absolute rounding errors of about 1
        _code("""
            def my_control_flow(x):
                big = 1e8
                if x > 0:
                    return (x + big) ** 2 - big ** 2
                return (x - big) ** 2 - big ** 2
        """),
        # computed in float32, returned as float64: its values are a staircase at float64's steps
        _code("""
            def my_control_flow(x):
                y = x.float()
                if y > 0:
                    y = torch.exp(torch.sin(y))
                else:
                    y = y ** 3 - y
                return y.double()
        """),
        # kinks every 0.001 inside a torch op (no path change), so some lie next to probes
        _code("""
            def my_control_flow(x):
                tooth = torch.abs(torch.remainder(x, 0.002) - 0.001)  # 锯齿：每 0.001 一个折点
                if x > 0:
                    return tooth + x
                return tooth - x ** 2
        """),
    ],
    "e5": [
        "import matplotlib.pyplot as plt\nimport numpy as np\n"
        "x_plot = torch.tensor(np.linspace(-np.pi, np.pi, 300), requires_grad=True)\ny_plot = x_plot.sin()\n"
        "y_plot.backward(torch.ones_like(y_plot))\ndydx = x_plot.grad.numpy()\nfig, (top, bottom) = plt.subplots(2, 1)\n"
        "top.plot(x_plot.detach(), y_plot.detach(), label=\"sin\")\nbottom.plot(x_plot.detach().numpy(), dydx, label=\"autograd\")\n"
        "top.legend(); bottom.legend()\nplt.show()",
        "import matplotlib.pyplot as plt\nx_plot = torch.arange(-4.0, 4.0, 0.05, requires_grad=True)\ny_plot = torch.sin(x_plot)\n"
        "y_plot.sum().backward()\ndydx = x_plot.grad\nfig = plt.figure()\nplt.plot(x_plot.detach(), y_plot.detach(), label=\"sin(x)\")\n"
        "plt.plot(x_plot.detach(), dydx, label=\"d sin / dx\")\nplt.legend()\nplt.show()",
        "import matplotlib.pyplot as plt\nimport numpy as np\n"
        "x_plot = torch.linspace(0, 2 * np.pi, 100, dtype=torch.float64, requires_grad=True)\ny_plot = torch.sin(x_plot)\n"
        "y_plot.sum().backward()\ndydx = x_plot.grad.clone()\nfig = plt.figure()\nax = fig.add_subplot()\n"
        "ax.plot(x_plot.detach().numpy(), y_plot.detach().numpy(), 'b-', label='f')\nax.plot(x_plot.detach().numpy(), dydx.numpy(), 'r--', label=\"f'\")\n"
        "fig.legend()",
        "import matplotlib.pyplot as plt\n\ndef plot_curves(ax, x, curves):\n    for values, label in curves:\n        ax.plot(x.detach(), values.detach(), label=label)\n"
        "    ax.legend()\n\nx_plot = torch.linspace(-5, 5, 1000, requires_grad=True)\ny_plot = torch.sin(x_plot)\ny_plot.sum().backward()\n"
        "dydx = x_plot.grad.detach()\nfig, ax = plt.subplots()\nplot_curves(ax, x_plot, [(y_plot, 'sin'), (dydx, 'autograd derivative')])\nplt.show()",
        _code("""
            import matplotlib.pyplot as plt

            class SinExperiment:
                def __init__(self, n):
                    self.x = torch.linspace(-3.5, 3.5, n, requires_grad=True)
                    self.y = torch.sin(self.x)

                def derivative(self):
                    self.y.sum().backward()
                    return self.x.grad.detach()

            experiment = SinExperiment(250)
            x_plot, y_plot, dydx = experiment.x, experiment.y, experiment.derivative()
            fig, ax = plt.subplots()
            ax.plot(x_plot.detach(), y_plot.detach(), label="sin x")
            ax.plot(x_plot.detach(), dydx, label="autograd")
            ax.legend()
        """),
        _code("""
            import matplotlib.pyplot as plt

            x_plot = torch.empty(400).copy_(torch.linspace(-4.0, 4.0, 400)).requires_grad_()  # 原地填充
            y_plot = torch.sin(x_plot)
            torch.autograd.backward(y_plot, torch.ones_like(y_plot))
            dydx = x_plot.grad.data
            fig = plt.figure()
            plt.plot(x_plot.data, y_plot.data, label="sin")
            plt.plot(x_plot.data, dydx, label="grad")
            plt.legend()
        """),
        _code("""
            import matplotlib.pyplot as plt

            x_plot = torch.tensor([i * 0.05 for i in range(-80, 81)], requires_grad=True)
            y_plot = torch.sin(x_plot)
            y_plot.sum().backward()
            dydx = x_plot.grad
            fig, ax = plt.subplots()
            for i, values in enumerate([y_plot, dydx]):
                ax.plot(x_plot.detach(), values.detach(), label="sin" if i == 0 else "d/dx (autograd)")
            fig.legend()
        """),
        _code("""
            import matplotlib.pyplot as plt
            import numpy as np

            xs = np.linspace(-2 * np.pi, 2 * np.pi, 500)
            x_plot = torch.from_numpy(xs).requires_grad_(True)
            y_plot = torch.sin(x_plot)
            y_plot.backward(gradient=torch.ones_like(y_plot))
            dydx = x_plot.grad.numpy()
            fig, axes = plt.subplots(1, 2, figsize=(8, 3))
            axes[0].plot(xs, y_plot.detach().numpy(), label="f(x)")
            axes[1].plot(xs, dydx, label="f'(x)")
            for ax in axes:
                ax.legend()
        """),
    ],
}

WRONG = {
    "w1": [
        # backward twice: 8x
        "x = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\ny.backward(retain_graph=True)\ny.backward()\ngrad_w1 = x.grad.clone()",
        # forgot the factor 2: 2x
        "x = torch.arange(4.0, requires_grad=True)\ny = torch.dot(x, x)\ny.backward()\ngrad_w1 = x.grad.clone()",
        # read x.grad before the backward pass: it is None then, and stays None in grad_w1
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = 2 * torch.dot(x, x)
            grad_w1 = x.grad
            y.backward()
        """),
        # reused the lesson's x, whose gradient was never cleared: 4x + 2x
        "y = 2 * torch.dot(x, x)\ny.backward()\ngrad_w1 = x.grad.clone()",
        # hard-coded: passes the public shape check only
        "x = torch.arange(4.0, requires_grad=True)\ngrad_w1 = torch.zeros(4)",
        # mean instead of the dot product's sum: x
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = 2 * (x * x).mean()
            y.backward()
            grad_w1 = x.grad.clone()
        """),
        # x.data for one factor, thinking it is the same as x: that factor is a constant, 2x
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = 2 * torch.dot(x.data, x)
            y.backward()
            grad_w1 = x.grad.clone()
        """),
        # the Hessian taken for the gradient: a 4x4 matrix
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            grad_w1 = torch.autograd.functional.hessian(lambda t: 2 * torch.dot(t, t), x)
        """),
        # cast after requires_grad: x is no longer a leaf and its .grad stays None
        _code("""
            x = torch.arange(4.0, requires_grad=True).half()
            y = 2 * torch.dot(x, x)
            y.backward()
            grad_w1 = x.grad
        """),
        # norm() taken for the squared norm: 2x / |x|
        _code("""
            from torch.func import grad

            x = torch.arange(4.0, requires_grad=True)
            grad_w1 = grad(lambda t: 2 * t.norm())(x)
        """),
    ],
    "w2": [
        # zero_() skipped: 4x + 1
        "y = x.sum()\ny.backward()\ngrad_w2 = x.grad.clone()",
        # cleared after the backward instead of before
        "y = x.sum()\ny.backward()\nx.grad.zero_()\ngrad_w2 = x.grad.clone()",
        # mean instead of sum
        "x.grad = None\ny = x.mean()\ny.backward()\ngrad_w2 = x.grad.clone()",
        # hard-coded
        "grad_w2 = torch.zeros(4)",
        # saved before the backward pass
        "x.grad.zero_()\ngrad_w2 = x.grad.clone()\nx.sum().backward()",
        # "cleared" by detaching x: x no longer requires grad, the backward pass raises
        _code("""
            x = x.detach()
            y = x.sum()
            y.backward()
            grad_w2 = x.grad.clone()
        """),
        # x.grad * 0 makes a new tensor and throws it away: x.grad is not cleared, 4x + 1
        _code("""
            x.grad * 0
            x.sum().backward()
            grad_w2 = x.grad.clone()
        """),
        # a gradient of ones shaped like x for a scalar y: the shapes do not match, backward raises
        _code("""
            x.grad = None
            y = x.sum()
            y.backward(torch.ones(4))
            grad_w2 = x.grad.clone()
        """),
        # detach_() thought to clear the gradient: it accumulates, 4x + 1
        _code("""
            x.grad.detach_()
            x.sum().backward()
            grad_w2 = x.grad.clone()
        """),
        # torch.autograd.grad returns a tuple: grad_w2 is a tuple, not a tensor
        "grad_w2 = torch.autograd.grad(x.sum(), x)",
    ],
    "w3": [
        # not fresh x: the old gradient (all ones from w2) accumulates
        "y = x * x\nu = y.detach()\nz = u * x\nz.sum().backward()\ngrad_w3 = x.grad.clone()",
        # detach forgotten: 3x²
        "x = torch.arange(4.0, requires_grad=True)\ny = x * x\nu = y\nz = u * x\nz.sum().backward()\ngrad_w3 = x.grad.clone()",
        # differentiated y instead of z: 2x
        "x = torch.arange(4.0, requires_grad=True)\ny = x * x\nu = y.detach()\nz = u * x\ny.sum().backward()\ngrad_w3 = x.grad.clone()",
        # non-leaf x: its .grad stays None
        "x = torch.arange(4.0, requires_grad=True) * 1.0\ny = x * x\nu = y.detach()\nz = u * x\nz.sum().backward()\ngrad_w3 = x.grad",
        # hard-coded
        "x = torch.arange(4.0, requires_grad=True)\ngrad_w3 = torch.zeros(4)",
        # clone() taken for detach(): the copy stays in the graph, 3x²
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = x * x
            u = y.clone()
            z = u * x
            z.sum().backward()
            grad_w3 = x.grad.clone()
        """),
        # requires_grad_(False) on a computed tensor: it raises, nothing is differentiated
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = x * x
            u = y.requires_grad_(False)
            z = u * x
            z.sum().backward()
            grad_w3 = x.grad.clone()
        """),
        # .data put on the other factor: the gradient flows through y instead, 2x²
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = x * x
            u = y
            z = u * x.data
            z.sum().backward()
            grad_w3 = x.grad.clone()
        """),
        # no_grad around z instead of u: z has no graph, the backward pass raises
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = x * x
            with torch.no_grad():
                u = y
                z = u * x
            z.sum().backward()
            grad_w3 = x.grad.clone()
        """),
        # mean instead of sum: u / 4
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = x * x
            u = y.detach()
            z = u * x
            z.mean().backward()
            grad_w3 = x.grad.clone()
        """),
    ],
    "e1a": [
        # finite differences instead of autograd
        "def second_derivative(f, x, h=1e-4):\n    x = x.detach().double()\n    return ((f(x + h) - 2 * f(x) + f(x - h)) / h ** 2).detach()",
        # create_graph forgotten: the second grad has nothing to differentiate
        "def second_derivative(f, x):\n    x = x.detach().clone().requires_grad_(True)\n    (dy,) = torch.autograd.grad(f(x).sum(), x)\n"
        "    (d2y,) = torch.autograd.grad(dy.sum(), x)\n    return d2y",
        # returns the first derivative
        "def second_derivative(f, x):\n    x = x.detach().clone().requires_grad_(True)\n    (dy,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)\n"
        "    return dy.detach()",
        # not detached
        "def second_derivative(f, x):\n    x = x.detach().clone().requires_grad_(True)\n    (dy,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)\n"
        "    (d2y,) = torch.autograd.grad(dy.sum(), x, create_graph=True)\n    return d2y",
        # hard-coded to the public example
        "def second_derivative(f, x):\n    return torch.tensor([6.0, 12.0])",
        # sum() forgotten on a non-scalar
        "def second_derivative(f, x):\n    x = x.detach().clone().requires_grad_(True)\n    (dy,) = torch.autograd.grad(f(x), x, create_graph=True)\n"
        "    (d2y,) = torch.autograd.grad(dy, x)\n    return d2y.detach()",
        # torch.func.grad nested on the summed function: the inner gradient is a vector, grad of it raises
        _code("""
            from torch.func import grad

            def second_derivative(f, x):
                return grad(grad(lambda t: f(t).sum()))(x)
        """),
        # the whole Hessian returned: an n x n matrix, not one value per point
        _code("""
            def second_derivative(f, x):
                return torch.func.hessian(lambda t: f(t).sum())(x)
        """),
        # the second backward adds to x.grad, which still holds the first derivative: f' + f''
        _code("""
            def second_derivative(f, x):
                x = x.detach().clone().requires_grad_(True)
                f(x).sum().backward(create_graph=True)
                x.grad.sum().backward()
                return x.grad.detach()
        """),
        # assumes x already requires grad, and calls "no gradient" zero
        _code("""
            def second_derivative(f, x):
                if not x.requires_grad:
                    return torch.zeros_like(x)
                (dy,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)
                (d2y,) = torch.autograd.grad(dy.sum(), x)
                return d2y.detach()
        """),
    ],
    "e1b": [
        # no visited set: a shared node is counted once per path
        "def count_graph_nodes(t):\n    count, stack = 0, [t.grad_fn] if t.grad_fn is not None else []\n    while stack:\n        node = stack.pop()\n"
        "        count += 1\n        stack.extend(child for child, _ in node.next_functions if child is not None)\n    return count\n\n"
        "x = torch.rand(3, requires_grad=True)\ny = (x.sin() * x.exp()).sum()\n(g,) = torch.autograd.grad(y, x, create_graph=True)\n"
        "first_nodes, second_nodes = count_graph_nodes(y), count_graph_nodes(g)",
        # AccumulateGrad leaves left out
        "def count_graph_nodes(t):\n    seen, stack = set(), [t.grad_fn]\n    while stack:\n        node = stack.pop()\n"
        "        if node is None or node in seen or type(node).__name__ == 'AccumulateGrad':\n            continue\n        seen.add(node)\n"
        "        stack.extend(child for child, _ in node.next_functions)\n    return len(seen)\n\n"
        "x = torch.linspace(-1.0, 1.0, 5, requires_grad=True)\ny = (x.sin() * x.exp()).sum()\n(g,) = torch.autograd.grad(y, x, create_graph=True)\n"
        "first_nodes, second_nodes = count_graph_nodes(y), count_graph_nodes(g)",
        # None entries of next_functions not skipped
        "def count_graph_nodes(t):\n    if t.grad_fn is None:\n        return 0\n    seen, stack = set(), [t.grad_fn]\n    while stack:\n"
        "        node = stack.pop()\n        if node in seen:\n            continue\n        seen.add(node)\n"
        "        stack.extend(child for child, _ in node.next_functions)\n    return len(seen)\n\n"
        "x = torch.linspace(-1.0, 1.0, 5, requires_grad=True)\ny = (x.sin() * x.exp()).sum()\nfirst_nodes, second_nodes = 4, 9",
        # create_graph forgotten: the derivative has no graph, second_nodes is 0
        "def count_graph_nodes(t):\n    if t.grad_fn is None:\n        return 0\n    seen, stack = set(), [t.grad_fn]\n    while stack:\n"
        "        node = stack.pop()\n        if node is None or node in seen:\n            continue\n        seen.add(node)\n"
        "        stack.extend(child for child, _ in node.next_functions)\n    return len(seen)\n\n"
        "x = torch.linspace(-1.0, 1.0, 5, requires_grad=True)\ny = (x.sin() * x.exp()).sum()\n(g,) = torch.autograd.grad(y, x)\n"
        "first_nodes, second_nodes = count_graph_nodes(y), count_graph_nodes(g)",
        # only the first level counted
        "def count_graph_nodes(t):\n    if t.grad_fn is None:\n        return 0\n    return 1 + sum(1 for child, _ in t.grad_fn.next_functions if child is not None)\n\n"
        "x = torch.linspace(-1.0, 1.0, 5, requires_grad=True)\ny = (x.sin() * x.exp()).sum()\n(g,) = torch.autograd.grad(y, x, create_graph=True)\n"
        "first_nodes, second_nodes = count_graph_nodes(y), count_graph_nodes(g)",
        # "distinct" read as distinct kinds of node: the set holds type names
        _code("""
            def count_graph_nodes(t):
                kinds, stack = set(), [t.grad_fn]
                while stack:
                    node = stack.pop()
                    if node is None:
                        continue
                    kinds.add(type(node).__name__)
                    stack.extend(child for child, _ in node.next_functions)
                return len(kinds)

            x = torch.linspace(-1.0, 1.0, 5, requires_grad=True)
            y = (x.sin() * x.exp()).sum()
            (g,) = torch.autograd.grad(y, x, create_graph=True)
            first_nodes, second_nodes = count_graph_nodes(y), count_graph_nodes(g)
        """),
        # edges counted instead of nodes
        _code("""
            def count_graph_nodes(t):
                if t.grad_fn is None:
                    return 0
                seen, stack, edges = set(), [t.grad_fn], 0
                while stack:
                    node = stack.pop()
                    if node in seen:
                        continue
                    seen.add(node)
                    children = [child for child, _ in node.next_functions if child is not None]
                    edges += len(children)
                    stack.extend(children)
                return edges

            x = torch.linspace(-1.0, 1.0, 5, requires_grad=True)
            y = (x.sin() * x.exp()).sum()
            (g,) = torch.autograd.grad(y, x, create_graph=True)
            first_nodes, second_nodes = count_graph_nodes(y), count_graph_nodes(g)
        """),
        # second_nodes counted on y again, as if create_graph made y's own graph grow
        _code("""
            def count_graph_nodes(t):
                if t.grad_fn is None:
                    return 0
                seen, stack = set(), [t.grad_fn]
                while stack:
                    node = stack.pop()
                    if node is None or node in seen:
                        continue
                    seen.add(node)
                    stack.extend(child for child, _ in node.next_functions)
                return len(seen)

            x = torch.linspace(-1.0, 1.0, 5, requires_grad=True)
            y = (x.sin() * x.exp()).sum()
            first_nodes = count_graph_nodes(y)
            y.backward(create_graph=True)
            second_nodes = count_graph_nodes(y)
        """),
        # a tensor without a graph counted as one node
        _code("""
            def count_graph_nodes(t):
                if t.grad_fn is None:
                    return 1  # 张量本身也算一个节点
                seen, stack = set(), [t.grad_fn]
                while stack:
                    node = stack.pop()
                    if node is None or node in seen:
                        continue
                    seen.add(node)
                    stack.extend(child for child, _ in node.next_functions)
                return len(seen)

            x = torch.linspace(-1.0, 1.0, 5, requires_grad=True)
            y = (x.sin() * x.exp()).sum()
            (g,) = torch.autograd.grad(y, x, create_graph=True)
            first_nodes, second_nodes = count_graph_nodes(y), count_graph_nodes(g)
        """),
        # walks a chain (the first input of every node), not a graph: branches are missed
        _code("""
            def count_graph_nodes(t):
                node, count = t.grad_fn, 0
                while node is not None:
                    count += 1
                    node = node.next_functions[0][0] if node.next_functions else None
                return count

            x = torch.linspace(-1.0, 1.0, 5, requires_grad=True)
            y = (x.sin() * x.exp()).sum()
            (g,) = torch.autograd.grad(y, x, create_graph=True)
            first_nodes, second_nodes = count_graph_nodes(y), count_graph_nodes(g)
        """),
    ],
    "e2a": [
        # retain_graph on the first call: nothing raised
        "x = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\ny.backward(retain_graph=True)\nsecond_backward_error = None\n"
        "try:\n    y.backward()\nexcept RuntimeError as err:\n    second_backward_error = str(err)",
        # y = x.sum() saves nothing: the second backward does not raise
        "x = torch.arange(4.0, requires_grad=True)\ny = x.sum()\ny.backward()\nsecond_backward_error = None\n"
        "try:\n    y.backward()\nexcept RuntimeError as err:\n    second_backward_error = str(err)",
        # the exception's type instead of its message
        "x = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\ny.backward()\n"
        "try:\n    y.backward()\nexcept RuntimeError as err:\n    second_backward_error = type(err).__name__",
        # hard-coded
        "second_backward_error = 'RuntimeError: error'",
        # y recomputed between the two passes: a fresh graph, nothing raised
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = 2 * torch.dot(x, x)
            y.backward()
            second_backward_error = None
            try:
                y = 2 * torch.dot(x, x)
                y.backward()
            except RuntimeError as err:
                second_backward_error = str(err)
        """),
        # the exception object kept instead of its message
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = 2 * torch.dot(x, x)
            y.backward()
            try:
                y.backward()
            except RuntimeError as err:
                second_backward_error = err
        """),
        # printed, never stored
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = 2 * torch.dot(x, x)
            y.backward()
            second_backward_error = None
            try:
                y.backward()
            except RuntimeError as err:
                print(err)
        """),
        # only the first sentence kept: the part that names retain_graph is cut off
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = 2 * torch.dot(x, x)
            y.backward()
            try:
                y.backward()
            except RuntimeError as err:
                second_backward_error = str(err).split(". ")[0]
        """),
        # assigned inside a function: the notebook's second_backward_error is never set
        _code("""
            def show_second_backward():
                x = torch.arange(4.0, requires_grad=True)
                y = 2 * torch.dot(x, x)
                y.backward()
                try:
                    y.backward()
                except RuntimeError as err:
                    second_backward_error = str(err)
                    print(second_backward_error)

            show_second_backward()
        """),
        # y built under no_grad "so that the second pass works": the first pass raises a different error
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            with torch.no_grad():
                y = 2 * torch.dot(x, x)
            try:
                y.backward()
                y.backward()
            except RuntimeError as err:
                second_backward_error = str(err)
        """),
    ],
    "e2b": [
        # zeroed between the two passes: 4x
        "x = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\ny.backward(retain_graph=True)\nx.grad.zero_()\ny.backward()\n"
        "grad_after_two = x.grad.clone()",
        # one pass only: 4x
        "x = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\ny.backward()\ngrad_after_two = x.grad.clone()",
        # not a fresh x: e2a's gradient stays, 12x
        "y = 2 * torch.dot(x, x)\ny.backward(retain_graph=True)\ny.backward()\ngrad_after_two = x.grad.clone()",
        # hard-coded
        "grad_after_two = torch.zeros(4)",
        # saved between the two passes: 4x
        "x = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\ny.backward(retain_graph=True)\ngrad_after_two = x.grad.clone()\ny.backward()",
        # retain_graph on the second call instead of the first: the second raises, 4x
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = 2 * torch.dot(x, x)
            y.backward()
            try:
                y.backward(retain_graph=True)
            except RuntimeError:
                pass
            grad_after_two = x.grad.clone()
        """),
        # a fresh x for each pass: nothing accumulates, 4x
        _code("""
            for _ in range(2):
                x = torch.arange(4.0, requires_grad=True)
                y = 2 * torch.dot(x, x)
                y.backward()
            grad_after_two = x.grad.clone()
        """),
        # torch.func.grad called twice, as if it accumulated like backward: 4x
        _code("""
            from torch.func import grad

            x = torch.arange(4.0, requires_grad=True)
            g = grad(lambda t: 2 * torch.dot(t, t))
            grad_after_two = g(x)
            grad_after_two = g(x)
        """),
        # the second pass through torch.autograd.grad, which does not add to x.grad: 4x
        _code("""
            x = torch.arange(4.0, requires_grad=True)
            y = 2 * torch.dot(x, x)
            y.backward(retain_graph=True)
            torch.autograd.grad(y, x)
            grad_after_two = x.grad.clone()
        """),
        # cast after requires_grad: x is not a leaf, x.grad stays None
        _code("""
            x = torch.arange(4.0, requires_grad=True).double()
            y = 2 * torch.dot(x, x)
            y.backward(retain_graph=True)
            y.backward()
            grad_after_two = x.grad
        """),
    ],
    "e3a": [
        # the exception's type instead of its message
        "a_vec = torch.randn(10, requires_grad=True)\nd_vec = f(a_vec)\n"
        "try:\n    d_vec.backward()\nexcept RuntimeError as err:\n    vector_backward_error = type(err).__name__",
        # hard-coded
        "a_vec = torch.randn(10, requires_grad=True)\nd_vec = f(a_vec)\nvector_backward_error = 'RuntimeError'",
        # "fixed" the error inside the try: nothing raised, and a_vec.grad is set (e3b clears it)
        "a_vec = torch.randn(10, requires_grad=True)\nd_vec = f(a_vec)\nvector_backward_error = None\n"
        "try:\n    d_vec.sum().backward()\nexcept RuntimeError as err:\n    vector_backward_error = str(err)",
        # a different error: gradient of the wrong shape
        "a_vec = torch.randn(10, requires_grad=True)\nd_vec = f(a_vec)\nvector_backward_error = None\n"
        "try:\n    d_vec.backward(torch.ones(3))\nexcept RuntimeError as err:\n    vector_backward_error = str(err)",
        # 3 elements, not the 10 the question asks for (e3b's cell later makes a 10-element a_vec)
        _code("""
            a_vec = torch.randn(3, requires_grad=True)
            d_vec = f(a_vec)
            try:
                d_vec.backward()
            except RuntimeError as err:
                vector_backward_error = str(err)
        """),
        # requires_grad forgotten: backward raises "does not require grad", not the non-scalar error
        _code("""
            a_vec = torch.randn(10)
            d_vec = f(a_vec)
            vector_backward_error = None
            try:
                d_vec.backward()
            except RuntimeError as err:
                vector_backward_error = str(err)
        """),
        # err.args, a tuple, kept instead of the message
        _code("""
            a_vec = torch.randn(10, requires_grad=True)
            d_vec = f(a_vec)
            try:
                d_vec.backward()
            except RuntimeError as err:
                vector_backward_error = err.args
        """),
        # d_vec detached to print it: its backward raises a different error
        _code("""
            a_vec = torch.randn(10, requires_grad=True)
            d_vec = f(a_vec).detach()
            print(d_vec)
            try:
                d_vec.backward()
            except RuntimeError as err:
                vector_backward_error = str(err)
        """),
        # a_vec shifted in place through .data after d_vec was computed: d_vec is no longer f(a_vec)
        _code("""
            a_vec = torch.randn(10, requires_grad=True)
            d_vec = f(a_vec)
            try:
                d_vec.backward()
            except RuntimeError as err:
                vector_backward_error = str(err)
            a_vec.data.add_(1.0)  # 平移一下，方便观察
        """),
        # a 10x1 column instead of a vector
        _code("""
            a_vec = torch.randn(10, 1, requires_grad=True)
            d_vec = f(a_vec)
            try:
                d_vec.backward()
            except RuntimeError as err:
                vector_backward_error = str(err)
        """),
    ],
    "e3b": [
        # two backward passes accumulate: 2x
        "d_vec.sum().backward(retain_graph=True)\nd_vec.sum().backward()\ngrad_vec = a_vec.grad.clone()\n"
        "A_mat = torch.randn(3, 4, requires_grad=True)\nf(A_mat).sum().backward()\ngrad_mat = A_mat.grad.clone()",
        # sum() forgotten: backward on a non-scalar raises, nothing is stored
        "d_vec.backward()\ngrad_vec = a_vec.grad.clone()\nA_mat = torch.randn(3, 4, requires_grad=True)\nf(A_mat).backward()\ngrad_mat = A_mat.grad.clone()",
        # copy and paste: grad_mat is the vector's gradient
        "a_vec.grad = None\nd_vec.sum().backward()\ngrad_vec = a_vec.grad.clone()\nA_mat = torch.randn(3, 4, requires_grad=True)\n"
        "f(A_mat).sum().backward()\ngrad_mat = a_vec.grad.clone()",
        # hard-coded
        "grad_vec = torch.ones(10)\nA_mat = torch.randn(3, 4, requires_grad=True)\ngrad_mat = torch.ones(3, 4)",
        # the ratio d / a computed by hand: no backward pass, a_vec.grad and A_mat.grad stay None
        _code("""
            grad_vec = (d_vec / a_vec).detach()
            A_mat = torch.randn(3, 4, requires_grad=True)
            grad_mat = (f(A_mat) / A_mat).detach()
        """),
        # torch.func.grad instead of a backward pass: the values are right, but no .grad is set
        _code("""
            from torch.func import grad

            grad_vec = grad(lambda t: f(t).sum())(a_vec.detach())
            A_mat = torch.randn(3, 4, requires_grad=True)
            grad_mat = grad(lambda t: f(t).sum())(A_mat.detach())
        """),
        # torch.autograd.grad for the matrix: A_mat.grad stays None, and the question asks for it
        _code("""
            d_vec.sum().backward()
            grad_vec = a_vec.grad.clone()
            A_mat = torch.randn(3, 4, requires_grad=True)
            (grad_mat,) = torch.autograd.grad(f(A_mat).sum(), A_mat)
        """),
        # mean instead of sum: k / 10
        _code("""
            d_vec.mean().backward()
            grad_vec = a_vec.grad.clone()
            A_mat = torch.randn(3, 4, requires_grad=True)
            f(A_mat).mean().backward()
            grad_mat = A_mat.grad.clone()
        """),
        # backward on the first element only, "to get a scalar": the other entries get no gradient
        _code("""
            d_vec[0].backward()
            grad_vec = a_vec.grad.clone()
            A_mat = torch.randn(3, 4, requires_grad=True)
            f(A_mat)[0, 0].backward()
            grad_mat = A_mat.grad.clone()
        """),
        # gradient= taken as any tensor of the right shape: random weights, not ones
        _code("""
            d_vec.backward(torch.rand(10))
            grad_vec = a_vec.grad.clone()
            A_mat = torch.randn(3, 4, requires_grad=True)
            f(A_mat).backward(torch.rand(3, 4))
            grad_mat = A_mat.grad.clone()
        """),
    ],
    "e3c": [
        # sum() forgotten: fine for scalars only
        "def control_flow_grad(a):\n    a = a.clone().requires_grad_(True)\n    f(a).backward()\n    return a.grad",
        # the input does not require grad
        "def control_flow_grad(a):\n    f(a).sum().backward()\n    return a.grad",
        # returns f(a), not its gradient
        "def control_flow_grad(a):\n    return f(a)",
        # hard-coded to the public example
        "def control_flow_grad(a):\n    return torch.full_like(a, 512.0)",
        # mean instead of sum
        "def control_flow_grad(a):\n    a = a.detach().clone().requires_grad_(True)\n    f(a).mean().backward()\n    return a.grad",
        # f(a) / a as the gradient: 0 / 0 where a has exact zeros
        _code("""
            def control_flow_grad(a):
                return f(a) / a  # f(a) = k·a，所以梯度就是 f(a) / a
        """),
        # the ratio with the zeros "fixed" to 0: the gradient is k there too
        _code("""
            def control_flow_grad(a):
                return torch.nan_to_num(f(a) / a, nan=0.0)
        """),
        # one element at a time: each element's k comes from its own norm, not the whole tensor's
        _code("""
            def control_flow_grad(a):
                grads = []
                for value in a.flatten():
                    value = value.clone().requires_grad_(True)
                    f(value).backward()
                    grads.append(value.grad)
                return torch.stack(grads).reshape(a.shape)
        """),
        # vmap(grad(f)) as in e1a: f's control flow depends on the whole tensor, vmap raises
        _code("""
            from torch.func import grad, vmap

            def control_flow_grad(a):
                return vmap(grad(f))(a.flatten()).reshape(a.shape)
        """),
        # the Jacobian of f instead of the gradient of f(a).sum(): the wrong shape
        _code("""
            def control_flow_grad(a):
                return torch.autograd.functional.jacobian(f, a)
        """),
    ],
    "e4a": [
        # no control flow at all
        "def my_control_flow(x):\n    return torch.where(x > 0, x ** 2, -x)",
        # control flow whose path never depends on x
        "def my_control_flow(x):\n    y = x\n    for _ in range(3):\n        y = y * 2\n    if True:\n        return torch.sin(y)",
        # branches, but the derivative is 0 everywhere
        "def my_control_flow(x):\n    if x > 0:\n        return x * 0 + 1\n    return x * 0 - 1",
        # .item() breaks the graph: autograd says 0, the function is not constant
        "def my_control_flow(x):\n    v = x.item()\n    if v > 0:\n        return x * 0 + v ** 2\n    return x * 0 + v ** 3",
        # a loop that never ends at x = 0
        "def my_control_flow(x):\n    y = x\n    while y.abs() < 1:\n        y = y * 2\n    if y > 0:\n        return y ** 2\n    return -y",
        # a branch on == between floats: no probe ever takes it
        "def my_control_flow(x):\n    if x == 1.0:\n        return x * 3\n    return x ** 2",
        # a loop that never ends for negative x: doubling a negative number never reaches 10
        _code("""
            def my_control_flow(x):
                y = x
                while y < 10:
                    y = y + y
                return torch.log(y)
        """),
        # .data in the result: it is cut from the graph, there is nothing to differentiate
        _code("""
            def my_control_flow(x):
                return x.data ** 2 if x > 0 else -x.data
        """),
        # an in-place update of the input, a leaf that requires grad: it raises
        _code("""
            def my_control_flow(x):
                if x < 0:
                    x.mul_(-1)
                return x ** 2 + x
        """),
        # a NumPy round trip inside the computation: that part has no gradient, autograd disagrees
        _code("""
            import numpy as np

            def my_control_flow(x):
                scale = torch.tensor(np.exp(x.detach().numpy()))
                if x > 0:
                    return scale * x
                return scale - x
        """),
        # the branch is drawn at random: the same x takes any path, which is not control flow on x
        _code("""
            def my_control_flow(x):
                r = torch.rand(())
                if r < 0.5:
                    return x ** 2
                if r < 0.75:
                    return x ** 3
                return torch.sin(x)
        """),
        # a random threshold: whether x is above it changes from call to call
        _code("""
            import random

            def my_control_flow(x):
                if x > random.uniform(-1, 1):
                    return x ** 2
                return torch.sin(x)
        """),
        # a random loop count from NumPy: the number of steps does not follow x
        _code("""
            import numpy as np

            def my_control_flow(x):
                y = x
                for _ in range(np.random.randint(1, 4)):
                    y = y * x
                return y
        """),
        # the path follows a call counter kept between calls, not x
        _code("""
            calls = {"n": 0}

            def my_control_flow(x):
                calls["n"] += 1
                if calls["n"] % 2 == 0:
                    return x ** 2
                return torch.sin(x) + x
        """),
        # a NumPy round trip for large |x| only: the graph is cut there
        _code("""
            def my_control_flow(x):
                if x.abs() > 10:
                    return torch.tensor(x.detach().numpy() ** 2)
                return x ** 2 if x > 0 else torch.sin(x)
        """),
        # detach() for small |x| only: the graph is cut there
        _code("""
            def my_control_flow(x):
                if x.abs() < 0.1:
                    return x.detach() * 3 + 1
                return x ** 2 if x > 0 else torch.sin(x)
        """),
        # float() then a new tensor, for 1 < x < 2 only: the graph is cut there
        _code("""
            def my_control_flow(x):
                if 1 < x < 2:
                    return torch.tensor(float(x) ** 2, dtype=torch.float64)
                return x ** 2 if x > 0 else torch.sin(x)
        """),
        # .data for x < -10 only: cut from the graph there
        _code("""
            def my_control_flow(x):
                if x < -10:
                    return x.data * 2
                return x ** 2 if x > 0 else torch.sin(x)
        """),
        # tolist() and a new leaf tensor: it requires grad, but it is not connected to x
        _code("""
            def my_control_flow(x):
                v = x.tolist()
                return torch.tensor(v * v if v > 0 else -v, dtype=torch.float64, requires_grad=True)
        """),
    ],
    "e5": [
        # cos from torch
        "import matplotlib.pyplot as plt\nx_plot = torch.linspace(-4, 4, 200, requires_grad=True)\ny_plot = torch.sin(x_plot)\ny_plot.sum().backward()\n"
        "dydx = torch.cos(x_plot).detach()\nfig, ax = plt.subplots()\nax.plot(x_plot.detach(), y_plot.detach(), label='sin')\n"
        "ax.plot(x_plot.detach(), dydx, label='cos')\nax.legend()",
        # cos from NumPy, for the plot only
        "import matplotlib.pyplot as plt\nimport numpy as np\nx_plot = torch.linspace(-4, 4, 200, requires_grad=True)\ny_plot = torch.sin(x_plot)\n"
        "y_plot.sum().backward()\ndydx = x_plot.grad\nxs = x_plot.detach().numpy()\nfig, ax = plt.subplots()\n"
        "ax.plot(xs, np.sin(xs), label='sin')\nax.plot(xs, np.cos(xs), label='derivative')\nax.legend()",
        # one curve
        "import matplotlib.pyplot as plt\nx_plot = torch.linspace(-4, 4, 200, requires_grad=True)\ny_plot = torch.sin(x_plot)\ny_plot.sum().backward()\n"
        "dydx = x_plot.grad\nfig, ax = plt.subplots()\nax.plot(x_plot.detach(), dydx, label='derivative')\nax.legend()",
        # axes swapped
        "import matplotlib.pyplot as plt\nx_plot = torch.linspace(-4, 4, 200, requires_grad=True)\ny_plot = torch.sin(x_plot)\ny_plot.sum().backward()\n"
        "dydx = x_plot.grad\nfig, ax = plt.subplots()\nax.plot(y_plot.detach(), x_plot.detach(), label='sin')\n"
        "ax.plot(dydx, x_plot.detach(), label='derivative')\nax.legend()",
        # no legend
        "import matplotlib.pyplot as plt\nx_plot = torch.linspace(-4, 4, 200, requires_grad=True)\ny_plot = torch.sin(x_plot)\ny_plot.sum().backward()\n"
        "dydx = x_plot.grad\nfig, ax = plt.subplots()\nax.plot(x_plot.detach(), y_plot.detach())\nax.plot(x_plot.detach(), dydx)",
        # finite differences instead of autograd
        "import matplotlib.pyplot as plt\nimport numpy as np\nx_plot = torch.linspace(-4, 4, 400, requires_grad=True)\ny_plot = torch.sin(x_plot)\n"
        "xs, ys = x_plot.detach().numpy(), y_plot.detach().numpy()\ndydx = np.gradient(ys, xs)\nfig, ax = plt.subplots()\n"
        "ax.plot(xs, ys, label='sin')\nax.plot(xs, dydx, label='derivative')\nax.legend()",
        # backward twice: the plotted derivative is doubled
        "import matplotlib.pyplot as plt\nx_plot = torch.linspace(-4, 4, 200, requires_grad=True)\ny_plot = torch.sin(x_plot)\n"
        "y_plot.sum().backward(retain_graph=True)\ny_plot.sum().backward()\ndydx = x_plot.grad\nfig, ax = plt.subplots()\n"
        "ax.plot(x_plot.detach(), y_plot.detach(), label='sin')\nax.plot(x_plot.detach(), dydx, label='derivative')\nax.legend()",
        # cos named indirectly, for the plotted curve: still cos
        _code("""
            import matplotlib.pyplot as plt
            import numpy as np

            x_plot = torch.linspace(-4, 4, 200, requires_grad=True)
            y_plot = torch.sin(x_plot)
            y_plot.sum().backward()
            dydx = x_plot.grad
            xs = x_plot.detach().numpy()
            derivative = getattr(np, "co" + "s")
            fig, ax = plt.subplots()
            ax.plot(xs, np.sin(xs), label="sin")
            ax.plot(xs, derivative(xs), label="derivative")
            ax.legend()
        """),
        # the identity cos x = sin(x + π/2) instead of autograd: no backward pass, x_plot.grad is None
        _code("""
            import math
            import matplotlib.pyplot as plt

            x_plot = torch.linspace(-4, 4, 200, requires_grad=True)
            y_plot = torch.sin(x_plot)
            dydx = torch.sin(x_plot + math.pi / 2).detach()
            fig, ax = plt.subplots()
            ax.plot(x_plot.detach(), y_plot.detach(), label="sin")
            ax.plot(x_plot.detach(), dydx, label="derivative")
            ax.legend()
        """),
        # torch.func instead of a backward pass: the values are right, but x_plot.grad is None
        _code("""
            import matplotlib.pyplot as plt
            from torch.func import grad, vmap

            x_plot = torch.linspace(-4, 4, 200, requires_grad=True)
            y_plot = torch.sin(x_plot)
            dydx = vmap(grad(torch.sin))(x_plot.detach())
            fig, ax = plt.subplots()
            ax.plot(x_plot.detach(), y_plot.detach(), label="sin")
            ax.plot(x_plot.detach(), dydx, label="derivative")
            ax.legend()
        """),
    ],
}
