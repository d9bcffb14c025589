"""Faults a notebook user causes: interrupting the kernel while a view computes."""

from __future__ import annotations

import os
import textwrap

import pytest

pytestmark = pytest.mark.slow


def _run(kc, code: str, timeout: float = 300) -> dict:
    """Execute ``code``; its reply content, with the stdout it printed under ``"stdout"``.

    After an error the kernel aborts the requests that reach it while it flushes its queue,
    so a request sent just after an interrupt may come back ``aborted`` without running; it is
    sent again (at most three times), as a user presses Shift+Enter again.
    """
    for _ in range(3):
        result = _run_once(kc, code, timeout)
        if result["status"] != "aborted":
            break
    return result


def _run_once(kc, code: str, timeout: float) -> dict:
    msg_id = kc.execute(textwrap.dedent(code))
    out = []
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
            out.append(msg["content"]["text"])
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    return {**_reply(kc, msg_id, timeout)["content"], "stdout": "".join(out)}


def _reply(kc, msg_id: str, timeout: float) -> dict:
    """The shell reply to ``msg_id``, passing over replies to earlier requests.

    ``start_new_kernel`` may send more than one ``kernel_info_request`` while it waits for the
    kernel, so a stale reply can sit in the shell channel ahead of the one asked for.
    """
    while True:
        reply = kc.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply


def test_interrupting_the_kernel_during_a_long_text_leaves_a_usable_view(minilm_path):
    from jupyter_client.manager import start_new_kernel

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    km, kc = start_new_kernel(kernel_name="python3", env=env)
    try:
        setup = f"""
            import threading, torch
            torch.set_num_threads(1)
            from afn_widget import AFNView
            view = AFNView("Warm up.", model={str(minilm_path)!r}).wait(120)
            threads = threading.active_count()
            print("ready", view.status)
        """
        assert "ready ready" in _run(kc, setup)["stdout"]
        msg_id = kc.execute("view.text = 'A long text to read. ' * 4000\nview.wait()")
        import time

        time.sleep(2.0)  # inside view.wait(), while the windows run
        km.interrupt_kernel()
        reply = _reply(kc, msg_id, timeout=120)
        assert reply["content"]["status"] == "error"
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        after = _run(
            kc,
            """
            view.text = "A short text after the interrupt."
            view.wait(300)
            r = view.result
            print("after", view.status, repr(r.text), view.error == "")
            import time; time.sleep(0.5)
            print("threads", threading.active_count() <= threads)
            """,
        )
        assert after["status"] == "ok", after
        assert "after ready 'A short text after the interrupt.' True" in after["stdout"]
        assert "threads True" in after["stdout"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
