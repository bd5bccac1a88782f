"""Answers written the ways students really write them, per auto-graded question.

CORRECT[q][k] must earn all of q's points; WRONG[q][k] is a real misconception and must earn none
of q's points. Each entry replaces the whole answer cell tagged q in the solution notebook.
Cases (cases.py) put the k-th variants of several questions into one notebook, so answers that
share state (w1 -> w2: the same x; e3a -> e3b: a_vec and d_vec) are written to fit their k-th
neighbour, as one student's notebook would be.
"""

CORRECT = {
    "w1": [
        "x = torch.arange(4.0, requires_grad=True)\ny = 2 * x @ x\ny.backward()\ngrad_w1 = x.grad.detach().clone()",
        "x = torch.arange(4.0, dtype=torch.float64, requires_grad=True)\n(2 * torch.dot(x, x)).backward()\ngrad_w1 = x.grad.clone()",
        "x = torch.arange(4.0, requires_grad=True)\n(grad_w1,) = torch.autograd.grad(2 * torch.dot(x, x), x)",
        "def gradient_at(fn, n):\n    x = torch.arange(float(n), requires_grad=True)\n    fn(x).backward()\n    return x, x.grad.clone()\n\n"
        "x, grad_w1 = gradient_at(lambda t: 2 * torch.dot(t, t), 4)",
        "x = torch.arange(4.0, requires_grad=True)\ny = 2 * (x * x).sum()\ny.backward(torch.ones_like(y))\ngrad_w1 = x.grad.clone()",
    ],
    "w2": [
        "x.grad.zero_()\ny = x.sum()\ny.backward()\ngrad_w2 = x.grad.clone()",
        "x.grad.data.zero_()\nx.sum().backward()\ngrad_w2 = x.grad.detach().clone()",
        "if x.grad is not None:\n    x.grad.zero_()\ny = x.sum()\ny.backward(torch.tensor(1.0, dtype=x.dtype))\ngrad_w2 = x.grad.clone()",
        "x.grad = None  # 也是清除梯度的一种写法\ny = x.sum()\ny.backward()\ngrad_w2 = x.grad.clone()",
        "(grad_w2,) = torch.autograd.grad(x.sum(), x)",
    ],
    "w3": [
        "x = torch.arange(4.0, requires_grad=True)\ny = x * x\nu = y.detach()\nz = u * x\n(grad_w3,) = torch.autograd.grad(z.sum(), x)",
        "x = torch.arange(4.0, requires_grad=True)\nwith torch.no_grad():\n    u = x * x\nz = u * x\nz.sum().backward()\ngrad_w3 = x.grad.clone()",
        "x = torch.arange(4.0, dtype=torch.float64, requires_grad=True)\ny = x * x\nu = y.detach()\nz = u * x\nz.backward(torch.ones_like(z))\ngrad_w3 = x.grad.clone()",
        "x = torch.arange(4.0, requires_grad=True)\ny = x * x\nu = y.detach().clone()\nz = u * x\nz.sum().backward()\ngrad_w3 = x.grad.detach()",
        "def frozen_product(x):\n    u = (x * x).detach()\n    return u * x\n\n"
        "x = torch.arange(4.0, requires_grad=True)\nfrozen_product(x).sum().backward()\ngrad_w3 = x.grad.clone()",
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
    ],
    "e2b": [
        "x = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\ny.backward(retain_graph=True)\ny.backward()\ngrad_after_two = x.grad.detach()",
        "x = torch.arange(4.0, dtype=torch.float64, requires_grad=True)\ny = 2 * torch.dot(x, x)\ny.backward(retain_graph=True)\ny.backward()\ngrad_after_two = x.grad.clone()",
        "x = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\nfor _ in range(2):\n    y.backward(retain_graph=True)\ngrad_after_two = x.grad.clone()",
        "def grad_after_passes(passes):\n    x = torch.arange(4.0, requires_grad=True)\n    y = 2 * torch.dot(x, x)\n"
        "    for _ in range(passes):\n        y.backward(retain_graph=True)\n    return x.grad.clone()\n\ngrad_after_two = grad_after_passes(2)",
    ],
    "e3a": [
        "a_vec = torch.randn(10, requires_grad=True)\nd_vec = f(a_vec)\nvector_backward_error = None\n"
        "try:\n    d_vec.backward()\nexcept RuntimeError as err:\n    vector_backward_error = str(err)",
        "a_vec = torch.rand(10, requires_grad=True)\nd_vec = f(a_vec)\ntry:\n    d_vec.backward()\nexcept RuntimeError as e:\n    vector_backward_error = e.args[0]",
        "a_vec = torch.randn(10, dtype=torch.float64, requires_grad=True)\nd_vec = f(a_vec)\n"
        "try:\n    d_vec.backward()\nexcept Exception as e:\n    vector_backward_error = repr(e)\nprint(vector_backward_error)",
        "a_vec = torch.normal(0.0, 1.0, size=(10,)).requires_grad_()\nd_vec = f(a_vec)\nvector_backward_error = None\n"
        "try:\n    d_vec.backward()\nexcept RuntimeError as err:\n    vector_backward_error = str(err)",
    ],
    "e3b": [
        "d_vec.backward(torch.ones_like(d_vec))\ngrad_vec = a_vec.grad.clone()\nA_mat = torch.randn(3, 4, requires_grad=True)\n"
        "f(A_mat).backward(torch.ones(3, 4))\ngrad_mat = A_mat.grad.clone()",
        "d_vec.sum().backward()\ngrad_vec = a_vec.grad.detach()\nA_mat = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)\n"
        "f(A_mat).sum().backward()\ngrad_mat = A_mat.grad.detach()",
        "a_vec.grad = None  # 先清掉前面留下的梯度，再重新计算 d_vec\nd_vec = f(a_vec)\nd_vec.sum().backward()\ngrad_vec = a_vec.grad.clone()\n"
        "A_mat = torch.randn(3, 4, requires_grad=True)\nf(A_mat).backward(gradient=torch.ones_like(A_mat))\ngrad_mat = A_mat.grad.clone()",
        "def grad_of_f(a):\n    f(a).sum().backward()\n    return a.grad.clone()\n\n"
        "grad_vec = grad_of_f(a_vec)\nA_mat = torch.rand(3, 4, requires_grad=True) * 10\nA_mat.retain_grad()\ngrad_mat = grad_of_f(A_mat)",
    ],
    "e3c": [
        "def control_flow_grad(a):\n    a = a.clone().requires_grad_(True)\n    (g,) = torch.autograd.grad(f(a).sum(), a)\n    return g",
        "def control_flow_grad(a):  # 在调用者传入的副本上直接打开梯度\n    a.requires_grad_(True)\n    f(a).sum().backward()\n    return a.grad",
        "def control_flow_grad(a):\n    a = a.detach().clone().requires_grad_(True)\n    d = f(a)\n    d.backward(torch.ones_like(d))\n    return a.grad.detach().clone()",
        "def control_flow_grad(a):\n    a = a.double().requires_grad_(True)\n    f(a).sum().backward()\n    return a.grad",
    ],
    "e4a": [
        "def my_control_flow(x):  # 书中的写法：循环次数取决于 |x|\n    y = x * x\n    n = 0\n    while y.norm() < 2500 and n < 60:\n"
        "        y = y * 2\n        n += 1\n    if y.sum() < 0:\n        return 100 * y\n    return y\n\n"
        "x = torch.tensor(0.2, requires_grad=True)\ny = my_control_flow(x)\ny.backward()\nx.grad",
        "def my_control_flow(x):  # float32 也可以\n    x = x.float()\n    if x > 1:\n        return torch.log(x)\n    elif x > -1:\n        return x ** 3\n"
        "    return -torch.sqrt(-x)",
        "def my_control_flow(x):\n    y = x\n    for _ in range(int(x.abs()) % 3 + 1):  # 循环次数取决于 x\n        y = y * x\n    return y",
        "def shrink(y):\n    while y.abs() > 1:\n        y = y / 2\n    return y\n\n"
        "def my_control_flow(x):\n    y = shrink(x)\n    if y > 0:\n        return torch.sin(y) + y\n    return torch.exp(y)",
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
    ],
}

