"""简体中文 for the feedback of `check` and `lossedu grade`: {English text: 中文}.

Read through `lossedu.grading.lang` (which explains how each kind of text is looked up), with the glossary's
terms (i18n/zh/glossary.yml: 梯度, 交叉熵, 边际, 隐藏用例, 公开用例, 作业 …); math, code, argument names and values
stay as they are. tests/test_grading_zh.py checks that every text the grader and `check` can show has its
translation here, with the same fields, and that no English prose is left in the Chinese feedback.

* `FEEDBACK`: whole texts, keyed by the English text (a template's fields, `{name}`, are filled in after
  translation): the fixed messages of check/grade/outputs/notebook/spec, what the sandbox says when a run
  stops, and every usual mistake (`Mistake.message`) of every assignment and the generic ones.
* `PHRASES`: the prose fragments of case labels (many labels are built from arguments: "input (4, 3),
  reduction='sum', weight (3,) (one weight per class)"): each is replaced inside a label, longest first, so
  argument names, values and shapes stay untouched.
* `SANDBOX`: the same for the fixed refusals of the sandbox (lossedu/grading/_runner.py) inside what it
  reports about a learner's cell or case.
"""

FEEDBACK: dict[str, str] = {
    # ---- fixed messages (check, grade, outputs, notebook, spec; the sandbox's stop reasons)
    '{mark} {name}: {passed}/{total} public cases passed':
        '{mark} {name}：{passed}/{total} 个公开用例通过',
    '{name}: {failed} of {total} public cases failed (see above)':
        '{name}：{total} 个公开用例中有 {failed} 个未通过（见上文）',
    'note: your code warned ({warning}); a warning costs no points':
        '注意：你的代码发出了警告（{warning}）；警告不扣分',
    'likely cause: {diagnosis}':
        '可能的原因：{diagnosis}',
    '{name}: not implemented yet (replace `raise NotImplementedError()` with your code)':
        '{name}：尚未实现（把 `raise NotImplementedError()` 换成你的代码）',
    'raised {error}':
        '引发了 {error}',
    'result':
        '结果',
    'differs from torch':
        '与 torch 的结果不同',
    ' (relative {r:.2g})':
        '（相对误差 {r:.2g}）',
    ' (absolute error)':
        '（绝对误差）',
    'expected a tuple of {n} gradients, got {type}':
        '应返回由 {n} 个梯度组成的元组，实际得到 {type}',
    'expected a tuple of {n} gradients':
        '应返回由 {n} 个梯度组成的元组',
    '{name} is off by up to {err:.3g}{relative}{at}: got {got:.6g}, expected {want:.6g}':
        '{name} 最多偏差 {err:.3g}{relative}{at}：得到 {got:.6g}，应为 {want:.6g}',
    ' at index {where}':
        '，位于索引 {where}',
    'expected numbers, got an array of dtype {dtype}':
        '应返回数值，实际得到 dtype 为 {dtype} 的数组',
    'expected numbers':
        '应返回数值',
    '{name} has shape {shape}, expected {what}':
        '{name} 的形状是 {shape}，应为{what}',
    'a scalar':
        '标量',
    'shape {shape}':
        '形状 {shape}',
    'could not read the result as an array ({error})':
        '无法把结果读成数组（{error}）',
    '{name} is {got} at index {where}, expected {want}':
        '{name} 在索引 {where} 处为 {got}，应为 {want}',
    '{name} is {got}, expected {want}':
        '{name} 为 {got}，应为 {want}',
    '{name} has wrong values':
        '{name} 的数值不对',
    '{name} has the wrong shape':
        '{name} 的形状不对',
    "{name} has nan or inf where torch's answer differs":
        '{name} 在 torch 的答案不同之处出现了 nan 或 inf',
    'the result is not what was asked for ({what})':
        '结果不是题目要求的形式（{what}）',
    'raised an exception':
        '引发了异常',
    'hidden case {n}':
        '隐藏用例 {n}',
    'hidden cases {ranges}':
        '隐藏用例 {ranges}',
    '{name}: {passed}/{total} cases passed ({public_passed}/{public} public, {hidden_passed}/{hidden} hidden) → {score:.2f}/{points:g} points':
        '{name}：{passed}/{total} 个用例通过（公开用例 {public_passed}/{public}，隐藏用例 {hidden_passed}/{hidden}）→ {score:.2f}/{points:g} 分',
    '{name}: not graded: {why}':
        '{name}：未评分：{why}',
    '{name}: not implemented yet':
        '{name}：尚未实现',
    '{name}: not implemented yet → 0/{points:g} points':
        '{name}：尚未实现 → 0/{points:g} 分',
    '{name}: not graded: your cells did not finish (see above)':
        '{name}：未评分：你的单元格没有运行完（见上文）',
    'no function called {name}':
        '没有名为 {name} 的函数',
    'no answer ({why})':
        '没有答案（{why}）',
    'the run ended before this case':
        '运行在这个用例之前就结束了',
    'returned nothing readable':
        '返回的内容无法读取',
    'the run {stopped}':
        '运行{stopped}',
    '  errors in your cells (fix these first: they may explain the failures below):':
        '  你的单元格中有错误（请先修正它们：下面的失败可能由此而来）：',
    '; … ({n} cases)':
        '；…（共 {n} 个用例）',
    '  … and {n} more':
        '  …… 另有 {n} 条',
    '  … and {n} more hidden':
        '  …… 另有 {n} 条隐藏用例的反馈',
    '{name}: hidden cases':
        '{name}：隐藏用例',
    '{assignment}: {score:g} / {max_score:g}':
        '{assignment}：{score:g} / {max_score:g}',
    'setup cell {i}':
        '准备单元格 {i}',
    'cell {gid}':
        '单元格 {gid}',
    'your cell {gid}':
        '你的单元格 {gid}',
    'the cell you added at position {i}':
        '你在第 {i} 个位置添加的单元格',
    'added cell {n}':
        '添加的单元格 {n}',
    ', part {k}':
        ' 第 {k} 部分',
    "your notebook's grading metadata was missing: the grader found {n} of its cells by their ids or content":
        '你的笔记本缺少评分元数据：评分程序按单元格的 id 或内容找到了其中 {n} 个单元格',
    'from {n} cell(s) you added, the grader ran only imports and function/class definitions':
        '在你添加的 {n} 个单元格中，评分程序只运行了 import 语句和函数/类的定义',
    "your notebook's code passed the {n} characters the grader reads":
        '你的笔记本的代码超过了评分程序读取的 {n} 个字符',
    '{label} was not run: {why}':
        '{label}没有运行：{why}',
    'locked cell {gid} is missing from your notebook (the grader used the original)':
        '你的笔记本中缺少锁定单元格 {gid}（评分程序使用了原始单元格）',
    'locked cell {gid} was changed in your notebook (the grader used the original)':
        '你的笔记本中的锁定单元格 {gid} 被修改了（评分程序使用了原始单元格）',
    'your solution cell {gid} is missing (was it deleted?)':
        '缺少你的解答单元格 {gid}（是不是被删除了？）',
    'this notebook could not be read ({error}); please tell your teacher':
        '无法读取这个笔记本（{error}）；请告诉你的老师',
    'this notebook could not be graded ({error}); please tell your teacher':
        '无法为这个笔记本评分（{error}）；请告诉你的老师',
    'this notebook is assignment {name}, but this grader grades {only}: submit the {only} notebook':
        '这个笔记本是作业 {name}，但这个评分程序评的是 {only}：请提交 {only} 的笔记本',
    'not graded: this is the Chinese edition of assignment {name}, whose Chinese exercise ({path}) does not exist yet, so the grader has no original to compare it with; please tell your teacher':
        '未评分：这是作业 {name} 的中文版，但它的中文练习（{path}）还不存在，评分程序没有可以对照的原始笔记本；请告诉你的老师',
    'this notebook is not a lossedu assignment (its metadata names no assignment and its cells match none): submit the exercise notebook you were given, with your code in it':
        '这个笔记本不是 lossedu 的作业（它的元数据没有写明作业，单元格也与任何作业都对不上）：请提交发给你的练习笔记本，并在其中写好你的代码',
    'it has {n} characters (the grader reads at most {most} per cell)':
        '它有 {n} 个字符（评分程序每个单元格最多读取 {most} 个）',
    'it has {n} lines (the grader reads at most {most} per cell)':
        '它有 {n} 行（评分程序每个单元格最多读取 {most} 行）',
    '{assignment}: {score:g} / {max_score:g} points':
        '{assignment}：{score:g} / {max_score:g} 分',
    'Submission: `{name}`':
        '提交的文件：`{name}`',
    'not graded':
        '未评分',
    'Notes':
        '说明',
    'note: {message}':
        '注意：{message}',
    ' -- because ':
        ' —— 因为 ',
    'line {n}':
        '第 {n} 行',
    'its code':
        '它的代码',
    ' (in {cell}, line {n})':
        '（在{cell} 第 {n} 行）',
    ' ({cell}, line {n})':
        '（{cell} 第 {n} 行）',
    'stopped after the {seconds} s time limit (an endless loop, or far too slow?)':
        '在 {seconds} 秒的时间限制后被停止（死循环，还是太慢了？）',
    'stopped after the {seconds} s time limit in the top-level code of {where} (an endless loop, or far too slow? Only definitions need to run at the top level)':
        '在 {seconds} 秒的时间限制后被停止，停在{where}的顶层代码中（死循环，还是太慢了？顶层只需要运行定义）',
    'ran out of memory (limit {mb} MB)':
        '内存不足（上限 {mb} MB）',
    'used more CPU time than allowed':
        '用掉的 CPU 时间超过了允许的上限',
    'wrote more than the 64 MB allowed (printing too much?)':
        '写出的内容超过了允许的 64 MB（是不是打印得太多了？）',
    'was killed by signal {signal}':
        '被信号 {signal} 终止',
    'crashed: {why}':
        '崩溃了：{why}',
    'crashed':
        '崩溃了',
    # ---- the usual mistakes: spec.GENERIC_MISTAKES, then each assignment's (lossedu/grading/assignments/)
    'the sign is flipped (you return −answer); check the direction of the derivative':
        '符号反了（你返回的是 −答案）；检查导数的方向',
    "with reduction='mean' you summed: divide by the number of terms":
        "reduction='mean' 时你求了和：应除以项数",
    "with reduction='sum' you averaged: 'sum' adds the terms without dividing":
        "reduction='sum' 时你取了平均：'sum' 只把各项相加，不做除法",
    "with reduction='mean' you divided by the batch size only, not by the number of elements":
        "reduction='mean' 时你只除以了批大小，而不是元素个数",
    'off by a factor of 2: a missing or extra ½ (or 2) in the formula':
        '差了 2 倍：公式中少了或多了一个 ½（或 2）',
    'you ignored the `weight` argument: each term must be multiplied by its weight':
        '你忽略了参数 `weight`：每一项都要乘以它的权重',
    'you ignored `pos_weight`: it multiplies the positive (target = 1) term':
        '你忽略了 `pos_weight`：它乘在正类（target = 1）那一项上',
    'you ignored `ignore_index`: targets equal to it must contribute nothing (and not count in the mean)':
        '你忽略了 `ignore_index`：等于它的目标不应有任何贡献（求平均时也不计数）',
    'you ignored `label_smoothing`':
        '你忽略了 `label_smoothing`',
    'the quadratic branch is ½ d² / beta (its derivative d / beta): you left out the division by beta':
        '二次分支是 ½ d² / beta（导数为 d / beta）：你漏掉了除以 beta',
    "with weight and reduction='mean' huber_loss divides by the number of elements, not by Σ weight (unlike l1_loss and mse_loss)":
        "有 weight 且 reduction='mean' 时，huber_loss 除以元素个数，而不是 Σ weight（与 l1_loss 和 mse_loss 不同）",
    'you used the other formula: log_input=True means input = log λ and ℓ = exp(x) − t·x; log_input=False means input = λ and ℓ = x − t·log(x + eps)':
        '你用了另一个公式：log_input=True 表示 input = log λ，ℓ = exp(x) − t·x；log_input=False 表示 input = λ，ℓ = x − t·log(x + eps)',
    'you ignored `full`: full=True adds the Stirling term t·log t − t + ½·log(2πt) where t > 1':
        '你忽略了 `full`：full=True 时在 t > 1 处加上 Stirling 项 t·log t − t + ½·log(2πt)',
    'with full=True the Stirling term is added only where target > 1: torch adds nothing at t = 1 (nor for any t ≤ 1)':
        'full=True 时 Stirling 项只加在 target > 1 处：torch 在 t = 1 处（以及任何 t ≤ 1 处）什么也不加',
    'you ignored `eps`: with log_input=False the log is log(input + eps)':
        '你忽略了 `eps`：log_input=False 时对数是 log(input + eps)',
    'with log_input=True eps is not used at all: ℓ = exp(x) − t·x':
        'log_input=True 时根本不用 eps：ℓ = exp(x) − t·x',
    "var must be clamped first: v' = max(var, eps), then ½·(log v' + (x − t)²/v')":
        "var 必须先截断：v' = max(var, eps)，然后是 ½·(log v' + (x − t)²/v')",
    "you dropped the ½·log var term: ℓ = ½·(log v' + (x − t)²/v')":
        "你漏掉了 ½·log var 这一项：ℓ = ½·(log v' + (x − t)²/v')",
    'you ignored `full`: full=True adds ½·log(2π) to every term':
        '你忽略了 `full`：full=True 时每一项都加上 ½·log(2π)',
    "torch's clamp is straight-through: where var < eps, ∂ℓ/∂var is ½·(1/v' − d²/v'²) at v' = eps, not 0":
        "torch 的截断是直通的（straight-through）：在 var < eps 处，∂ℓ/∂var 是 v' = eps 时的 ½·(1/v' − d²/v'²)，而不是 0",
    "the var gradient has the wrong sign: ∂ℓ/∂var = ½·(1/v' − (x − t)²/v'²)":
        "var 的梯度符号错了：∂ℓ/∂var = ½·(1/v' − (x − t)²/v'²)",
    "the var gradient must have var's own shape: sum it over the axes var was broadcast along":
        'var 的梯度必须与 var 自身形状相同：沿 var 被广播的轴求和',
    "with weight and reduction='mean' you divided by the number of counted items: torch divides by the sum of their target classes' weights, Σ_i w[y_i] (a weighted average)":
        "有 weight 且 reduction='mean' 时你除以了计入的样本数：torch 除以这些样本目标类别的权重之和 Σ_i w[y_i]（加权平均）",
    "with reduction='mean' the ignored items must not count in the denominator: divide by Σ w[y_i] over the items whose target is not ignore_index":
        "reduction='mean' 时被忽略的样本不能计入分母：应除以目标不等于 ignore_index 的样本的 Σ w[y_i]",
    "every target is ignored, so the 'mean' is 0/0 = nan, but the gradient must be exactly 0: give ignored items 0 directly (e.g. np.where) rather than multiplying g/0 by 0":
        "所有目标都被忽略，所以 'mean' 是 0/0 = nan，但梯度必须恰好为 0：直接给被忽略的样本赋 0（例如用 np.where），而不是用 0 去乘 g/0",
    'nll_loss takes log-probabilities as they are: do not apply log_softmax (that is cross_entropy)':
        'nll_loss 直接使用给定的对数概率：不要再做 log_softmax（那是 cross_entropy）',
    'the softmax runs over the wrong axis (axis 0, the batch): the classes are on axis 1':
        'softmax 作用在了错误的轴上（轴 0，即批）：类别在轴 1 上',
    'the softmax runs over the last axis: for K-dim input (N, C, d1, …) the classes are on axis 1':
        'softmax 作用在了最后一个轴上：对 K 维输入 (N, C, d1, …)，类别在轴 1 上',
    'no log_softmax: cross_entropy takes logits, so −log softmax(z)_y (its gradient is softmax(z) − onehot)':
        '缺少 log_softmax：cross_entropy 接收的是 logits，所以是 −log softmax(z)_y（其梯度为 softmax(z) − onehot）',
    "with weight and label_smoothing, the smoothing term −(ε/C)·Σ_c w_c·log s_c uses every class's weight w_c":
        '同时有 weight 和 label_smoothing 时，平滑项 −(ε/C)·Σ_c w_c·log s_c 用到每个类别的权重 w_c',
    "with probability targets, 'mean' divides by the number of items N·d1⋯dK, not by a sum of weights":
        "目标为概率时，'mean' 除以样本数 N·d1⋯dK，而不是权重之和",
    "with reduction='batchmean' divide the sum by the batch size input.shape[0] only (that is the true KL per sample), not by the number of elements":
        "reduction='batchmean' 时只把和除以批大小 input.shape[0]（这才是每个样本真正的 KL），而不是除以元素个数",
    "with reduction='batchmean' you returned the plain sum: divide it by input.shape[0]":
        "reduction='batchmean' 时你返回了单纯的和：应再除以 input.shape[0]",
    "reduction='mean' divides by the number of elements (batch × classes), unlike 'batchmean'":
        "reduction='mean' 除以元素个数（批 × 类别），与 'batchmean' 不同",
    "'batchmean' divides by input.shape[0], even when target broadcasts input to more rows":
        "'batchmean' 除以 input.shape[0]，即使 target 把 input 广播成了更多行",
    'you ignored log_target=True: then target holds log P, so ℓ = exp(t)·(t − x) and ∂ℓ/∂x = −exp(t)':
        '你忽略了 log_target=True：此时 target 存的是 log P，所以 ℓ = exp(t)·(t − x)，∂ℓ/∂x = −exp(t)',
    'you left out the entropy term t·log t (exp(t)·t with log_target): that is the cross-entropy −Σ P·log Q, not the KL':
        '你漏掉了熵项 t·log t（log_target 时为 exp(t)·t）：那是交叉熵 −Σ P·log Q，而不是 KL',
    'torch computes t·log t as xlogy(t, t): exactly 0 at t = 0, but nan for a negative target (not 0)':
        'torch 用 xlogy(t, t) 计算 t·log t：在 t = 0 处恰好为 0，但目标为负时是 nan（不是 0）',
    "kl_div uses input as given (it expects log-probabilities but does not normalise them): don't apply a log_softmax yourself":
        'kl_div 直接使用给定的 input（它期望对数概率，但不会做归一化）：不要自己再做 log_softmax',
    'y and 1 − y are swapped: the y term goes with log p (log σ(x)), the 1 − y term with log(1 − p)':
        'y 和 1 − y 弄反了：y 项配 log p（log σ(x)），1 − y 项配 log(1 − p)',
    'binary_cross_entropy takes probabilities as they are: you applied a sigmoid (that is binary_cross_entropy_with_logits)':
        'binary_cross_entropy 直接使用给定的概率：你又做了一次 sigmoid（那是 binary_cross_entropy_with_logits）',
    'pos_weight multiplies only the positive term y·softplus(−x), not the whole loss':
        'pos_weight 只乘在正类项 y·softplus(−x) 上，而不是整个损失',
    'pos_weight weighs the positive (y) term, not the negative (1 − y) one':
        'pos_weight 加权的是正类（y）项，而不是负类（1 − y）项',
    'with pos_weight the gradient is w·[(pw·y + 1 − y)·σ(x) − pw·y]: the σ(x) of the positive term is scaled by pw too (you have w·(σ(x) − pw·y))':
        '有 pos_weight 时梯度为 w·[(pw·y + 1 − y)·σ(x) − pw·y]：正类项里的 σ(x) 也要乘以 pw（你得到的是 w·(σ(x) − pw·y)）',
    'the margin is y·x and the loss log(1 + e^{−y·x}): the sign in the exponential is flipped':
        '边际是 y·x，损失是 log(1 + e^{−y·x})：指数里的符号反了',
    "each sample's loss is the MEAN over its C classes: divide the sum over the last axis by C":
        '每个样本的损失是它 C 个类别上的平均值：把最后一个轴上的和除以 C',
    'the classes are on the LAST axis of the input (not axis 1)':
        '类别在输入的最后一个轴上（不是轴 1）',
    'a target that is neither 1 nor −1 gets BOTH terms in torch: ℓ = [t≠1]·max(0, margin − x) + [t≠−1]·x (you treated every t ≠ 1 as −1)':
        '在 torch 中，既不是 1 也不是 −1 的目标两项都有：ℓ = [t≠1]·max(0, margin − x) + [t≠−1]·x（你把所有 t ≠ 1 都当成了 −1）',
    'a target that is neither 1 nor −1 gets both terms: [t≠1]·max(0, margin − x) + [t≠−1]·x (you gave it none)':
        '既不是 1 也不是 −1 的目标两项都有：[t≠1]·max(0, margin − x) + [t≠−1]·x（你一项也没给）',
    "at x == margin (t = −1) torch's hinge is clamp_min, whose gradient counts the kink as active (≥): the slope there is −1, not 0":
        '在 x == margin（t = −1）处，torch 的 hinge 是 clamp_min，它的梯度把拐点算作激活（≥）：那里的斜率是 −1，不是 0',
    'you ignored `margin` (used 1)':
        '你忽略了 `margin`（用了 1）',
    'the sum over the classes j ≠ y is divided by C (the number of classes), not by C − 1':
        '对类别 j ≠ y 的求和要除以 C（类别数），而不是 C − 1',
    'the sum over the classes j ≠ y must be divided by C (the number of classes)':
        '对类别 j ≠ y 的求和必须除以 C（类别数）',
    '`weight` is taken at the TARGET class y (w[y] multiplies the whole sample), not at each competing class j':
        '`weight` 取的是目标类别 y 的权重（w[y] 乘在整个样本上），而不是每个竞争类别 j 的',
    'a term counts only when z = margin − x_y + x_j > 0 strictly: at z == 0 the gradient is 0':
        '只有当 z = margin − x_y + x_j 严格大于 0 时该项才计入：在 z == 0 处梯度为 0',
    'you ignored `p`: p=2 squares each hinge':
        '你忽略了 `p`：p=2 时每个 hinge 都要平方',
    "with weight, reduction='mean' still divides by N (the number of samples), not by Σ w[y]":
        "有 weight 时，reduction='mean' 仍然除以 N（样本数），而不是 Σ w[y]",
    'a class listed twice counts twice in torch (you counted each listed class once)':
        '在 torch 中列出两次的类别计两次（你对每个列出的类别只计了一次）',
    'a target row ends at its first negative entry: the classes after the −1 are not labels':
        '目标的每一行在第一个负数处结束：−1 之后的类别不是标签',
    'the sum over (listed, unlisted) pairs is divided by C (the number of classes), not by C − 1':
        '对（列出的，未列出的）类别对的求和要除以 C（类别数），而不是 C − 1',
    'a pair counts only when z = 1 − x_j + x_i > 0 strictly: at z == 0 the gradient is 0':
        '只有当 z = 1 − x_j + x_i 严格大于 0 时该对才计入：在 z == 0 处梯度为 0',
    'the sum over (listed, unlisted) pairs must be divided by C (the number of classes)':
        '对（列出的，未列出的）类别对的求和必须除以 C（类别数）',
    'z = margin − y·(x1 − x2): y = 1 asks for x1 above x2 (you used + y·(x1 − x2))':
        'z = margin − y·(x1 − x2)：y = 1 要求 x1 高于 x2（你用的是 + y·(x1 − x2)）',
    "at z == 0 torch's hinge (clamp_min) counts as active (≥): the gradient there is −y for input1, not 0":
        '在 z == 0 处 torch 的 hinge（clamp_min）算作激活（≥）：那里 input1 的梯度是 −y，不是 0',
    'you ignored `margin`':
        '你忽略了 `margin`',
    'a target that is neither 1 nor −1 gives loss 0 in torch (you treated it as −1)':
        '在 torch 中，既不是 1 也不是 −1 的目标损失为 0（你把它当成了 −1）',
    "at cos − margin == 0 (y = −1) torch's hinge (clamp_min) counts as active (≥): the gradient is ∂cos, not 0":
        '在 cos − margin == 0（y = −1）处 torch 的 hinge（clamp_min）算作激活（≥）：梯度是 ∂cos，不是 0',
    'the distance is ‖u − v + eps‖_p: eps is added to the difference inside the norm (you left it out, or added it to the norm itself); it matters for small or equal embeddings':
        '距离是 ‖u − v + eps‖_p：eps 加在范数里面的差上（你漏掉了它，或者把它加在了范数本身上）；对很小或相等的嵌入这很重要',
    'with swap, a tie d(a, n) == d(p, n) in the min splits the gradient in half between the two distances (torch.minimum); you gave all of it to one':
        '有 swap 时，min 中的平局 d(a, n) == d(p, n) 会把梯度平分给两个距离（torch.minimum）；你把它全给了其中一个',
    'you ignored `swap`: with swap=True the negative distance is min(d(a, n), d(p, n))':
        '你忽略了 `swap`：swap=True 时负样本距离是 min(d(a, n), d(p, n))',
    'you ignored `p` (used the Euclidean norm, p = 2)':
        '你忽略了 `p`（用了欧几里得范数，p = 2）',
    "at z == 0 torch's hinge (clamp_min) counts as active (≥): the gradient there is not 0":
        '在 z == 0 处 torch 的 hinge（clamp_min）算作激活（≥）：那里的梯度不是 0',
    "'mean' divides each sample's loss by its own target length max(L_b, 1) before averaging over the batch; you averaged the raw losses":
        "'mean' 先把每个样本的损失除以它自己的目标长度 max(L_b, 1)，再在批上平均；你平均的是未除的损失",
    "'mean' is the batch mean of nll_b / max(L_b, 1); you divided the summed loss by the total target length Σ L_b":
        "'mean' 是 nll_b / max(L_b, 1) 的批平均；你把损失之和除以了目标总长度 Σ L_b",
    "in 'mean' an empty target divides by max(L_b, 1) = 1, not by 0":
        "在 'mean' 中，空目标除以 max(L_b, 1) = 1，而不是 0",
    'you ignored zero_infinity: with zero_infinity=True an infinite loss (no alignment fits) becomes 0, and its gradient 0':
        '你忽略了 zero_infinity：zero_infinity=True 时无穷大的损失（没有可行的对齐）变为 0，它的梯度也为 0',
    'you ignored input_lengths: frames t ≥ T_b of sample b are padding and must not enter its loss (and get gradient 0)':
        '你忽略了 input_lengths：样本 b 中 t ≥ T_b 的帧是填充，不能进入它的损失（梯度为 0）',
    'you ignored `blank`: the blank is class `blank`, not always class 0':
        '你忽略了 `blank`：空白符是类别 `blank`，不一定是类别 0',
    "you allowed the skip s−2 → s between two EQUAL labels: 'aa' needs a blank between the two a's (skip only if l'_s ≠ l'_{s−2})":
        "你允许了在两个相同标签之间跳转 s−2 → s：'aa' 的两个 a 之间需要一个空白符（只有 l'_s ≠ l'_{s−2} 时才能跳）",
    "you returned torch's convention g_b·(exp(lp) − γ): the graded gradient is the true derivative −g_b·γ_t(c) of the loss your ctc_loss computes (torch folds in the log_softmax it assumes comes first)":
        '你返回的是 torch 约定的 g_b·(exp(lp) − γ)：评分的梯度是你的 ctc_loss 所算损失的真实导数 −g_b·γ_t(c)（torch 把它假定在前面的 log_softmax 合并了进去）',
    'α weights the positives (t = 1) and 1 − α the negatives: α_t = α·t + (1 − α)(1 − t); you swapped them':
        'α 加权正样本（t = 1），1 − α 加权负样本：α_t = α·t + (1 − α)(1 − t)；你把它们弄反了',
    'a negative α (e.g. −1) switches the α-weighting off in torchvision; you applied it anyway':
        '在 torchvision 中，负的 α（例如 −1）会关闭 α 加权；你却照样用了它',
    'the modulating factor is (1 − p_t)^γ, small for easy examples (p_t → 1); you used p_t^γ':
        '调制因子是 (1 − p_t)^γ，对容易的样本（p_t → 1）很小；你用的是 p_t^γ',
    '(1 − p_t)^γ depends on the input too: the product rule adds ce·γ(1 − p_t)^(γ−1)·∂(1 − p_t)/∂x; you differentiated the cross-entropy only':
        '(1 − p_t)^γ 也依赖于输入：乘积法则还要加上 ce·γ(1 − p_t)^(γ−1)·∂(1 − p_t)/∂x；你只对交叉熵求了导',
    "'micro' is one Dice per sample over all classes and pixels, 'macro' one per sample and class then averaged over the present classes: you swapped them":
        "'micro' 是每个样本在所有类别和像素上算一个 Dice，'macro' 是每个样本每个类别算一个，再在出现的类别上平均：你把它们弄反了",
    'eps goes in the denominator only, 1 − 2I/(|X| + |Y| + eps); you added it to the numerator too':
        'eps 只加在分母上，1 − 2I/(|X| + |Y| + eps)；你把它也加到了分子上',
    'an ignored pixel leaves both sums: mask the softmax as well as the one-hot target':
        '被忽略的像素要从两个和中都去掉：softmax 和 one-hot 目标都要屏蔽',
    "'macro' averages over the classes present in the sample's (non-ignored) target only; you averaged over every class":
        "'macro' 只在样本（未被忽略的）目标中出现的类别上平均；你在所有类别上平均了",
    'X is the softmax of the logits over the classes (axis 1); you used the logits themselves':
        'X 是 logits 在类别（轴 1）上的 softmax；你直接用了 logits',
    'GIoU adds (C − U)/C, the share of the enclosing box C that the union U leaves empty; you left it out (plain 1 − IoU, whose gradient is 0 for disjoint boxes)':
        'GIoU 加上 (C − U)/C，即外接框 C 中未被并集 U 覆盖的比例；你漏掉了它（只算了 1 − IoU，对不相交的框其梯度为 0）',
    'the intersection is 0 unless both its sides are positive (torchvision: x2 > x1 and y2 > y1); you multiplied negative sides of disjoint boxes':
        '除非交集的两条边都为正（torchvision：x2 > x1 且 y2 > y1），否则交集为 0；你把不相交框的负边长乘了起来',
    'a tie in a max or min of corners (torch.max/min) splits the gradient ½/½ between the two boxes; you gave all of it to one':
        '角点的 max 或 min（torch.max/min）中出现平局时，梯度在两个框之间 ½/½ 平分；你把它全给了其中一个',
    "torchvision's 'mean' of no boxes is 0 (0 × the sum), not nan":
        "torchvision 中没有框时 'mean' 为 0（0 × 和），不是 nan",
    "DIoU adds ρ²/c², the centres' squared distance over the enclosing box's squared diagonal; you left it out (plain 1 − IoU)":
        'DIoU 加上 ρ²/c²，即中心距离的平方除以外接框对角线的平方；你漏掉了它（只算了 1 − IoU）',
    "c² is the enclosing box's squared diagonal (w_c² + h_c² + eps), not its length":
        'c² 是外接框对角线的平方（w_c² + h_c² + eps），而不是对角线长度',
    "NT-Xent's denominator holds the positive and the anchor's NEGATIVES only: you left the anchor's other positives in it":
        'NT-Xent 的分母只含正样本和锚点的负样本：你把锚点的其他正样本也留在了里面',
    'the temperature divides the similarities once: s/τ (you divided twice, s/τ²)':
        '温度只除一次相似度：s/τ（你除了两次，s/τ²）',
    'the similarities must be divided by the temperature τ (you left it out)':
        '相似度必须除以温度 τ（你漏掉了）',
    'the similarities are cosines: L2-normalise each embedding first (û = x / max(‖x‖, 1e-12)); you used the raw dot products':
        '相似度是余弦：先对每个嵌入做 L2 归一化（û = x / max(‖x‖, 1e-12)）；你用的是原始点积',
    "SupCon's denominator is every OTHER sample (k ≠ a): you left the anchor itself in it":
        'SupCon 的分母是所有其他样本（k ≠ a）：你把锚点自己也留在了里面',
    "the mean is over the anchors whose loss is > 0 (pml's AvgNonZeroReducer): an anchor without positives is left out, you averaged over every anchor":
        '平均只在损失 > 0 的锚点上进行（pml 的 AvgNonZeroReducer）：没有正样本的锚点不计入，你在所有锚点上平均了',
    'the margins are on the wrong side: positives pay [d − m_pos]₊ (pulled closer than m_pos), negatives [m_neg − d]₊ (pushed beyond m_neg)':
        '边际放反了：正样本对付出 [d − m_pos]₊（被拉到比 m_pos 更近），负样本对付出 [m_neg − d]₊（被推到 m_neg 之外）',
    "each sub-loss is averaged over its pairs with loss > 0 (pml's AvgNonZeroReducer): you averaged over every pair, zeros included":
        '每个子损失只在损失 > 0 的样本对上平均（pml 的 AvgNonZeroReducer）：你在所有样本对上平均了，包括为 0 的',
    'the positive and the negative terms are averaged separately, then added: you took one mean over all the pairs together':
        '正项和负项分别平均，然后相加：你把所有样本对放在一起取了一个平均',
    "pml's contrastive loss is not squared: [d − m_pos]₊ and [m_neg − d]₊ (you squared them, as Hadsell et al. do)":
        'pml 的对比损失不取平方：[d − m_pos]₊ 和 [m_neg − d]₊（你像 Hadsell 等人那样取了平方）',
    'the distances are between L2-normalised embeddings (û = x / max(‖x‖, 1e-12)); you used the raw embeddings':
        '距离是在 L2 归一化后的嵌入之间算的（û = x / max(‖x‖, 1e-12)）；你用的是原始嵌入',
    "CosFace SUBTRACTS the margin from the target class's cosine (cos θ_y − m); you added it":
        'CosFace 是从目标类别的余弦中减去边际（cos θ_y − m）；你把它加上了',
    'the margin goes on the target class only: you ignored it, or subtracted it from every class (a shift of all the logits changes nothing)':
        '边际只作用在目标类别上：你忽略了它，或者从每个类别都减去了它（所有 logits 一起平移不会改变任何东西）',
    'the scale multiplies the margin too: σ·(cos θ_y − m) (you computed σ·cos θ_y − m)':
        '缩放系数也要乘在边际上：σ·(cos θ_y − m)（你算的是 σ·cos θ_y − m）',
    "normalise each class's weight COLUMN (weight is (embedding_size, num_classes)): you normalised its rows":
        '要归一化每个类别的权重列（weight 的形状是 (embedding_size, num_classes)）：你归一化的是行',
    'both the embeddings and the class weights are L2-normalised (logits are cosines); you used raw dot products':
        '嵌入和类别权重都要做 L2 归一化（logits 是余弦）；你用的是原始点积',
    'under-prediction (target > input) costs τ·(target − input), over-prediction (1 − τ)·(input − target): you swapped τ and 1 − τ (or took d = input − target)':
        '预测偏低（target > input）的代价是 τ·(target − input)，预测偏高的代价是 (1 − τ)·(input − target)：你把 τ 和 1 − τ 弄反了（或者取了 d = input − target）',
    'at quantile 0.5 the pinball loss is half the absolute error, ½|target − input|, not |target − input|':
        '在 0.5 分位数处，pinball 损失是绝对误差的一半 ½|target − input|，而不是 |target − input|',
    "a tie d = target − input = 0 takes the d ≥ 0 branch (scikit-learn's sign = diff >= 0): the gradient there is −τ, not 1 − τ":
        '平局 d = target − input = 0 走 d ≥ 0 分支（scikit-learn 的 sign = diff >= 0）：那里的梯度是 −τ，不是 1 − τ',
    "the CRPS of N(μ, σ²) is σ·(z(2Φ(z) − 1) + 2φ(z) − 1/√π): you left out the −1/√π term (the forecast's own spread, ½E|X − X'| = σ/√π)":
        "N(μ, σ²) 的 CRPS 是 σ·(z(2Φ(z) − 1) + 2φ(z) − 1/√π)：你漏掉了 −1/√π 这一项（预报自身的离散度 ½E|X − X'| = σ/√π）",
    'Φ (the cdf) multiplies z and φ (the density) stands alone: σ·(z(2Φ(z) − 1) + 2φ(z) − 1/√π); you swapped them':
        'Φ（累积分布函数）乘以 z，φ（密度）单独出现：σ·(z(2Φ(z) − 1) + 2φ(z) − 1/√π)；你把它们弄反了',
    'z = (y − μ)/σ depends on σ too: ∂ℓ/∂σ = f(z) + σ·f′(z)·∂z/∂σ = 2φ(z) − 1/√π; you held z fixed (and got f(z))':
        'z = (y − μ)/σ 也依赖于 σ：∂ℓ/∂σ = f(z) + σ·f′(z)·∂z/∂σ = 2φ(z) − 1/√π；你把 z 当成了常数（得到了 f(z)）',
    'z = (y − μ)/σ decreases as μ grows: ∂ℓ/∂μ = −(2Φ(z) − 1) = 1 − 2Φ(z); your ∂ℓ/∂μ has the wrong sign':
        'z = (y − μ)/σ 随 μ 增大而减小：∂ℓ/∂μ = −(2Φ(z) − 1) = 1 − 2Φ(z)；你的 ∂ℓ/∂μ 符号错了',
    "the ensemble CRPS is E|X − y| − ½E|X − X'|: you left out the spread term (that is only the mean absolute error of the members)":
        "集合的 CRPS 是 E|X − y| − ½E|X − X'|：你漏掉了离散度项（那只是各成员的平均绝对误差）",
    'properscoring\'s CRPS is the plain one, ½E|X − X\'| = (1/2M²)Σ_ij|x_i − x_j|; you took the "fair" 1/(2M(M − 1))':
        'properscoring 的 CRPS 是普通版本，½E|X − X\'| = (1/2M²)Σ_ij|x_i − x_j|；你用了 "fair" 版本的 1/(2M(M − 1))',
    "the spread term is halved, ½E|X − X'| (each pair appears twice in Σ_ij); you subtracted all of E|X − X'|":
        "离散度项要减半，½E|X − X'|（每一对在 Σ_ij 中出现两次）；你减去了整个 E|X − X'|",
    "scikit-learn's multi-class Brier score sums the squared errors over the classes; you averaged them (divided by K)":
        'scikit-learn 的多类 Brier 分数在类别上对平方误差求和；你取了平均（除以了 K）',
    'with two classes (and for (n,) probabilities of class 1) scikit-learn halves the sum over the classes, which gives (p − y)²; you did not halve it':
        '两个类别时（以及给出类别 1 的 (n,) 概率时），scikit-learn 把类别上的和减半，得到 (p − y)²；你没有减半',
    "the sum over the classes is halved only when K ≤ 2 (scikit-learn's scale_by_half='auto'); you halved it for K ≥ 3 too":
        "只有 K ≤ 2 时类别上的和才减半（scikit-learn 的 scale_by_half='auto'）；你在 K ≥ 3 时也减半了",
    'a target of −1 means class 0 (y = 0, as scikit-learn reads {−1, 1} labels); you used −1 as the value y':
        '目标 −1 表示类别 0（y = 0，scikit-learn 就是这样读 {−1, 1} 标签的）；你把 −1 当成了 y 的值',
    'the margin is SUBTRACTED: z = (r_c − r_r) − margin (the chosen reward must win by at least the margin); you added it':
        '边际是减去的：z = (r_c − r_r) − margin（被选回答的奖励至少要多出一个边际）；你把它加上了',
    'when a margin is given, z = (r_c − r_r) − margin: you left the margin out':
        '给定边际时 z = (r_c − r_r) − margin：你漏掉了边际',
    'P(chosen ≻ rejected) = σ(r_c − r_r): you swapped chosen and rejected':
        'P(chosen ≻ rejected) = σ(r_c − r_r)：你把 chosen 和 rejected 弄反了',
    "DPO's margin is relative to the REFERENCE model: h = (log π(y_c) − log π(y_r)) − (log π_ref(y_c) − log π_ref(y_r)); you left the reference log-probabilities out":
        'DPO 的边际是相对于参考模型的：h = (log π(y_c) − log π(y_r)) − (log π_ref(y_c) − log π_ref(y_r))；你漏掉了参考模型的对数概率',
    'β scales the margin INSIDE the sigmoid: −log σ(β·h); you multiplied the loss by β instead (−β·log σ(h))':
        'β 在 sigmoid 里面缩放边际：−log σ(β·h)；你却把损失乘以了 β（−β·log σ(h)）',
    'label smoothing ε is the probability that the label is FLIPPED: −(1 − ε)·log σ(z) − ε·log σ(−z); you put ε and 1 − ε the wrong way round':
        '标签平滑的 ε 是标签被翻转的概率：−(1 − ε)·log σ(z) − ε·log σ(−z)；你把 ε 和 1 − ε 放反了',
    "IPO's target margin is 1/(2β): ℓ = (h − 1/(2β))²; you used 1/β":
        'IPO 的目标边际是 1/(2β)：ℓ = (h − 1/(2β))²；你用了 1/β',
    "'hinge' is relu(1 − βh), whose gradient at the kink 1 − βh = 0 is 0 (torch's relu); you gave −β there":
        "'hinge' 是 relu(1 − βh)，它在拐点 1 − βh = 0 处的梯度是 0（torch 的 relu）；你在那里给了 −β",
    "SimPO's target margin γ is in reward units: β·(π_c − π_r) − γ, i.e. logits (π_c − π_r) − γ/β; you subtracted γ before multiplying by β":
        'SimPO 的目标边际 γ 以奖励为单位：β·(π_c − π_r) − γ，即 logits (π_c − π_r) − γ/β；你在乘以 β 之前就减去了 γ',
    'SimPO asks the chosen answer to win by the margin γ: β·(π_c − π_r) − γ; you left γ out':
        'SimPO 要求被选回答多出边际 γ：β·(π_c − π_r) − γ；你漏掉了 γ',
    "KTO's reference point is KL = max(0, mean(policy_KL − reference_KL)): you did not clamp it at 0":
        'KTO 的参考点是 KL = max(0, mean(policy_KL − reference_KL))：你没有在 0 处截断',
    "'kto' measures each answer against the reference point KL = max(0, mean(policy_KL − reference_KL)) on the KL batch: you left KL out":
        "'kto' 用 KL 批上的参考点 KL = max(0, mean(policy_KL − reference_KL)) 衡量每个回答：你漏掉了 KL",
    "an undesirable answer is penalised for being MORE likely than the reference: ℓ_r = w_u·(1 − σ(β(KL − z_r))) ('apo_zero_unpaired': w_u·σ(β z_r)); you gave it the desirable answer's form":
        "不想要的回答因为比参考模型更可能出现而受罚：ℓ_r = w_u·(1 − σ(β(KL − z_r)))（'apo_zero_unpaired'：w_u·σ(β z_r)）；你给它用了想要的回答的形式",
    "desirable_weight multiplies the desirable (chosen) answers' losses and undesirable_weight the undesirable ones: you swapped them":
        'desirable_weight 乘在想要的（被选）回答的损失上，undesirable_weight 乘在不想要的回答上：你把它们弄反了',
    "'mean' is ONE mean over all the losses [chosen..., rejected...] (TRL's nanmean), not the average of the two groups' means":
        "'mean' 是对所有损失 [chosen..., rejected...] 取一个平均（TRL 的 nanmean），而不是两组平均值的平均",
    'the support size counts ρ = 1, 2, …, C (1 + ρ·z_(ρ) > Σ_{j≤ρ} z_(j)): you counted from 0 (np.arange(C) instead of np.arange(1, C + 1)), an off-by-one in the support and so in τ':
        '支撑集大小按 ρ = 1, 2, …, C 计数（1 + ρ·z_(ρ) > Σ_{j≤ρ} z_(j)）：你从 0 开始数（用了 np.arange(C) 而不是 np.arange(1, C + 1)），支撑集差了一个，τ 也因此出错',
    'the support test and τ read the scores sorted in DESCENDING order (np.sort is ascending: reverse it)':
        '支撑集的判断和 τ 用的是按降序排列的分数（np.sort 是升序：要反过来）',
    'p = max(z − τ, 0): you left the threshold τ out (max(z, 0) does not sum to 1)':
        'p = max(z − τ, 0)：你漏掉了阈值 τ（max(z, 0) 的和不为 1）',
    'sparsemax runs along `dim`: you always used the last axis':
        'sparsemax 沿 `dim` 计算：你总是用最后一个轴',
    "sparsemax's Jacobian is diag(s) − s·sᵀ/k (s = 1 on the support): on the support the gradient is g − mean_S(g); you used softmax's p ⊙ (g − ⟨p, g⟩)":
        'sparsemax 的 Jacobian 是 diag(s) − s·sᵀ/k（支撑集上 s = 1）：支撑集上的梯度是 g − mean_S(g)；你用了 softmax 的 p ⊙ (g − ⟨p, g⟩)',
    'off the support (p = 0) the gradient is 0: you subtracted mean_S(g) there too':
        '支撑集之外（p = 0）梯度为 0：你在那里也减去了 mean_S(g)',
    'the mean subtracted on the support is over its k entries only, not over all C scores':
        '支撑集上减去的平均值只对它的 k 个元素取，而不是全部 C 个分数',
    'the sparsemax loss is ½(1 − ‖p‖²) + ⟨p − e_y, z⟩ (i.e. ½‖e_y‖² − ½‖p‖² + ⟨p − e_y, z⟩): you left out the ½(1 − ‖p‖²) term':
        'sparsemax 损失是 ½(1 − ‖p‖²) + ⟨p − e_y, z⟩（即 ½‖e_y‖² − ½‖p‖² + ⟨p − e_y, z⟩）：你漏掉了 ½(1 − ‖p‖²) 这一项',
    "the gradient is sparsemax(z) − e_y (the Fenchel–Young gradient; softmax cross-entropy's is softmax(z) − e_y): you used softmax":
        '梯度是 sparsemax(z) − e_y（Fenchel–Young 梯度；softmax 交叉熵的梯度是 softmax(z) − e_y）：你用了 softmax',
    'SparsemaxLoss averages over the n samples (Σ / n): you summed':
        'SparsemaxLoss 在 n 个样本上取平均（Σ / n）：你求了和',
    "optax takes the relevance as it is: you normalised it to sum to 1 per list (as the ListNet paper and rax's softmax_loss do)":
        'optax 直接使用给定的相关度：你把每个列表的相关度归一化成了和为 1（像 ListNet 论文和 rax 的 softmax_loss 那样）',
    "optax takes the relevance as it is: you turned it into softmax(relevance) (the ListNet paper's top-one probabilities of the labels)":
        'optax 直接使用给定的相关度：你把它变成了 softmax(relevance)（ListNet 论文中标签的 top-one 概率）',
    'the loss is the MEAN over the lists: you summed them':
        '损失是各列表上的平均值：你求了和',
    'the mean is over the lists (the last axis is summed inside each list): you averaged over every item':
        '平均是在列表上取的（最后一个轴在每个列表内部求和）：你在每个条目上平均了',
    '∂ℓ/∂s = (Σ_j y_j)·softmax(s) − y: softmax(s) − y holds only when the relevance sums to 1':
        '∂ℓ/∂s = (Σ_j y_j)·softmax(s) − y：只有相关度之和为 1 时 softmax(s) − y 才成立',
    "Poly-1 adds ε·(1 − P_t), the first term of cross-entropy's Taylor series in (1 − P_t): you added ε·P_t (p instead of 1 − p)":
        'Poly-1 加上 ε·(1 − P_t)，即交叉熵关于 (1 − P_t) 的泰勒级数的第一项：你加的是 ε·P_t（p 而不是 1 − p）',
    'the ε-term has a gradient too: ∂[ε·Σ y(1 − p)]/∂x = −ε·p ⊙ (y − P_t); you differentiated the cross-entropy only':
        'ε 项也有梯度：∂[ε·Σ y(1 − p)]/∂x = −ε·p ⊙ (y − P_t)；你只对交叉熵求了导',
    "the course's default is epsilon=1.0 (the Poly-1 paper's), not optax's 2.0":
        '本课程的默认值是 epsilon=1.0（Poly-1 论文的取值），而不是 optax 的 2.0',
    "optax's term is Σ y·(1 − p), which is 1 − P_t only when the target sums to 1: you wrote 1 − Σ y·p":
        'optax 的这一项是 Σ y·(1 − p)，只有目标之和为 1 时它才等于 1 − P_t：你写成了 1 − Σ y·p',
    "the cross-entropy's gradient is (Σ_i y_i)·p − y: p − y holds only when the target sums to 1":
        '交叉熵的梯度是 (Σ_i y_i)·p − y：只有目标之和为 1 时 p − y 才成立',
    "your result has inf or nan where torch's is finite: an overflow, e.g. exp of a large number; use a numerically stable form (log-sum-exp, log1p, clamping) as derived in the notebook":
        '你的结果在 torch 为有限值的地方出现了 inf 或 nan：这是溢出，例如对很大的数取 exp；请按笔记本中的推导使用数值稳定的形式（log-sum-exp、log1p、截断）',
}

