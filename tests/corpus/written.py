"""Written answers (the manual questions), each written on its own the ways students write them.

They answer the same question, so they share its words (计算图, retain_graph, 梯度 ...) and
often its order of ideas; none was copied from another. The similarity tests treat any two of
one question's answers as an independent pair that must not be reported.
"""

WRITTEN = {
    "e1c": [
        "一阶导数只需要对原来的计算图做一次反向传播；二阶导数要在一阶导数的结果上再求导，"
        "所以 create_graph=True 会把反向传播本身也记录成一张新的图。上面数出来二阶时节点数明显更多。"
        "这些额外的节点和中间结果都要留在内存里，而且第二次反向传播要走过更大的图，所以时间也更长。",
        "从节点数看，second_nodes 比 first_nodes 大不少，说明求二阶导时计算图变大了。"
        "内存方面：create_graph=True 让 PyTorch 保存反向过程中产生的张量，以便再次求导。"
        "时间方面：要先做一次带图的反向，再对得到的梯度做一次反向，相当于多算了一遍。",
        "因为二阶导数是“导数的导数”。求一阶导数时反向传播结束后图就可以释放，"
        "但为了继续求导，必须设置 create_graph=True，把梯度的计算过程也建成图并保留下来。"
        "图更大（节点数更多），占用的显存/内存更多，两次反向传播的计算量也更大。",
        "Computing the second derivative needs a graph of the backward pass itself: with create_graph=True "
        "the gradient is a tensor with its own grad_fn, so the graph roughly doubles (see the node counts), "
        "the saved intermediates stay in memory, and a second backward walks the bigger graph, so it takes longer.",
        "计算图大小：一阶只有前向的节点，二阶还多了反向传播生成的节点（我数出来多了一倍左右）。"
        "内存：create_graph=True 额外保留了反向传播中的中间变量。"
        "时间：二阶需要两次反向传播，而且第二次的图更大。",
        "二阶导的开销大，主要是因为要对梯度再做一次自动微分。为此一阶反向时不能丢掉中间结果，"
        "要用 create_graph=True 建立可以求导的梯度，这样内存占用上升；节点数也从 first_nodes 增加到 second_nodes；"
        "整个过程比只求一阶多花了不少时间。",
        "一阶：前向建图、反向一次。二阶：反向的时候还要建图（create_graph=True），"
        "图里多出很多乘法、求和之类的节点，这些节点保存的张量都占内存；然后还要在这张更大的图上再反向一次，时间自然更多。",
        "节点数的对比说明了问题：求二阶导时图上的节点更多。PyTorch 默认在 backward 之后释放图，"
        "create_graph=True 则要求把求梯度的每一步都记下来，既占内存又要花时间去建图，"
        "第二次 backward 要处理的运算也更多。",
    ],
    "e2c": [
        "第二次调用 backward() 时报错 RuntimeError，因为第一次反向传播之后 PyTorch 已经把计算图里保存的中间结果释放了，"
        "不能再沿着同一张图反向一次。加上 retain_graph=True 以后图被保留下来，第二次反向又算出 4x，"
        "而梯度是累加到 x.grad 上的，所以变成 4x + 4x = 8x。",
        "报错：Trying to backward through the graph a second time。原因是默认情况下 backward 结束后会释放图以节省内存。"
        "retain_graph=True 保留了图，两次反向传播的梯度会累积（x.grad 不会自动清零），所以结果是 8x。",
        "The second backward() raises a RuntimeError: the saved tensors of the graph were freed after the first one. "
        "With retain_graph=True the graph is kept, the second backward adds another 4x to x.grad because gradients "
        "accumulate, so x.grad becomes 8x.",
        "会出现运行时错误。PyTorch 为了节省内存，反向传播完就把中间缓存清空了，第二次 backward 找不到需要的值。"
        "保留计算图之后可以再反向一次，但每次 backward 都是把新梯度加到原来的 grad 上，4x 加两次就是 8x。",
        "第一次 backward 后图被释放，第二次再 backward 就失败了。retain_graph=True 让图不被释放；"
        "y = 2xᵀx 的梯度是 4x，做了两次并且梯度累加，于是得到 8x。如果想要 4x，需要在第二次之前 x.grad.zero_()。",
        "因为计算图默认只能用一次。第二次调用时中间结果已经没有了，所以报错。"
        "用了 retain_graph=True 之后，两次的梯度 4x 相加得到 8x——PyTorch 的梯度是累积的，不是覆盖的。",
        "报错信息说图的缓冲区已经被释放。PyTorch 的设计是 backward 后立即释放，以免一直占用内存。"
        "保留图再算一次，x.grad 里就有两次的结果之和：8x。",
        "第二次 backward() 会失败：第一次反向传播时保存的中间值被释放了。"
        "加了 retain_graph=True，第二次反向能成功，但 .grad 是累加的，所以 grad = 4x + 4x = 8x。",
    ],
    "e3d": [
        "f 里面先乘 2，再在 while 循环里不断乘 2，最后可能再乘 100，所以 d 一定是 a 乘上一个常数 k。"
        "k 取决于循环执行了多少次（和 a 的大小有关）以及 b.sum() 的符号。"
        "向量输入时循环条件看的是整个 b 的范数，所有元素一起乘同样的次数，所以每个元素的梯度都是同一个 k。",
        "因为函数里只有乘以常数的操作：b = 2a，然后反复乘 2，最后的 c 要么是 b 要么是 100b，所以 d = k·a。"
        "k = 2 的 (循环次数+1) 次方，如果和为负再乘 100。"
        "对于向量/矩阵，norm() 和 sum() 都是对整体算的，走的是同一条路径，所以梯度全都等于 k。",
        "d = k * a，其中 k 由 while 循环迭代的次数决定（a 越小循环越多），还由 if 分支决定是否乘 100。"
        "多维输入时控制流只有一条（条件是整个张量的 norm 和 sum），每个元素被乘的系数相同，所以梯度相同。",
        "The function only multiplies by constants (2 each loop, maybe 100 at the end), so d = k·a, where k depends on "
        "how many times the loop runs (set by the norm of a) and on the sign of the sum. For a vector or matrix the "
        "conditions use the whole tensor, so every element gets the same k and the same gradient.",
        "从代码看 f 是分段线性的：在一条固定的路径上，输出就是输入乘一个常数。比例系数与循环次数有关，"
        "循环次数由 ‖2a‖ 和 1000 的关系决定；分支由 b.sum() 正负决定。张量输入时所有元素共享同一次控制流，梯度因此一样。",
        "因为 while 和 if 只改变乘了几次 2、要不要乘 100，没有任何非线性运算，所以 d 与 a 成正比。"
        "k 依赖于 a 的范数（决定循环次数）和 a 的元素和的符号。"
        "向量情况下判断都基于整体，不是逐元素判断的，所以各元素的梯度相同，都是 k。",
        "k 是 2^n 或 100·2^n，n 是循环次数，n 取决于输入的 L2 范数大小；分支取决于求和的符号。"
        "d 总是 k·a 是因为每一步都是线性的缩放。向量或矩阵输入时，范数和求和把所有元素合在一起判断，所以系数统一，梯度都一样。",
        "每次循环都只是 b = b * 2，所以结果是 a 的常数倍。这个倍数要看 a 有多小（小的话要乘很多次才到 1000），"
        "还要看最后是不是走了 else 分支乘 100。由于条件是对整个张量的，向量里每个元素都乘了同一个倍数，梯度自然相同。",
    ],
    "e4b": [
        "我的函数在 x > 0 时走 sqrt 那一支，x <= 0 时走立方那一支。打印了 x = -1、0.5、2 的输出和梯度："
        "在 sqrt 分支上梯度是 1/(2√y) 再乘上循环放大的倍数，在立方分支上是 3y² 乘倍数，和手算一致。"
        "在 0 附近两条路径切换，梯度不连续，所以分界点那里数值差分和自动微分可能对不上。",
        "输出显示：x 为负时函数是 x 的平方乘 100，梯度 200x；x 为正时函数就是 x²，梯度 2x。"
        "循环部分只是把 y 放大若干倍，梯度也跟着放大同样的倍数。在 x = 0 附近函数从一支跳到另一支，"
        "左右的导数不同，那一点不可导。",
        "I printed x = -2, -0.1, 0.3 and 1.5. On each path the function is a power of x times a constant from the loop, "
        "and autograd's gradient matches the derivative of that piece. Near the boundary the path changes, the "
        "gradient jumps, and a finite difference straddling it disagrees with autograd.",
        "每条路径上函数都是简单的形式：一条是 2^n·x，一条是 -(2^n)·x³。梯度就是对应形式的导数，所以在 x = 0.2 时是 2^n。"
        "分界点附近，循环次数 n 会突然变一次，函数值和梯度都会跳变，这些点上函数不可导。",
        "试了几个点：x=0.2 时循环了 3 次，输出 1.6，梯度 8；x=0.7 时循环 1 次，输出 1.4，梯度 2；x=-0.5 走另一个分支，梯度为负。"
        "同一路径内函数是线性的，梯度是常数；跨过分界点（比如 x=0.25、0.5）时梯度从 8 变成 4 再变成 2，函数不连续。",
        "分析：if 分支把定义域分成两段，一段是 sin，一段是 cos；while 循环让 x 先被放大到大于 1。"
        "打印出来的梯度和按链式法则手算的一样。在分界点附近，左右两边走不同的路径，导数突然改变，数值差分会给出很大的误差。",
        "函数是分段的，每段都是多项式，所以 autograd 给出的就是该段多项式的导数。"
        "我在不同的 x 上打印发现路径不同梯度公式也不同。接近分界点时，一点点扰动就会改变路径，所以差分结果不可靠。",
        "对每个 x，自动微分只看实际走过的那条路径，把它当成一个普通函数求导。"
        "我的函数在 |x| < 1 时乘 3，否则取平方，所以梯度分别是 3 和 2x。在 |x| = 1 附近函数有一个跳跃，导数在那里没有定义。",
    ],
}
