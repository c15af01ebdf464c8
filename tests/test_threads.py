"""torch's thread count: the automatic rule, the order flag > environment > rule, and bad values."""

from __future__ import annotations

import pytest
import torch
from click.testing import CliRunner

from trainlab.cli import COMMAND_WORK, apply_threads, main
from trainlab.constraints import InvalidArgument
from trainlab.threads import ENV, WORK_PER_THREAD, choose_threads, forward_work, free_cores, thread_setting


@pytest.fixture
def keep_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_small_work_runs_on_one_thread_and_large_work_on_one_per_share():
    assert choose_threads(2 * WORK_PER_THREAD - 1, cores=8) == 1
    assert choose_threads(2 * WORK_PER_THREAD, cores=8) == 2
    assert choose_threads(5 * WORK_PER_THREAD + 1, cores=8) == 5
    assert choose_threads(100 * WORK_PER_THREAD, cores=8) == 8
    assert forward_work([10, 64, 64, 1], rows=442) == COMMAND_WORK == 442 * (640 + 4096 + 64)
    assert choose_threads(COMMAND_WORK, cores=64) == 1


@pytest.mark.parametrize(("flag", "env", "expected"), [
    ("3", {ENV: "2"}, (3, "--threads")), (3, {}, (3, "--threads")), (None, {ENV: " 2 "}, (2, ENV)),
    (None, {}, (1, "automatic")), (None, {ENV: ""}, (1, "automatic")),
])
def test_the_flag_beats_the_environment_which_beats_the_rule(flag, env, expected):
    assert thread_setting(flag, env, work=1, cores=4) == expected


def test_the_rule_sees_the_work_when_nothing_is_given():
    assert thread_setting(None, {}, work=10 * WORK_PER_THREAD, cores=4) == (4, "automatic")


@pytest.mark.parametrize("bad", ["0", "-1", "x", "1.5", "", 0, 2.0, True])
def test_bad_flag_values_get_the_one_template(bad):
    if bad == "":  # an empty flag is a value given, not "unset"
        with pytest.raises(InvalidArgument, match=r"The 'threads' parameter of trainlab must be an int"):
            thread_setting(bad, {}, work=1)
        return
    with pytest.raises(InvalidArgument, match=r"The 'threads' parameter of trainlab must be an int .* Got "):
        thread_setting(bad, {ENV: "2"}, work=1)


@pytest.mark.parametrize("bad", ["0", "two", "-3"])
def test_bad_environment_values_get_the_one_template(bad):
    says = rf"The '{ENV}' parameter of trainlab must be an int .* Got '?{bad}'? instead"
    with pytest.raises(InvalidArgument, match=says):
        thread_setting(None, {ENV: bad}, work=1)


def test_the_command_line_applies_the_setting_before_the_command(keep_threads, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    assert apply_threads("3") == (3, "--threads") and torch.get_num_threads() == 3
    assert apply_threads(None, {ENV: "2"}) == (2, ENV) and torch.get_num_threads() == 2
    assert apply_threads(None, {}) == (1, "automatic") and torch.get_num_threads() == 1
    result = CliRunner().invoke(main, ["--threads", "2", "schedules", "list"])
    assert result.exit_code == 0 and torch.get_num_threads() == 2


@pytest.mark.parametrize(("args", "env", "says"), [
    (["--threads", "0"], {}, "Invalid value for '--threads': must be an int in the range [1, inf). Got 0 instead."),
    (["--threads", "many"], {}, "Invalid value for '--threads': must be an int in the range [1, inf). Got 'many'"),
    ([], {ENV: "0"}, f"Invalid value for '{ENV}': must be an int in the range [1, inf). Got 0 instead."),
])
def test_the_command_line_rejects_bad_values_with_a_message(keep_threads, monkeypatch, args, env, says):
    monkeypatch.delenv(ENV, raising=False)
    result = CliRunner().invoke(main, [*args, "schedules", "list"], env=env)
    assert result.exit_code == 2 and says in result.output and "Traceback" not in result.output


def test_free_cores_leave_out_the_busy_ones(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    monkeypatch.setattr("os.getloadavg", lambda: (5.5, 0.0, 0.0))
    assert free_cores() == 3 and choose_threads(100 * WORK_PER_THREAD) == 3
    monkeypatch.setattr("os.getloadavg", lambda: (30.0, 0.0, 0.0))
    assert free_cores() == 1 and choose_threads(100 * WORK_PER_THREAD) == 1
