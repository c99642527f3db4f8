"""Attributes set for the length of a ``with`` block, then put back."""
from contextlib import contextmanager
from typing import Any, Iterator


@contextmanager
def overridden(obj: Any, **values: Any) -> Iterator[Any]:
    """Set attributes of ``obj`` inside the block; restore them after it,
    also when it raises.

    For the test configs a detector's heads read at each call (an mmengine
    ``ConfigDict`` takes attributes as keys), e.g. fewer RPN proposals while
    a hook collects detections::

        with overridden(model.rpn_head.test_cfg, max_per_img=300):
            ...

    Args:
        obj: The object (a module, a ``ConfigDict``).
        **values: Attribute names and the values they take in the block.

    Yields:
        ``obj``.
    """
    saved = {name: getattr(obj, name) for name in values}
    try:
        for name, value in values.items():
            setattr(obj, name, value)
        yield obj
    finally:
        for name, value in saved.items():
            setattr(obj, name, value)
