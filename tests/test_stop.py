"""stop: the first SIGINT/SIGTERM asks for a stop, a second one stops at once."""

import os
import signal
import time

import pytest

from report.service.stop import StopSignals


def _signal_and_keep_busy(signum):
    os.kill(os.getpid(), signum)
    for _ in range(3000):  # the handler runs between two of these calls
        time.sleep(0.01)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_first_signal_requests_a_stop_and_a_second_one_interrupts(signum):
    seen = []
    before = signal.getsignal(signum)
    with StopSignals(on_stop=seen.append) as stop:
        os.kill(os.getpid(), signum)
        assert stop.event.wait(30), "the first signal did not set the stop event"
        for _ in range(3000):
            if seen:
                break
            time.sleep(0.01)
        assert seen == [signum.name]
        assert stop.signal_name == signum.name
        with pytest.raises(KeyboardInterrupt):
            _signal_and_keep_busy(signum)
    assert signal.getsignal(signum) is before, "the previous handler must be restored"
