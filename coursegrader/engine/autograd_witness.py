"""What the engine sees of autograd itself, inside a submission's process.

Installed before the first student cell runs (``install``), this stands between PyTorch and its
C++ autograd engine: every backward pass that accumulates into ``.grad`` (``Tensor.backward``,
``torch.autograd.backward``) goes through ``Witness.run_backward``. After the pass it marks

- each gradient tensor the pass left in a leaf's ``.grad`` (by identity), and
- each node of the pass's graph (in the node's own ``metadata``, which lives as long as the node),

with the names of the node types in that graph ("SinBackward0", "MulBackward0", ...).
A hidden test's observe step asks ``evidence(tensor)``: was this tensor's ``.grad`` written by a
backward pass, and over a graph made of what? A gradient assigned by hand (``x.grad = ...``) or
computed without autograd carries no mark. ``torch.autograd.grad`` does not accumulate and
marks nothing (it leaves ``.grad`` alone).

This runs in the submission's process, so a student who knows it is here can undo or imitate it
(docs/threat-model.md says what that takes); what it stops is everything short of that. The
grader tells its judges the witness was installed, so a missing witness is a failed check there.
"""

import weakref

MARK = "coursegrader.backward"  # the key in a node's metadata
MAX_NODES = 100_000  # nodes walked per backward pass: beyond this the rest of the graph is unmarked
MAX_GRADS = 10_000  # marked gradients kept before dead ones are pruned


class Witness:
    """Forwards everything to PyTorch's engine; marks what accumulating backward passes wrote."""

    def __init__(self, engine):
        self._engine = engine
        self._grads: dict[int, tuple] = {}  # id(grad) -> (weakref to grad, node names)

    def __getattr__(self, name):  # queue_callback, is_checkpoint_valid, ...: PyTorch's own
        return getattr(self._engine, name)

    def run_backward(self, outputs, *args, **kwargs):
        accumulate = kwargs.get("accumulate_grad", args[5] if len(args) > 5 else True)
        if not accumulate:
            return self._engine.run_backward(outputs, *args, **kwargs)
        inputs = kwargs.get("inputs", args[3] if len(args) > 3 else ())
        nodes, leaves = _graph(outputs)
        result = self._engine.run_backward(outputs, *args, **kwargs)
        names = frozenset(type(node).__name__ for node in nodes)
        for node in nodes:
            try:
                node.metadata[MARK] = names | node.metadata.get(MARK, frozenset())
            except Exception:  # noqa: BLE001 - a node kind without metadata stays unmarked
                pass
        chosen = {id(t) for t in inputs} if inputs else None
        for leaf in leaves:
            if chosen is not None and id(leaf) not in chosen:
                continue  # backward(inputs=...) wrote only these
            self._mark(leaf.grad, names)
        return result

    def _mark(self, grad, names) -> None:
        if grad is None:
            return
        known = self._grads.get(id(grad))
        if known is not None and known[0]() is grad:
            names = names | known[1]
        self._grads[id(grad)] = (weakref.ref(grad), names)
        if len(self._grads) > MAX_GRADS:
            self._grads = {key: value for key, value in self._grads.items() if value[0]() is not None}

    def evidence(self, tensor) -> dict:
        """Data for observe: whether ``tensor.grad`` was written by a backward pass (a leaf's
        marked gradient, or a non-leaf whose own node a backward pass went through) and the node
        types of that pass's graph."""
        grad, node = tensor.grad, tensor.grad_fn
        names: frozenset = frozenset()
        if grad is None:
            written = False
        elif node is None:
            known = self._grads.get(id(grad))
            written = known is not None and known[0]() is grad
            names = known[1] if written else names
        else:  # a non-leaf keeps .grad only through retain_grad(), written during a pass over its node
            names = node.metadata.get(MARK, frozenset())
            written = bool(names)
        return {"written": written, "names": sorted(names)[:200]}


def _graph(outputs):
    """The nodes of the graph behind ``outputs`` (tensors or gradient edges), and the leaf
    tensors at its ends (AccumulateGrad nodes' variables)."""
    roots = outputs if isinstance(outputs, (list, tuple)) else (outputs,)
    todo = [getattr(root, "grad_fn", None) or getattr(root, "node", None) for root in roots]
    seen, nodes, leaves = set(), [], []
    while todo and len(nodes) < MAX_NODES:
        node = todo.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        variable = getattr(node, "variable", None)
        if variable is not None:
            leaves.append(variable)
        todo.extend(following for following, _ in getattr(node, "next_functions", ()))
    return nodes, leaves


def install() -> None:
    """Put the witness between PyTorch and its engine (once per process)."""
    from torch.autograd.variable import Variable

    if not isinstance(Variable._execution_engine, Witness):
        Variable._execution_engine = Witness(Variable._execution_engine)
