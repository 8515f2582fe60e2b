"""The fast path: the same computations as the reference modules, arranged for speed (opt-in).

``course_lib.optim``, ``course_lib.layers`` read like the lectures; these modules compute the same numbers
(``tests/course_lib/test_fast_equivalence.py``) with the tricks that make ``course_lib`` competitive with
PyTorch on a CPU, each documented with what it buys in measured numbers (``docs/benchmarks.md``):

* ``course_lib.fast.optim``: the optimisers over one flat buffer, fused chunked updates, scaled-moment Adam;
* ``course_lib.fast.layers``: Linear in BLAS's faster orientation, ReLU, a Sequential that skips the input
  gradient of the data; ``from_reference(model)`` builds the fast twin of a model;
* ``course_lib.fast.flat``, ``course_lib.fast.blas``: the flat buffer and the OpenBLAS warm-up.

Use::

    from course_lib.fast import layers as fast_layers, optim as fast_optim
    model = fast_layers.from_reference(model)
    opt = fast_optim.Adam(model.parameters())
"""
