"""An interrupt (Ctrl-C, ``kill``) that arrives during an atomic write takes effect once the file is in place."""

from __future__ import annotations

import os
import signal

import pytest
import torch

from trainlab.atomic import atomic_write


def test_a_ctrl_c_inside_a_write_waits_for_the_file(tmp_path):
    path = tmp_path / "state.pt"

    def write(f):
        os.kill(os.getpid(), signal.SIGINT)  # arrives in the middle of the write
        torch.save({"w": torch.arange(1000.0)}, f)

    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, write)
    assert torch.equal(torch.load(path, weights_only=True)["w"], torch.arange(1000.0))
    assert not [n for n in os.listdir(tmp_path) if ".tmp-" in n]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is put back


def test_a_sigterm_handler_runs_after_the_write(tmp_path):
    seen = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append(os.path.exists(tmp_path / "a.pt")))
    try:
        atomic_write(tmp_path / "a.pt", lambda f: (os.kill(os.getpid(), signal.SIGTERM), f.write(b"x")))
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert seen == [True]  # the handler ran once, after the file was in place