WRONG = {
    "w1": [
        # backward twice: 8x
        "x = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\ny.backward(retain_graph=True)\ny.backward()\ngrad_w1 = x.grad.clone()",
        # forgot the factor 2: 2x
        "x = torch.arange(4.0, requires_grad=True)\ny = torch.dot(x, x)\ny.backward()\ngrad_w1 = x.grad.clone()",
        # kept x.grad itself: w2's zero_() and backward overwrite it
        "x = torch.arange(4.0, requires_grad=True)\ny = 2 * torch.dot(x, x)\ny.backward()\ngrad_w1 = x.grad",
        # reused the lesson's x, whose gradient was never cleared: 4x + 2x
        "y = 2 * torch.dot(x, x)\ny.backward()\ngrad_w1 = x.grad.clone()",
        # hard-coded: passes the public shape check only
        "x = torch.arange(4.0, requires_grad=True)\ngrad_w1 = torch.zeros(4)",
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
        # the ratio d / a, no backward pass: a_vec.grad and A_mat.grad stay None
        "grad_vec = (d_vec / a_vec).detach()\nA_mat = torch.randn(3, 4, requires_grad=True)\ngrad_mat = (f(A_mat) / A_mat).detach()",
        # torch.autograd.grad: the values are right, but the question asks for A_mat.grad from a backward pass
        "a_vec.grad = None\nd_vec = f(a_vec)\nd_vec.sum().backward()\ngrad_vec = a_vec.grad.clone()\n"
        "A_mat = torch.randn(3, 4, requires_grad=True)\n(grad_mat,) = torch.autograd.grad(f(A_mat).sum(), A_mat)",
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
        # the slope f(a) / a without autograd: nan where a holds an exact 0
        "def control_flow_grad(a):\n    with torch.no_grad():\n        return f(a) / a",
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
    ],
}
