r"""Counting parameters and FLOPs of well-known architectures (beside the five topics).

A network is a list of *layer specifications* — ``Conv2d``, ``Linear``, ``MaxPool2d``, ``AvgPool2d``,
``GlobalAvgPool``, ``BatchNorm2d``, ``ReLU``, ``Flatten`` and ``Residual`` (a body and a shortcut whose
outputs are added). ``count(specs, input_shape)`` pushes a shape ``(C, H, W)`` (or ``(F,)``) through them
and returns a ``Summary`` with one row per layer.

Conventions (those of the ResNet paper, He et al. 2015, Table 1):

* **FLOPs are multiply-adds** (MACs): one :math:`a \leftarrow a + w x` counts once. A convolution with a
  :math:`k_h \times k_w` kernel, :math:`C_{in}` input and :math:`C_{out}` output channels and an output of
  :math:`H_{out} \times W_{out}` costs :math:`k_h k_w C_{in} C_{out} H_{out} W_{out}`; a linear layer
  :math:`F_{in} F_{out}`. Only convolutions and linear layers enter ``Summary.macs``; batch norm, ReLU,
  pooling and the residual addition are counted separately in ``Summary.other_ops`` (one operation per
  element, or per window element for pooling) — they add well under 1 % to a ResNet. Multiply by 2 for
  "FLOPs" counted as separate multiplications and additions.
* **Parameters** are the learnable ones: weights, biases, and batch norm's :math:`\gamma, \beta` (its running
  statistics are buffers, not parameters), as PyTorch's ``sum(p.numel() for p in model.parameters())``.
* In the paper's bottleneck block the stride-2 downsampling sits on the first 1×1 convolution
  (``stride_on="1x1"``, the default); torchvision's "ResNet v1.5" moves it to the 3×3 convolution
  (``stride_on="3x3"``), which leaves the parameters unchanged and raises ResNet-50 from 3.9 to 4.1 GMACs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The lecture's table (ResNet paper, Table 1): multiply-adds in units of 10^9 for a 224x224 input.
RESNET_GFLOPS_LECTURE = {18: 1.8, 34: 3.6, 50: 3.8, 101: 7.6, 152: 11.3}


def _pair(v):
    return (v, v) if np.isscalar(v) else tuple(v)


def _need_image(layer, shape):
    if len(shape) != 3:
        raise ValueError(f"{layer!r} needs an image shape (C, H, W), got {shape}; "
                         "put it before Flatten/GlobalAvgPool")
    return shape


def _window_out(layer, shape, kernel, stride, padding):
    """Output (H, W) of a sliding window: :math:`\\lfloor (H + 2p - k)/s \\rfloor + 1`."""
    _, h, w = shape
    (kh, kw), (sh, sw), (ph, pw) = _pair(kernel), _pair(stride), _pair(padding)
    oh, ow = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    if oh < 1 or ow < 1:
        raise ValueError(f"{layer!r}: a {kh}x{kw} window does not fit in an input of {h}x{w} "
                         f"(padding {ph}x{pw}); use a larger input or a smaller kernel")
    return oh, ow


class LayerSpec:
    """A layer specification: ``count(shape) -> (output_shape, params, macs, other_ops)``."""

    def count(self, shape):  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class Conv2d(LayerSpec):
    in_channels: int
    out_channels: int
    kernel_size: int | tuple = 3
    stride: int | tuple = 1
    padding: int | tuple = 0
    bias: bool = True

    def count(self, shape):
        c = _need_image(self, shape)[0]
        if c != self.in_channels:
            raise ValueError(f"{self!r} got an input with {c} channels; expected {self.in_channels}")
        oh, ow = _window_out(self, shape, self.kernel_size, self.stride, self.padding)
        kh, kw = _pair(self.kernel_size)
        weights = kh * kw * self.in_channels * self.out_channels
        params = weights + (self.out_channels if self.bias else 0)
        return (self.out_channels, oh, ow), params, weights * oh * ow, 0


@dataclass(frozen=True)
class Linear(LayerSpec):
    in_features: int
    out_features: int
    bias: bool = True

    def count(self, shape):
        if shape != (self.in_features,):
            raise ValueError(f"{self!r} got an input of shape {shape}; expected ({self.in_features},)")
        weights = self.in_features * self.out_features
        return (self.out_features,), weights + (self.out_features if self.bias else 0), weights, 0


@dataclass(frozen=True)
class MaxPool2d(LayerSpec):
    kernel_size: int | tuple = 2
    stride: int | tuple | None = None
    padding: int | tuple = 0

    def count(self, shape):
        c = _need_image(self, shape)[0]
        stride = self.kernel_size if self.stride is None else self.stride
        oh, ow = _window_out(self, shape, self.kernel_size, stride, self.padding)
        return (c, oh, ow), 0, 0, int(np.prod(_pair(self.kernel_size))) * c * oh * ow


class AvgPool2d(MaxPool2d):
    pass


@dataclass(frozen=True)
class GlobalAvgPool(LayerSpec):
    """Average each channel over the whole image: (C, H, W) -> (C,)."""

    def count(self, shape):
        c, h, w = _need_image(self, shape)
        return (c,), 0, 0, c * h * w


@dataclass(frozen=True)
class Flatten(LayerSpec):
    def count(self, shape):
        return (int(np.prod(shape)),), 0, 0, 0


@dataclass(frozen=True)
class BatchNorm2d(LayerSpec):
    num_features: int

    def count(self, shape):
        if _need_image(self, shape)[0] != self.num_features:
            raise ValueError(f"{self!r} got an input with {shape[0]} channels; expected {self.num_features}")
        return shape, 2 * self.num_features, 0, int(np.prod(shape))


@dataclass(frozen=True)
class ReLU(LayerSpec):
    def count(self, shape):
        return shape, 0, 0, int(np.prod(shape))


@dataclass(frozen=True)
class Residual(LayerSpec):
    """``body(x) + shortcut(x)``; an empty shortcut is the identity."""
    body: tuple
    shortcut: tuple = ()
    name: str = "residual"

    def count(self, shape):
        out, rows = shape, []
        for branch in (self.body, self.shortcut):
            s = count(branch, shape)
            rows.append(s)
            if out is shape:
                out = s.output_shape
        if rows[1].output_shape != rows[0].output_shape:
            raise ValueError(f"{self.name}: body gives {rows[0].output_shape} but the shortcut gives "
                             f"{rows[1].output_shape}; add a projection to the shortcut")
        n = int(np.prod(out))
        return out, sum(r.params for r in rows), sum(r.macs for r in rows), \
            sum(r.other_ops for r in rows) + n


@dataclass
class Summary:
    """Result of ``count``: totals and one row ``(name, output shape, params, macs)`` per layer."""
    rows: list
    input_shape: tuple
    output_shape: tuple
    params: int
    macs: int
    other_ops: int

    @property
    def gmacs(self) -> float:
        """Multiply-adds in units of :math:`10^9` (the ResNet table's "FLOPs")."""
        return self.macs / 1e9

    def table(self, lang: str | None = None) -> str:
        """One line per layer (name, output shape, parameters, multiply-adds) and the total, headed in ``lang``
        (default: the process-wide language, ``course_lib.set_language``); layer names are kept."""
        from course_lib.language import label

        head = [label(f"table.{k}", lang) for k in ("layer", "output", "params", "macs", "total")]
        lines = [f"{head[0]:<28}{head[1]:>18}{head[2]:>14}{head[3]:>16}"]
        for name, shape, params, macs in self.rows:
            lines.append(f"{name:<28}{str(shape):>18}{params:>14,}{macs:>16,}")
        lines.append(f"{head[4]:<28}{str(self.output_shape):>18}{self.params:>14,}{self.macs:>16,}")
        return "\n".join(lines)


def _name(layer):
    return getattr(layer, "name", None) or type(layer).__name__


def count(specs, input_shape) -> Summary:
    """Push ``input_shape`` ((C, H, W) or (F,)) through the layer specifications and total their costs."""
    specs = list(specs)
    shape = tuple(int(s) for s in input_shape)
    if not shape or min(shape) < 1:
        raise ValueError(f"count: input_shape must be positive sizes like (3, 224, 224), got {input_shape}")
    start, rows, params, macs, other = shape, [], 0, 0, 0
    for layer in specs:
        if not isinstance(layer, LayerSpec):
            raise TypeError(f"count: {layer!r} is not a layer specification (Conv2d, Linear, ...)")
        shape, p, m, o = layer.count(shape)
        rows.append((_name(layer), shape, p, m))
        params, macs, other = params + p, macs + m, other + o
    return Summary(rows, start, shape, params, macs, other)


# --------------------------------------------------------------------------- the well-known networks
RESNET_BLOCKS = {18: ("basic", (2, 2, 2, 2)), 34: ("basic", (3, 4, 6, 3)), 50: ("bottleneck", (3, 4, 6, 3)),
                 101: ("bottleneck", (3, 4, 23, 3)), 152: ("bottleneck", (3, 8, 36, 3))}


def _conv_bn(cin, cout, k, stride=1, relu=True):
    layers = [Conv2d(cin, cout, k, stride, k // 2, bias=False), BatchNorm2d(cout)]
    return layers + [ReLU()] if relu else layers


def _block(kind, cin, width, stride, stride_on, name):
    """One residual block; ``width`` is the 3x3 convolution's channel count."""
    if kind == "basic":
        cout = width
        body = _conv_bn(cin, width, 3, stride) + _conv_bn(width, width, 3, 1, relu=False)
    else:
        cout = 4 * width
        s1, s3 = (stride, 1) if stride_on == "1x1" else (1, stride)
        body = (_conv_bn(cin, width, 1, s1) + _conv_bn(width, width, 3, s3)
                + _conv_bn(width, cout, 1, relu=False))
    shortcut = _conv_bn(cin, cout, 1, stride, relu=False) if (stride != 1 or cin != cout) else []
    return [Residual(tuple(body), tuple(shortcut), name), ReLU()], cout


def resnet(depth: int, num_classes: int = 1000, stride_on: str = "1x1") -> list:
    """Layer specifications of ResNet-``depth`` (18, 34, 50, 101, 152) for a (3, 224, 224) input."""
    if depth not in RESNET_BLOCKS:
        raise ValueError(f"resnet: depth must be one of {sorted(RESNET_BLOCKS)}, got {depth!r}")
    if stride_on not in ("1x1", "3x3"):
        raise ValueError(f"resnet: stride_on must be '1x1' (paper) or '3x3' (torchvision v1.5), "
                         f"got {stride_on!r}")
    kind, blocks = RESNET_BLOCKS[depth]
    specs = _conv_bn(3, 64, 7, 2) + [MaxPool2d(3, 2, 1)]
    cin = 64
    for stage, (width, n) in enumerate(zip((64, 128, 256, 512), blocks), start=2):
        for i in range(n):
            stride = 2 if (i == 0 and stage > 2) else 1
            layers, cin = _block(kind, cin, width, stride, stride_on, f"conv{stage}_{i + 1}")
            specs += layers
    return specs + [GlobalAvgPool(), Linear(cin, num_classes)]


def vgg16(num_classes: int = 1000) -> list:
    """VGG-16 (configuration D): thirteen 3x3 convolutions in five stages, then three linear layers."""
    specs, cin = [], 3
    for width, n in ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)):
        for _ in range(n):
            specs += [Conv2d(cin, width, 3, 1, 1), ReLU()]
            cin = width
        specs.append(MaxPool2d(2))
    return specs + [Flatten(), Linear(512 * 7 * 7, 4096), ReLU(), Linear(4096, 4096), ReLU(),
                    Linear(4096, num_classes)]


def resnet_table(stride_on: str = "1x1") -> dict:
    """``{depth: (params, GMACs)}`` for the five ResNets on a (3, 224, 224) input."""
    out = {}
    for depth in RESNET_BLOCKS:
        s = count(resnet(depth, stride_on=stride_on), (3, 224, 224))
        out[depth] = (s.params, s.gmacs)
    return out
