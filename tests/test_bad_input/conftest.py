"""The bad-input corpus: every tool, fed what a hostile-but-realistic user
feeds it, must refuse with one line that names the file (``file:line`` where
there is a line), exit non-zero, print no traceback and leave nothing
behind. A new tool adds its cases here, one file per tool or kind of input,
checked with :func:`mmfacerfcn.testing.cli.assert_refused`."""
from mmfacerfcn.testing.tiny_wider import tiny_wider  # noqa: F401  (fixture)
