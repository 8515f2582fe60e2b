"""The course's terms in English and Russian, each with a one-line definition in both languages.

``glossary()`` returns the rows in teaching order (topic by topic); ``term(key)`` one row; ``lookup(text)`` the
row whose English or Russian name is ``text``. Russian terms follow the source lectures (функция активации,
обратное распространение ошибки, полносвязный слой, прореживание...). A glossary notebook renders these rows;
nothing here depends on anything but the standard library.
"""
from __future__ import annotations

from typing import NamedTuple


class Term(NamedTuple):
    """One glossary row: a stable ``key``, the ``topic`` it belongs to, the term and its definition in each
    language."""
    key: str
    topic: str
    en: str
    ru: str
    en_definition: str
    ru_definition: str

    def name(self, lang: str) -> str:
        return {"en": self.en, "ru": self.ru}[lang]

    def definition(self, lang: str) -> str:
        return {"en": self.en_definition, "ru": self.ru_definition}[lang]


# (key, topic, English, Russian, English definition, Russian definition)
_ROWS = [
    # ---- neurons
    ("neuron", "neurons", "artificial neuron", "искусственный нейрон",
     "A unit that computes a weighted sum of its inputs plus a bias and passes it through an activation.",
     "Элемент сети: взвешенная сумма входов плюс смещение, пропущенная через функцию активации."),
    ("mcculloch_pitts", "neurons", "McCulloch–Pitts neuron", "нейрон Мак-Каллока — Питтса",
     "The first formal neuron (1943): binary inputs, fixed weights and a threshold that decides whether it fires.",
     "Первая формальная модель нейрона (1943): двоичные входы, постоянные веса и порог срабатывания."),
    ("weight", "neurons", "weight", "вес",
     "A learned number that scales one input's contribution to a neuron's sum.",
     "Обучаемое число, с которым вход входит во взвешенную сумму нейрона."),
    ("bias", "neurons", "bias", "смещение",
     "A learned constant added to a neuron's weighted sum; it shifts the point where the neuron switches.",
     "Обучаемая константа, прибавляемая к взвешенной сумме; сдвигает порог, при котором нейрон переключается."),
    ("perceptron", "neurons", "perceptron", "персептрон",
     "A threshold neuron with weights learned from examples; it separates classes by a straight line or plane.",
     "Пороговый нейрон, веса которого подбираются по примерам; делит классы прямой или плоскостью."),
    ("linear_separability", "neurons", "linear separability", "линейная разделимость",
     "Two classes are linearly separable when one hyperplane puts all points of each class on its own side.",
     "Классы линейно разделимы, если одна гиперплоскость оставляет все точки каждого класса по свою сторону."),
    ("xor_problem", "neurons", "XOR problem", "задача XOR",
     "Exclusive or is not linearly separable, so one neuron cannot compute it while two layers can.",
     "Исключающее ИЛИ линейно неразделимо: один нейрон его не вычислит, а сеть из двух слоёв вычислит."),
    ("deep_learning", "neurons", "deep learning", "глубокое обучение",
     "Training networks with many layers, each learning features built from the previous layer's ones.",
     "Обучение сетей из многих слоёв, каждый из которых строит признаки из признаков предыдущего."),
    ("ai_winter", "neurons", "AI winter", "зима искусственного интеллекта",
     "A period when disappointed hopes cut the funding and interest in artificial intelligence research.",
     "Период, когда из-за несбывшихся ожиданий сокращались финансирование и интерес к исследованиям ИИ."),
    ("expert_system", "neurons", "expert system", "экспертная система",
     "A program that answers by applying rules written down by human experts rather than learned from data.",
     "Программа, отвечающая по правилам, которые записали эксперты, а не выучила по данным."),
    # ---- networks
    ("layer", "networks", "layer", "слой",
     "A group of neurons that read the same inputs and together produce the next representation.",
     "Набор нейронов с общими входами, вместе вычисляющих следующее представление данных."),
    ("fully_connected_layer", "networks", "fully connected (dense) layer", "полносвязный слой",
     "A layer in which every output depends on every input: y = Wx + b with a full weight matrix W.",
     "Слой, каждый выход которого зависит от всех входов: y = Wx + b с полной матрицей весов W."),
    ("input_layer", "networks", "input layer", "входной слой",
     "The features as the network receives them; it has no weights of its own.",
     "Признаки в том виде, в каком их получает сеть; собственных весов у него нет."),
    ("hidden_layer", "networks", "hidden layer", "скрытый слой",
     "Any layer between the input and the output; its values are never given in the data.",
     "Любой слой между входом и выходом; его значения в данных не заданы."),
    ("output_layer", "networks", "output layer", "выходной слой",
     "The last layer, whose values are the network's prediction (scores, probabilities or numbers).",
     "Последний слой; его значения и есть ответ сети (оценки, вероятности или числа)."),
    ("mlp", "networks", "multilayer perceptron (MLP)", "многослойный персептрон",
     "A stack of fully connected layers with non-linear activations between them.",
     "Последовательность полносвязных слоёв с нелинейными функциями активации между ними."),
    ("universal_approximation", "networks", "universal approximation theorem", "универсальная теорема аппроксимации",
     "One hidden layer with enough neurons can approximate any continuous function on a bounded set as closely "
     "as wanted (Cybenko, 1989).",
     "Сеть с одним достаточно широким скрытым слоем сколь угодно точно приближает любую непрерывную функцию на "
     "ограниченном множестве (Цыбенко, 1989)."),
    ("parameter_count", "networks", "number of parameters", "число параметров",
     "How many weights and biases a model learns; a dense layer from n to m values has n·m + m.",
     "Сколько весов и смещений обучает модель; у полносвязного слоя из n в m значений их n·m + m."),
    ("flops", "networks", "FLOPs (multiply-adds)", "FLOPs (умножения со сложением)",
     "The count of multiply-add operations one forward pass needs: a measure of a network's cost.",
     "Число операций умножения со сложением за один прямой проход: мера вычислительной стоимости сети."),
    ("residual_connection", "networks", "residual (skip) connection", "остаточная связь",
     "A shortcut that adds a block's input to its output, so that very deep networks (ResNet) still train.",
     "Обходной путь, прибавляющий вход блока к его выходу; благодаря ему обучаются очень глубокие сети (ResNet)."),
    ("feature", "networks", "feature", "признак",
     "One measured property of an example, given to the network as an input number.",
     "Одно измеренное свойство объекта, которое сеть получает как входное число."),
    ("logit", "networks", "logit", "логит",
     "A raw score before the sigmoid or softmax turns it into a probability.",
     "Необработанная оценка до того, как сигмоида или softmax превратят её в вероятность."),
    # ---- activations
    ("activation_function", "activations", "activation function", "функция активации",
     "The non-linear function a neuron applies to its sum; without it stacked layers collapse into one linear map.",
     "Нелинейная функция от суммы нейрона; без неё несколько слоёв сводятся к одному линейному отображению."),
    ("sigmoid", "activations", "sigmoid (logistic function)", "сигмоида (логистическая функция)",
     "σ(x) = 1 / (1 + e^(−x)), squashing any number into (0, 1); its derivative is σ(1 − σ).",
     "σ(x) = 1 / (1 + e^(−x)) переводит любое число в (0, 1); её производная равна σ(1 − σ)."),
    ("tanh", "activations", "hyperbolic tangent", "гиперболический тангенс",
     "tanh(x), an S-shaped curve with values in (−1, 1), centred at zero; its derivative is 1 − tanh².",
     "tanh(x): S-образная кривая со значениями в (−1, 1), симметричная относительно нуля; производная 1 − tanh²."),
    ("relu", "activations", "ReLU (rectified linear unit)", "ReLU (линейный выпрямитель)",
     "max(0, x): passes positive values unchanged and zeroes the rest; cheap and does not saturate for x > 0.",
     "max(0, x): положительные значения пропускает без изменений, остальные обнуляет; не насыщается при x > 0."),
    ("leaky_relu", "activations", "Leaky ReLU", "Leaky ReLU (ReLU с утечкой)",
     "Like ReLU but with a small slope for negative inputs, so those neurons still receive a gradient.",
     "Как ReLU, но с малым наклоном при отрицательных входах, чтобы такие нейроны тоже получали градиент."),
    ("softmax", "activations", "softmax", "softmax (многомерная логистическая функция)",
     "Turns a vector of scores into probabilities: exponentiate each and divide by the sum.",
     "Переводит вектор оценок в вероятности: берёт экспоненту каждой и делит на их сумму."),
    ("elu", "activations", "ELU (exponential linear unit)", "ELU (экспоненциальная линейная функция)",
     "x for x > 0 and α(e^x − 1) below: smooth at zero, with negative outputs that pull the mean towards zero.",
     "x при x > 0 и α(e^x − 1) иначе: гладкая около нуля, отрицательные значения сдвигают среднее к нулю."),
    ("gelu", "activations", "GELU", "GELU",
     "x·Φ(x), the input weighted by the normal distribution function: a smooth ReLU used in transformers.",
     "x·Φ(x), вход, умноженный на функцию нормального распределения: сглаженный вариант ReLU."),
    ("saturation", "activations", "saturation", "насыщение",
     "The flat region of an activation where its derivative is nearly zero, so almost no gradient passes.",
     "Пологая область функции активации, где производная почти нулевая и градиент почти не проходит."),
    ("dead_neuron", "activations", "dead neuron", "мёртвый нейрон",
     "A ReLU neuron whose sum is negative for every input, so its output and gradient stay zero for good.",
     "Нейрон с ReLU, сумма которого отрицательна на всех входах: выход и градиент навсегда нулевые."),
    # ---- backpropagation
    ("computational_graph", "backpropagation", "computational graph", "вычислительный граф",
     "A graph whose nodes are operations and values, showing how the output is computed from the inputs.",
     "Граф из операций и значений, показывающий, как выход вычисляется из входов."),
    ("static_graph", "backpropagation", "static computational graph", "статический вычислительный граф",
     "A graph built once before any data flows through it and then reused for every input.",
     "Граф, который строится один раз до подачи данных и затем используется для всех входов."),
    ("dynamic_graph", "backpropagation", "dynamic computational graph", "динамический вычислительный граф",
     "A graph recorded anew while the code runs, so loops and branches can change it from input to input.",
     "Граф, который записывается заново при каждом выполнении кода; циклы и ветвления могут его менять."),
    ("forward_pass", "backpropagation", "forward pass", "прямой проход",
     "Computing every node's value from the inputs towards the output.",
     "Вычисление значений всех узлов графа от входов к выходу."),
    ("backpropagation", "backpropagation", "backpropagation", "обратное распространение ошибки",
     "Computing the loss's gradient with respect to every parameter by the chain rule, from the output back to "
     "the inputs.",
     "Вычисление градиента функции потерь по всем параметрам с помощью цепного правила, от выхода к входам."),
    ("chain_rule", "backpropagation", "chain rule", "правило дифференцирования сложной функции",
     "The derivative of a composition is the product of the derivatives of its parts: dz/dx = dz/dy · dy/dx.",
     "Производная композиции равна произведению производных её частей: dz/dx = dz/dy · dy/dx."),
    ("gradient", "backpropagation", "gradient", "градиент",
     "The vector of partial derivatives of a function; it points where the function grows fastest.",
     "Вектор частных производных функции; указывает направление её наискорейшего роста."),
    ("local_gradient", "backpropagation", "local gradient", "локальный градиент",
     "The derivative of one node's output with respect to its own input, known without the rest of the graph.",
     "Производная выхода одного узла по его входу; известна без остальной части графа."),
    ("gate_patterns", "backpropagation", "gradient flow through gates", "прохождение градиента через узлы",
     "Backward, an addition copies the gradient to its inputs, a product swaps the inputs' values, a max routes it "
     "to the larger one.",
     "При обратном проходе сложение копирует градиент входам, умножение меняет входы местами, максимум отдаёт его "
     "большему."),
    ("jacobian", "backpropagation", "Jacobian matrix", "матрица Якоби",
     "The matrix of all partial derivatives of a vector function's outputs with respect to its inputs.",
     "Матрица всех частных производных выходов векторной функции по её входам."),
    ("gradient_check", "backpropagation", "gradient check", "проверка градиента",
     "Comparing an analytic gradient with a finite-difference estimate to find mistakes in backward code.",
     "Сравнение аналитического градиента с конечно-разностной оценкой, чтобы найти ошибки в обратном проходе."),
    ("vanishing_gradient", "backpropagation", "vanishing gradient", "затухание градиента",
     "Gradients shrink layer after layer on the way back, so the early layers barely learn.",
     "При движении назад градиенты уменьшаются от слоя к слою, и первые слои почти не обучаются."),
    ("exploding_gradient", "backpropagation", "exploding gradient", "взрыв градиента",
     "Gradients grow layer after layer on the way back until the updates overshoot and training diverges.",
     "При движении назад градиенты растут от слоя к слою, шаги становятся огромными и обучение расходится."),
    ("gradient_clipping", "backpropagation", "gradient clipping", "ограничение нормы градиента",
     "Rescaling a gradient whose norm exceeds a threshold, a guard against exploding gradients.",
     "Уменьшение градиента, норма которого больше порога; защита от взрыва градиента."),
    # ---- losses and training
    ("loss_function", "training", "loss function", "функция потерь",
     "A number that measures how wrong the predictions are; training makes it small.",
     "Число, показывающее, насколько ошибаются предсказания; обучение стремится его уменьшить."),
    ("mse", "training", "mean squared error", "среднеквадратичная ошибка",
     "The average of squared differences between predictions and targets: the usual regression loss.",
     "Среднее квадратов разностей предсказаний и ответов: обычная функция потерь для регрессии."),
    ("cross_entropy", "training", "cross-entropy", "перекрёстная энтропия",
     "Minus the log-probability the model gives the correct class: the usual classification loss.",
     "Минус логарифм вероятности, которую модель даёт верному классу: обычная функция потерь классификации."),
    ("classification", "training", "classification", "классификация",
     "Predicting which of a fixed set of classes an example belongs to.",
     "Предсказание, к какому из заданных классов относится объект."),
    ("regression", "training", "regression", "регрессия",
     "Predicting a real number (or several) for each example.",
     "Предсказание действительного числа (или нескольких) для каждого объекта."),
    ("gradient_descent", "training", "gradient descent", "градиентный спуск",
     "Repeatedly moving the parameters a small step against the gradient of the loss.",
     "Многократный сдвиг параметров на малый шаг против градиента функции потерь."),
    ("sgd", "training", "stochastic gradient descent (SGD)", "стохастический градиентный спуск",
     "Gradient descent that estimates the gradient on a small random part of the data at each step.",
     "Градиентный спуск, оценивающий градиент на каждом шаге по небольшой случайной части данных."),
    ("minibatch", "training", "minibatch", "мини-батч",
     "The small random group of examples used for one gradient step.",
     "Небольшая случайная группа примеров, по которой делается один шаг градиентного спуска."),
    ("batch_size", "training", "batch size", "размер батча",
     "How many examples go into one minibatch.",
     "Сколько примеров входит в один мини-батч."),
    ("epoch", "training", "epoch", "эпоха",
     "One full pass over the training set.",
     "Один полный проход по обучающей выборке."),
    ("learning_rate", "training", "learning rate", "скорость обучения",
     "The step size η that multiplies the gradient in each update.",
     "Размер шага η, на который умножается градиент при каждом обновлении."),
    ("learning_rate_schedule", "training", "learning-rate schedule (decay)", "расписание скорости обучения",
     "A rule that lowers the learning rate as training goes on (step, exponential or cosine decay).",
     "Правило, по которому скорость обучения уменьшается по ходу обучения (ступенчато, экспоненциально и т. п.)."),
    ("hyperparameter", "training", "hyperparameter", "гиперпараметр",
     "A setting chosen before training rather than learned: learning rate, layer sizes, batch size.",
     "Настройка, которую выбирают до обучения, а не обучают: скорость обучения, размеры слоёв, размер батча."),
    ("initialisation", "training", "weight initialisation", "инициализация весов",
     "How weights are drawn before training; Xavier and He scale them so signals keep their size through layers.",
     "Выбор начальных весов; схемы Xavier и He подбирают масштаб так, чтобы сигнал не затухал по слоям."),
    ("training_set", "training", "training set", "обучающая выборка",
     "The examples whose loss the optimiser minimises.",
     "Примеры, на которых оптимизатор уменьшает функцию потерь."),
    ("validation_set", "training", "validation set", "валидационная выборка",
     "Held-out examples used to choose hyperparameters and decide when to stop.",
     "Отложенные примеры для выбора гиперпараметров и момента остановки обучения."),
    ("test_set", "training", "test set", "тестовая выборка",
     "Examples kept aside until the end, to estimate how the final model does on new data.",
     "Примеры, отложенные до самого конца, чтобы оценить качество итоговой модели на новых данных."),
    ("accuracy", "training", "accuracy", "точность (доля верных ответов)",
     "The fraction of examples whose predicted class is the correct one.",
     "Доля примеров, для которых предсказанный класс совпадает с верным."),
    ("overfitting", "training", "overfitting", "переобучение",
     "Fitting the training set so closely that the error on new data grows.",
     "Слишком точная подгонка под обучающую выборку, при которой ошибка на новых данных растёт."),
    ("early_stopping", "training", "early stopping", "ранняя остановка",
     "Ending training once the validation loss has stopped improving for a number of epochs.",
     "Прекращение обучения, когда потери на валидационной выборке несколько эпох не улучшаются."),
    # ---- optimisers
    ("momentum", "optimisation", "momentum", "момент (импульс)",
     "Keeping a running velocity of past gradients and stepping along it, which damps zig-zags in ravines.",
     "Накопление скорости из прошлых градиентов и шаг вдоль неё; гасит зигзаги в вытянутых оврагах."),
    ("nesterov", "optimisation", "Nesterov momentum", "момент Нестерова",
     "Momentum that takes the gradient at the point the velocity is about to reach, not at the current one.",
     "Вариант момента, в котором градиент берётся в точке, куда ведёт накопленная скорость, а не в текущей."),
    ("adagrad", "optimisation", "AdaGrad", "AdaGrad",
     "Divides each parameter's step by the root of its summed squared gradients, so frequent directions slow down.",
     "Делит шаг каждого параметра на корень из суммы квадратов его градиентов; частые направления замедляются."),
    ("rmsprop", "optimisation", "RMSProp", "RMSProp",
     "Like AdaGrad, but with a decaying average of squared gradients, so the steps do not shrink to zero.",
     "Как AdaGrad, но со скользящим средним квадратов градиентов, чтобы шаги не убывали до нуля."),
    ("adam", "optimisation", "Adam", "Adam",
     "Momentum plus RMSProp-style scaling, with both averages corrected for their start at zero.",
     "Момент вместе с масштабированием как в RMSProp; оба средних исправлены за старт с нуля."),
    ("bias_correction", "optimisation", "bias correction", "поправка на смещение",
     "Dividing Adam's averages by 1 − β^t so that the first steps are not too small.",
     "Деление средних в Adam на 1 − β^t, чтобы первые шаги не были слишком малы."),
    ("local_minimum", "optimisation", "local minimum", "локальный минимум",
     "A point lower than its neighbours but not the lowest overall; gradient descent can stop there.",
     "Точка ниже соседних, но не самая низкая; градиентный спуск может в ней остановиться."),
    ("saddle_point", "optimisation", "saddle point", "седловая точка",
     "A point with zero gradient that is a minimum along some directions and a maximum along others.",
     "Точка с нулевым градиентом: минимум по одним направлениям и максимум по другим."),
    ("condition_number", "optimisation", "condition number", "число обусловленности",
     "The ratio of the largest to the smallest curvature; a large one makes a narrow valley that slows descent.",
     "Отношение наибольшей кривизны к наименьшей; большое значение даёт узкий овраг, замедляющий спуск."),
    # ---- regularisation
    ("regularisation", "regularisation", "regularisation", "регуляризация",
     "Any change to training that trades a little fit on the training set for better results on new data.",
     "Любое изменение обучения, жертвующее частью точности на обучающей выборке ради качества на новых данных."),
    ("weight_decay", "regularisation", "weight decay (L2 penalty)", "затухание весов (L2-регуляризация)",
     "Adding λ‖w‖² to the loss, which pulls every weight towards zero at each step.",
     "Добавка λ‖w‖² к функции потерь, притягивающая веса к нулю на каждом шаге."),
    ("l1_penalty", "regularisation", "L1 penalty", "L1-регуляризация",
     "Adding λ‖w‖₁ to the loss, which drives many weights to exactly zero.",
     "Добавка λ‖w‖₁ к функции потерь, обнуляющая многие веса."),
    ("dropout", "regularisation", "dropout", "прореживание (dropout)",
     "During training each neuron is switched off at random with probability p, so none can rely on another.",
     "Во время обучения каждый нейрон случайно выключается с вероятностью p, и нейроны не подстраиваются друг "
     "под друга."),
    ("inverted_dropout", "regularisation", "inverted dropout", "обратное прореживание",
     "The usual convention: kept activations are divided by 1 − p during training, so inference needs no change.",
     "Принятое соглашение: при обучении оставшиеся значения делят на 1 − p, и при применении ничего не меняют."),
    ("entropy_penalty", "regularisation", "entropy penalty", "штраф за энтропию",
     "A term that rewards (or penalises) confident output distributions by adding their entropy to the loss.",
     "Слагаемое функции потерь с энтропией выходного распределения, поощряющее или штрафующее уверенность."),
    ("batch_normalisation", "regularisation", "batch normalisation", "пакетная нормализация",
     "Normalising each feature over the minibatch to zero mean and unit variance, then scaling by learned γ, β.",
     "Приведение каждого признака по мини-батчу к нулевому среднему и единичной дисперсии с обучаемыми γ и β."),
    ("data_augmentation", "regularisation", "data augmentation", "аугментация данных",
     "Making extra training examples by label-preserving changes: flips, crops, shifts, colour jitter.",
     "Получение новых обучающих примеров изменениями, не меняющими ответ: отражения, обрезка, сдвиги, цвет."),
]


def glossary() -> list:
    """Every term as a ``Term`` (key, topic, en, ru, en_definition, ru_definition), in teaching order."""
    return [Term(*row) for row in _ROWS]


def topics() -> list:
    """The topics in teaching order."""
    return list(dict.fromkeys(row[1] for row in _ROWS))


def term(key: str) -> Term:
    """The row with ``key`` (e.g. ``"backpropagation"``)."""
    for row in _ROWS:
        if row[0] == key:
            return Term(*row)
    raise KeyError(f"glossary: no term with key {key!r}; keys are {[row[0] for row in _ROWS]}")


def lookup(text: str) -> Term:
    """The row whose English or Russian name is ``text`` (case-insensitive)."""
    wanted = text.strip().lower()
    for t in glossary():
        if wanted in (t.en.lower(), t.ru.lower()):
            return t
    raise KeyError(f"glossary: no term named {text!r} in English or Russian")
