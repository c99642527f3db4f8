"""WeightsOnlyCheckpointHook: buffers survive a weights_only round trip."""
import io

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

from mmfacerfcn.engine import WeightsOnlyCheckpointHook


def test_history_buffers_round_trip_through_safe_load():
    buf = HistoryBuffer()
    for v, c in [(1.5, 1), (2.0, 2), (4.0, 1)]:
        buf.update(v, c)
    ckpt = {'message_hub': {'log_scalars': {'train/loss': buf},
                            'runtime_info': {'best': np.float64(0.5)}}}
    hook = WeightsOnlyCheckpointHook()
    hook.before_save_checkpoint(None, ckpt)
    stream = io.BytesIO()
    torch.save(ckpt, stream)
    stream.seek(0)
    loaded = torch.load(stream, weights_only=True)
    hook.after_load_checkpoint(None, loaded)
    back = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(back, HistoryBuffer)
    np.testing.assert_array_equal(back.data[0], buf.data[0])
    np.testing.assert_array_equal(back.data[1], buf.data[1])
    assert back.mean() == buf.mean() and back.current() == 4.0


def test_unconverted_buffer_is_refused_by_safe_load():
    buf = HistoryBuffer()
    buf.update(1.0)
    stream = io.BytesIO()
    torch.save({'log_scalars': {'x': buf}}, stream)
    stream.seek(0)
    try:
        torch.load(stream, weights_only=True)
    except Exception as e:  # the reason the hook exists
        assert 'getattr' in str(e) or 'HistoryBuffer' in str(e)
    else:
        raise AssertionError('an mmengine HistoryBuffer loaded under '
                             'weights_only: the hook may no longer be needed')