PHRASES: dict[str, str] = {
    # ---- case labels
    'a 0-d input and target':
        '0 维的 input 和 target',
    'a 0-d input, target and var':
        '0 维的 input、target 和 var',
    'a 0-d input':
        '0 维的 input',
    '0-d input and target':
        '0 维的 input 和 target',
    '0-d inputs and target':
        '0 维的输入和 target',
    'input equal to target in one place':
        'input 在一处等于 target',
    'with input == target in places':
        '且 input == target 出现在若干处',
    'input − target exactly ±beta':
        'input − target 恰好为 ±beta',
    'input − target exactly ±delta':
        'input − target 恰好为 ±delta',
    'the Stirling term is added only where target > 1':
        'Stirling 项只加在 target > 1 处',
    'not at 0, 0.5 or exactly 1':
        '不加在 0、0.5 或恰好 1 处',
    'rate 0 with target 2':
        '速率为 0 而 target 为 2',
    'keeps it finite':
        '使它保持有限',
    'ignores eps':
        '忽略 eps',
    'must change nothing':
        '应当不改变任何结果',
    'only input, target and var':
        '只给 input、target 和 var',
    'only input and target':
        '只给 input 和 target',
    'only inputs and targets':
        '只给 inputs 和 targets',
    'only ensemble and target':
        '只给 ensemble 和 target',
    'only mu, sigma and target':
        '只给 mu、sigma 和 target',
    'only the log-probabilities':
        '只给对数概率',
    'only the rewards':
        '只给奖励',
    "TRL's defaults":
        'TRL 的默认值',
    'the defaults':
        '默认值',
    'the default dim=-1':
        '默认的 dim=-1',
    'the default epsilon=1.0':
        '默认的 epsilon=1.0',
    "the default reduction='mean'":
        "默认的 reduction='mean'",
    'the default':
        '默认值',
    'broadcast against input':
        '对 input 广播',
    'broadcast against target':
        '对 target 广播',
    'mean over 12 terms':
        '对 12 项求平均',
    'one variance per row':
        '每行一个方差',
    'var gets a trailing axis':
        'var 在末尾增加一个轴',
    'var broadcasts along its size-1 dim':
        'var 沿其大小为 1 的维度广播',
    'var a Python float':
        'var 是一个 Python float',
    'one variance for all':
        '所有元素共用一个方差',
    'var below eps is clamped to eps':
        '小于 eps 的 var 被截断为 eps',
    'var below eps':
        '小于 eps 的 var',
    'is clamped to eps':
        '被截断为 eps',
    'every var below 0.05 is clamped to it':
        '每个小于 0.05 的 var 都被截断为它',
    '1-D input':
        '1 维 input',
    '0-d var':
        '0 维 var',
    'unsqueezed to':
        '扩展为',
    'with var':
        '以及 var',
    'and var':
        '和 var',
    'targets ignored':
        '个目标被忽略',
    ' of ':
        ' / ',
    'targets equal to it are skipped':
        '等于它的目标被跳过',
    'K-dim input and target':
        'K 维 input 和 target',
    'K-dim input':
        'K 维 input',
    'some targets -100':
        '部分目标为 -100',
    'unbatched input and target':
        '无批维度的 input 和 target',
    'unbatched input':
        '无批维度的 input',
    'unbatched':
        '无批维度',
    '0-d target':
        '0 维 target',
    '0-d lengths':
        '0 维长度',
    'weighted mean':
        '加权平均',
    'every target ignored':
        '所有目标都被忽略',
    'nan loss':
        '损失为 nan',
    'zero gradient':
        '梯度为零',
    'input not normalised':
        'input 未归一化',
    'raw scores':
        '原始分数',
    'nll_loss uses them as given':
        'nll_loss 直接使用它们',
    'kl_div uses it as given':
        'kl_div 直接使用它',
    'any real numbers':
        '任意实数',
    'with -100 entries':
        '含 -100 的元素',
    'probability targets':
        '概率目标',
    'a uniform target':
        '均匀的目标',
    'logits of ±1e4':
        '±1e4 的 logits',
    'logits of ±1000':
        '±1000 的 logits',
    'logits ±1000':
        '±1000 的 logits',
    'needs log-sum-exp':
        '需要 log-sum-exp',
    'needs softplus':
        '需要 softplus',
    'needs a stable log σ':
        '需要稳定的 log σ',
    'a −inf logit of a wrong class':
        '某个错误类别的 logit 为 −inf',
    'finite loss':
        '损失有限',
    'inf loss':
        '损失为 inf',
    'classes along dim 1':
        '类别沿 dim 1',
    'target with exact zeros':
        'target 中有恰好为 0 的元素',
    'they contribute exactly 0':
        '它们的贡献恰好为 0',
    'a negative target gives nan':
        '负的 target 给出 nan',
    "t·log t as torch's xlogy":
        't·log t 同 torch 的 xlogy',
    'a zero one exactly 0':
        '为零的 target 恰好给出 0',
    'divides by input.shape[0] = 3, not by 2':
        '除以 input.shape[0] = 3，而不是 2',
    'divides by input.shape[0]':
        '除以 input.shape[0]',
    "here the same as 'mean'":
        "这里与 'mean' 相同",
    'no batch dim':
        '没有批维度',
    'the sum, not divided':
        '即总和，不做除法',
    'the same P for every row':
        '每一行的 P 都相同',
    'targets 0/1':
        '目标为 0/1',
    'targets ±1':
        '目标为 ±1',
    'int64 targets ±1':
        'int64 目标 ±1',
    'int64 target ±1':
        'int64 目标 ±1',
    'int64 target':
        'int64 目标',
    'soft targets in [0, 1]':
        '[0, 1] 中的软目标',
    'soft targets':
        '软目标',
    'broadcast over the rows':
        '沿行广播',
    'each log clamped at −100':
        '每个 log 在 −100 处截断',
    'targets outside [0, 1]':
        '[0, 1] 之外的目标',
    '2 and −1':
        '2 和 −1',
    'no range check':
        '不检查范围',
    'a negative loss is fine':
        '损失为负也没问题',
    'large margins y·x = ±30':
        '很大的边际 y·x = ±30',
    'and 0':
        '以及 0',
    'one weight per class':
        '每类一个权重',
    'one weight per sample':
        '每个样本一个权重',
    '3-D input':
        '3 维 input',
    'the classes are on the LAST axis':
        '类别在最后一个轴上',
    'a 0-d loss':
        '0 维损失',
    'a 0-d result':
        '0 维结果',
    '0-d result':
        '0 维结果',
    'input exactly at the margin':
        'input 恰好位于边际处',
    'with target −1':
        '且 target 为 −1',
    'targets that are neither 1 nor −1':
        '既不是 1 也不是 −1 的目标',
    'both terms':
        '两项都有',
    'targets that are not ±1':
        '不是 ±1 的目标',
    'scale the hinge':
        '缩放 hinge',
    'scores on a grid of quarters':
        '分数取在 0.25 的网格上',
    'exactly 0 in places':
        '在若干处恰好为 0',
    'exactly 0 in one row':
        '在一行中恰好为 0',
    'exactly 0':
        '恰好为 0',
    'in places':
        '在若干处',
    'one sample':
        '一个样本',
    'with weight':
        '带 weight',
    'one class':
        '只有一个类别',
    'the loss is 0':
        '损失为 0',
    'entries after the first −1 are ignored':
        '第一个 −1 之后的元素被忽略',
    'the terminator':
        '终止符',
    'a class listed twice counts twice':
        '列出两次的类别计两次',
    'a row with no labels':
        '没有标签的一行',
    'a row listing every class':
        '列出所有类别的一行',
    'no terminator':
        '没有终止符',
    'both 0':
        '都为 0',
    'strict':
        '严格不等',
    'no loss':
        '没有损失',
    'no gradient':
        '没有梯度',
    'loss 0':
        '损失为 0',
    'gradient 0':
        '梯度为 0',
    'broadcast over inputs':
        '沿 inputs 广播',
    'broadcast over input1':
        '沿 input1 广播',
    'broadcast over input2':
        '沿 input2 广播',
    'broadcast over input':
        '沿 input 广播',
    'broadcast over anchor and negative':
        '沿 anchor 和 negative 广播',
    'broadcast over boxes1':
        '沿 boxes1 广播',
    'broadcast over mu and target':
        '沿 mu 和 target 广播',
    'broadcast over the 5 samples of input':
        '沿 input 的 5 个样本广播',
    'broadcast over the 3 lists of scores':
        '沿 3 个分数列表广播',
    'its gradient sums over the batch':
        '它的梯度在批上求和',
    'a zero vector in each input':
        '每个输入中都有一个零向量',
    'ε in the norms keeps cos finite':
        '范数中的 ε 使 cos 保持有限',
    'orthogonal pairs with y = −1 and margin 0':
        'y = −1 且边际为 0 的正交对',
    'the kink counts as active':
        '拐点算作激活',
    'one pair of boxes':
        '一对框',
    'one pair':
        '一对',
    'positive equal to the anchor':
        'positive 等于 anchor',
    'a tie in the min':
        'min 中出现平局',
    'small embeddings':
        '很小的嵌入',
    'the eps added inside the distance matters':
        '加在距离内部的 eps 起作用',
    'whose gradient torch takes as 0':
        'torch 把它的梯度取为 0',
    'with margin 0':
        '边际为 0',
    'padded targets':
        '填充的目标',
    'with junk after each length':
        '每个长度之后有无用数据',
    'concatenated 1-D targets':
        '拼接的 1 维目标',
    'concatenated targets':
        '拼接的目标',
    'edge batch':
        '边界情况的批',
    'in 3 frames':
        '在 3 帧中',
    'in 2':
        '在 2 帧中',
    'no alignment':
        '没有对齐',
    'empty target':
        '空目标',
    'empty input':
        '空输入',
    'with an empty target in the batch':
        '批中有空目标',
    'all targets empty':
        '所有目标都为空',
    'targets is an empty 1-D array':
        'targets 是空的 1 维数组',
    'the last class':
        '最后一个类别',
    'labels 0…3':
        '标签 0…3',
    'in the middle of the classes':
        '位于类别中间',
    'repeated neighbours':
        '相邻重复',
    'no skip between equal labels':
        '相同标签之间不能跳转',
    'as many letters as frames':
        '字母数与帧数相同',
    'no repeats':
        '没有重复',
    'a single alignment':
        '只有一种对齐',
    'unnormalised log_probs':
        '未归一化的 log_probs',
    'ctc_loss does not normalise':
        'ctc_loss 不做归一化',
    'a confident network over T=30 frames':
        'T=30 帧上很自信的网络',
    'probabilities underflow':
        '概率下溢',
    'work in log space':
        '要在对数空间中计算',
    'input_lengths and target_lengths as Python lists':
        'input_lengths 和 target_lengths 为 Python 列表',
    'a class with probability 0':
        '概率为 0 的类别',
    'at some frames':
        '出现在部分帧',
    "torchvision's formula takes them as they are":
        'torchvision 的公式直接使用它们',
    'saturated logits':
        '饱和的 logits',
    'two confident right answers':
        '两个很自信的正确答案',
    'and two confident wrong ones':
        '和两个很自信的错误答案',
    'float32 inputs and targets':
        'float32 的输入和目标',
    'float32 embeddings and weight':
        'float32 的嵌入和 weight',
    'float32 embeddings':
        'float32 的嵌入',
    'float32 boxes':
        'float32 的框',
    'float32 logits':
        'float32 的 logits',
    'the reference computes in float32 too':
        '参考实现也用 float32 计算',
    'the home computes in float32':
        '原始实现用 float32 计算',
    'empty inputs':
        '空输入',
    "'mean' of nothing is nan":
        "空集的 'mean' 是 nan",
    'classes absent from the target':
        'target 中没有出现的类别',
    "'macro' averages over the present classes only":
        "'macro' 只在出现的类别上平均",
    'the first sample fully ignored':
        '第一个样本完全被忽略',
    'it counts as loss 1':
        '它算作损失 1',
    'macro with a zero class weight and a weighted present class':
        'macro，某类权重为零，另有一个加权的出现类别',
    'the edges swapped':
        '边界情况，两组框互换',
    'the edges':
        '边界情况',
    'identical':
        '完全相同',
    'touching':
        '相接',
    'disjoint':
        '不相交',
    'nested':
        '嵌套',
    'zero-width':
        '零宽度',
    'tied corners':
        '角点相同',
    'ties split the gradient ½/½':
        '平局时梯度 ½/½ 平分',
    'no boxes':
        '没有框',
    "torchvision's 'mean' of nothing is 0, not nan":
        "torchvision 中空集的 'mean' 是 0，不是 nan",
    "SimCLR's two views":
        'SimCLR 的两个视图',
    'one positive per anchor':
        '每个锚点一个正样本',
    'duplicate labels':
        '重复的标签',
    'class 0 has four members':
        '类别 0 有四个成员',
    'three positives per anchor':
        '每个锚点三个正样本',
    'labels that appear once':
        '只出现一次的标签',
    'anchors without a positive':
        '没有正样本的锚点',
    'still negatives for the others':
        '但仍是其他样本的负样本',
    'a zero embedding':
        '一个零嵌入',
    'F.normalize clamps its norm at 1e-12':
        'F.normalize 把它的范数截断在 1e-12',
    'and its gradient is g/1e-12':
        '它的梯度是 g/1e-12',
    'every embedding has the same label':
        '所有嵌入的标签都相同',
    'no negative pair':
        '没有负样本对',
    'no positive pair':
        '没有正样本对',
    'every label once':
        '每个标签只出现一次',
    'only the negative term':
        '只有负项',
    'two embeddings with the same direction and different labels':
        '两个方向相同、标签不同的嵌入',
    "torch.cdist's gradient there is 0":
        'torch.cdist 在那里的梯度是 0',
    'pairs beyond the margins have loss 0 and are left out of the means':
        '超出边际的样本对损失为 0，不计入平均',
    'a zero class weight column':
        '某个类别的权重列为零',
    'F.normalize keeps it zero':
        'F.normalize 使它保持为零',
    'classes no sample has':
        '没有任何样本属于的类别',
    'their columns still in the softmax':
        '它们的列仍在 softmax 中',
    'half the absolute error':
        '绝对误差的一半',
    "the median's loss":
        '中位数的损失',
    'only over-predictions cost':
        '只有预测偏高有代价',
    'only under-predictions cost':
        '只有预测偏低有代价',
    'takes the d ≥ 0 branch':
        '走 d ≥ 0 分支',
    'gradient −quantile there':
        '那里的梯度为 −quantile',
    'sharp forecasts':
        '尖锐的预报',
    'σ from 0.01 to 0.05':
        'σ 从 0.01 到 0.05',
    'the CRPS is nearly':
        'CRPS 几乎等于',
    'the CRPS is':
        'CRPS 为',
    'targets far in the tails':
        '远在尾部的目标',
    '|z| from 4 to 9':
        '|z| 从 4 到 9',
    'Φ is 0 or 1 to many digits':
        'Φ 在很多位上都是 0 或 1',
    'one sigma':
        '一个 sigma',
    'mu and sigma':
        'mu 和 sigma',
    'a table of 5 × 3 scores':
        '5 × 3 的分数表',
    'tied members':
        '相同的成员',
    'and a member equal to the target':
        '以及一个等于 target 的成员',
    'has derivative 0 at 0':
        '在 0 处导数为 0',
    'an ensemble of one member':
        '只有一个成员的集合',
    'the absolute error':
        '绝对误差',
    'missing members':
        '缺失的成员',
    'are skipped, as properscoring does':
        '被跳过，与 properscoring 相同',
    'M counts the others':
        'M 只计其余成员',
    'their gradient is 0':
        '它们的梯度为 0',
    'probabilities':
        '概率',
    'two classes':
        '两个类别',
    'the sum over the classes is halved':
        '类别上的和减半',
    "scikit-learn's default":
        'scikit-learn 的默认行为',
    'with targets in':
        '目标取值于',
    'the loss':
        '损失为',
    'is class 0':
        '表示类别 0',
    'one column is P(class 1), as scikit-learn reads it':
        '一列即 P(class 1)，scikit-learn 就是这样读的',
    'in every other pair':
        '每隔一对',
    'huge reward gaps':
        '巨大的奖励差',
    'up to 1600':
        '最高到 1600',
    'overflows':
        '溢出',
    'use a stable log σ':
        '要用稳定的 log σ',
    'the policy equals the reference on the first three pairs':
        '前三对上策略等于参考模型',
    'whatever β and ε':
        '不论 β 和 ε 取何值',
    'at its kink':
        '在拐点处',
    "as relu's":
        '同 relu',
    'and past it':
        '以及越过拐点',
    'with a label_smoothing':
        '带 label_smoothing',
    "only 'sigmoid' uses it":
        "只有 'sigmoid' 用到它",
    'huge log-probability gaps':
        '巨大的对数概率差',
    'in the hundreds':
        '达到数百',
    "the KL batch's mean gap is below 0":
        'KL 批的平均差小于 0',
    'KL is clamped at 0':
        'KL 在 0 处截断',
    'no desirable answer in the batch':
        '批中没有想要的回答',
    'policy_chosen_logps is empty':
        'policy_chosen_logps 为空',
    'an impossible answer':
        '不可能的回答',
    "'mean' skips it":
        "'mean' 跳过它",
    "TRL's nanmean":
        'TRL 的 nanmean',
    'close scores':
        '分数接近',
    'every entry in the support':
        '每个元素都在支撑集中',
    'spread-out scores':
        '分散的分数',
    'small supports':
        '支撑集很小',
    'many exact zeros':
        '许多恰好为零的元素',
    'has two entries exactly at τ = 0':
        '有两个元素恰好在 τ = 0 处',
    'outside the support':
        '在支撑集之外',
    'all-equal scores give 1/C':
        '全部相等的分数给出 1/C',
    'scores near 1000':
        '接近 1000 的分数',
    'shift by the max first':
        '先减去最大值',
    'a score of −inf':
        '分数为 −inf',
    'its p is 0':
        '它的 p 为 0',
    'and its gradient too':
        '梯度也为 0',
    'the first samples are confident and right':
        '前几个样本自信且正确',
    'their loss and gradient are 0':
        '它们的损失和梯度为 0',
    'each target is the lowest score':
        '每个目标都是最低分',
    'the loss grows with the gap':
        '损失随差距增大',
    'and targets on entries exactly at τ':
        '以及目标恰好位于 τ 处的元素',
    'and inside a tie':
        '以及位于平局之中',
    'ties':
        '平局',
    'does not change when z shifts':
        '在 z 平移时不变',
    'one list of 7 items':
        '一个 7 项的列表',
    'graded relevance 0–3':
        '分级相关度 0–3',
    'lists of 5 items':
        '个 5 项的列表',
    'the mean over the 6 lists':
        '对 6 个列表求平均',
    'one relevant item per list':
        '每个列表一个相关项',
    'y one-hot':
        'y 为 one-hot',
    'ListNet is softmax cross-entropy there':
        '此时 ListNet 就是 softmax 交叉熵',
    'relevance a distribution over each list':
        'relevance 是每个列表上的分布',
    'it sums to 1':
        '其和为 1',
    'the second list has no relevant item':
        '第二个列表没有相关项',
    'its loss is 0':
        '它的损失为 0',
    'but it still counts in the mean':
        '但仍计入平均',
    'all-equal relevance 2.0':
        '全部相等的相关度 2.0',
    'taken as it is, not normalised':
        '直接使用，不做归一化',
    'the loss is 2.0·Σ −log softmax':
        '损失为 2.0·Σ −log softmax',
    'exp overflows':
        'exp 溢出',
    'log-softmax subtracts the max first':
        'log-softmax 先减去最大值',
    'hard labels':
        '硬标签',
    'soft labels':
        '软标签',
    'plain cross-entropy':
        '普通的交叉熵',
    'removes the first term of the series':
        '去掉级数的第一项',
    'targets that do not sum to 1':
        '和不为 1 的目标',
    'multi-hot':
        '多热编码',
    "optax's":
        'optax 的',
    'and positive equal to the anchor':
        '且 positive 等于 anchor',
    ' and target (':
        ' 和 target (',
    '1e-50 and 1':
        '1e-50 和 1',
    'divides by max(L_b, 1) = 1':
        '除以 max(L_b, 1) = 1',
    'cos − margin = 0 exactly':
        'cos − margin 恰好为 0',
    'gradient ∓½':
        '梯度 ∓½',
    'loss ≈ 0':
        '损失 ≈ 0',
    'loss ≈ α_t·|x|':
        '损失 ≈ α_t·|x|',
    'loss −Σ_t':
        '损失 −Σ_t',
    'some z':
        '部分 z',
    "'micro' with":
        "'micro'，且",
    'not 1 − P_t':
        '而不是 1 − P_t',
    "'mean' with an empty target in the batch":
        "批中有空目标时的 'mean'",
    'in places with margin 0':
        '出现在若干处，边际为 0',
    'z = 0 exactly there':
        '那里 z 恰好为 0',
    'T_b < T for some':
        '部分样本 T_b < T',
    'cos = 0 with that class':
        '与该类别的 cos = 0',
    'cos = 0 with every class':
        '与每个类别的 cos = 0',
}

SANDBOX: dict[str, str] = {
    # ---- the sandbox's refusals (lossedu/grading/_runner.py): only these are replaced in what the sandbox
    # ---- reports, never a label's phrase (a learner's own exception message stays as it is)
    'the grader does not let your code open files':
        '评分程序不允许你的代码打开文件',
    'import of':
        '导入',
    "is not allowed in graded code: the grader has numpy's core, linalg, fft and random only":
        '在评分的代码中是不允许的：评分程序只提供 numpy 的核心、linalg、fft 和 random',
    "is not allowed in graded code: the grader runs your code with numpy and Python's standard maths only":
        '在评分的代码中是不允许的：评分程序运行你的代码时只提供 numpy 和 Python 的标准数学库',
    "the grader does not allow replacing a function's":
        '评分程序不允许替换函数的',
    'the grader does not allow':
        '评分程序不允许',
    'its top-level code was still running when the time limit ran out (an endless loop, or far too slow? Only definitions need to run at the top level)':
        '时间用完时它的顶层代码还在运行（死循环，还是太慢了？顶层只需要运行定义）',
}
