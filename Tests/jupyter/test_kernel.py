"""End-to-end tests of `flnb kernel` through Jupyter's own client libraries.

Run by Tests/EndToEndTests/JupyterKernelTests.swift with the test virtual environment's python
(scripts/setup.sh --test) and JUPYTER_PATH pointing at a kernelspec installed by
`flnb kernel install --prefix`. FLNB_BIN is the binary under test.

    python Tests/jupyter/test_kernel.py [-k NAME]
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

import jupyter_kernel_test
from jupyter_client.manager import start_new_kernel
from jupyter_client.session import Session

FLNB = os.environ.get("FLNB_BIN", "flnb")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TIMEOUT = 60


class FlnbKernelProtocolTests(jupyter_kernel_test.KernelTests):
    """The standard conformance suite of jupyter_kernel_test."""

    kernel_name = "flnb"
    language_name = "flscript"
    file_extension = ".flnb"

    code_hello_world = 'print("hello, world")'
    code_generate_error = "no_such_name + 1"
    code_stderr = 'warn("careful")'
    code_execute_result = [
        {"code": "1 + 1", "result": "2"},
        {"code": '"a" + "b"', "result": '"ab"'},
        {"code": "[1, 2] + [3]", "result": "[1, 2, 3]"},
    ]
    code_display_data = [{"code": "plot([1, 4, 2, 8], title: \"loss\")", "mime": "image/svg+xml"}]
    completion_samples = [{"text": "benchmark_n", "matches": {"benchmark_npz"}}, {"text": "x = benchmarks", "matches": {"benchmarks"}}]
    complete_code_samples = ["1 + 1", "x = [1, 2]", ":vars", ""]
    incomplete_code_samples = ["f(1,", "x = [1,", "if true {", "y = 1 +"]
    invalid_code_samples = ["x = )", "1 +* 2"]
    code_inspect_sample = "print"
    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "1 + *"


def execute(kc, code, timeout=TIMEOUT):
    """Runs `code`; returns (reply content, iopub messages of that request until idle)."""
    msg_id = kc.execute(code)
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    messages = []
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        messages.append(msg)
    return reply["content"], messages


class FlnbKernelBehaviourTests(unittest.TestCase):
    """What the conformance suite does not cover: flnb's own outputs, robustness, interrupts."""

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name="flnb", startup_timeout=TIMEOUT)

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=False)

    def test_errors_carry_the_diagnostic_with_its_caret_and_the_session_goes_on(self):
        reply, messages = execute(self.kc, "x = 41\ny = x +* 1")
        self.assertEqual(reply["status"], "error")
        errors = [m for m in messages if m["msg_type"] == "error"]
        self.assertEqual(len(errors), 1)
        traceback = "\n".join(errors[0]["content"]["traceback"])
        self.assertIn("^", traceback)
        self.assertIn("y = x +* 1", traceback)
        reply, messages = execute(self.kc, "z = 1\nz + 1")
        self.assertEqual(reply["status"], "ok")
        results = [m for m in messages if m["msg_type"] == "execute_result"]
        self.assertEqual(results[0]["content"]["data"]["text/plain"], "2")

    def test_runtime_error_keeps_earlier_bindings(self):
        reply, _ = execute(self.kc, 'kept = 7\n[1, 2][5]')
        self.assertEqual(reply["status"], "error")
        self.assertIn("index", reply["evalue"].lower())
        reply, messages = execute(self.kc, "kept")
        self.assertEqual([m["content"]["data"]["text/plain"] for m in messages if m["msg_type"] == "execute_result"], ["7"])

    def test_meta_command_errors_go_to_stderr(self):
        reply, messages = execute(self.kc, ":load /nonexistent/flnb-kernel-test.flnb")
        self.assertEqual(reply["status"], "error")
        streams = [m["content"] for m in messages if m["msg_type"] == "stream"]
        self.assertTrue(any(s["name"] == "stderr" and "nonexistent" in s["text"] for s in streams), streams)

    def test_plot_shows_svg_inline_with_a_text_fallback(self):
        reply, messages = execute(self.kc, "plot([[1, 2, 3], [3, 2, 1]], labels: [\"a\", \"b\"])")
        self.assertEqual(reply["status"], "ok")
        displays = [m["content"]["data"] for m in messages if m["msg_type"] == "display_data"]
        self.assertEqual(len(displays), 1)
        self.assertTrue(displays[0]["image/svg+xml"].startswith("<svg"))
        self.assertIn("text/plain", displays[0])
        self.assertFalse(any(m["msg_type"] == "stream" for m in messages), "the text plot is not printed as well")

    def test_training_progress_is_one_updating_display_and_an_interrupt_keeps_the_run(self):
        execute(self.kc, 'bench = benchmark("seq-digits")')
        execute(self.kc, 'long_run = experiment(bench, mlp(), strategy: derpp(buffer_size: 200), lr: 0.03, batch: 10, epochs: 4000, seed: 3)')
        msg_id = self.kc.execute('long_run.run()')
        time.sleep(2.0)
        # Heartbeats are answered while the cell runs.
        self.assertTrue(self.km.is_alive())
        self.km.interrupt_kernel()  # interrupt_mode "signal": SIGINT
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertIn("interrupted at task 0", reply["content"]["evalue"] + "\n".join(reply["content"]["traceback"]))
        messages = []
        while True:
            msg = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
            messages.append(msg)
        first = [m for m in messages if m["msg_type"] == "display_data"]
        updates = [m for m in messages if m["msg_type"] == "update_display_data"]
        self.assertEqual(len(first), 1, "one progress display")
        display_id = first[0]["content"]["transient"]["display_id"]
        self.assertGreaterEqual(len(updates), 2)
        self.assertTrue(all(u["content"]["transient"]["display_id"] == display_id for u in updates))
        self.assertIn("task 0/5", updates[-1]["content"]["data"]["text/plain"], "numbered as the cursor numbers it")
        self.assertLess(len([m for m in messages if m["msg_type"] == "stream"]), 5, "no flood of progress lines")
        # The run stopped at its last completed batch and stays there.
        _, first_look = execute(self.kc, "long_run.cursor")
        time.sleep(0.5)
        _, second_look = execute(self.kc, "long_run.cursor")
        cursor = [m["content"]["data"]["text/plain"] for m in first_look if m["msg_type"] == "execute_result"]
        again = [m["content"]["data"]["text/plain"] for m in second_look if m["msg_type"] == "execute_result"]
        self.assertEqual(cursor, again)
        self.assertIn("task 0", cursor[0])
        # The next cell can go on training the same run.
        reply, _ = execute(self.kc, 'long_run.step("unit", 1)\nlong_run.cursor')
        self.assertEqual(reply["status"], "ok")

    def test_interrupt_request_on_control_interrupts_too(self):
        msg_id = self.kc.execute("i = 0\nwhile true { i = i + 1 }")
        time.sleep(0.5)
        control = self.kc.control_channel
        control.send(self.kc.session.msg("interrupt_request", {}))
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        reply, messages = execute(self.kc, "i > 0")
        self.assertEqual([m["content"]["data"]["text/plain"] for m in messages if m["msg_type"] == "execute_result"], ["true"])

    def test_malformed_messages_and_bad_signatures_are_dropped(self):
        shell = self.kc.shell_channel.socket
        shell.send_multipart([b"<IDS|MSG>", b"nonsense"])
        shell.send_multipart([b"<IDS|MSG>", b"", b"{not json", b"{}", b"{}", b"{}"])
        forged = Session(key=b"not-the-key", session=self.kc.session.session)
        forged.send(shell, "execute_request", {"code": "forged = 1", "silent": False, "store_history": True,
                                               "user_expressions": {}, "allow_stdin": False})
        reply, messages = execute(self.kc, "1 + 2")
        self.assertEqual(reply["status"], "ok")
        reply, _ = execute(self.kc, "forged")
        self.assertEqual(reply["status"], "error", "a message with a bad signature must not run")

    def test_comm_info_and_kernel_info(self):
        self.kc.comm_info()
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["content"], {"status": "ok", "comms": {}})
        info = self.kc.kernel_info(reply=True, timeout=TIMEOUT)["content"]
        self.assertEqual(info["implementation"], "flnb")
        self.assertEqual(info["protocol_version"], "5.3")


class ConnectionFileTests(unittest.TestCase):
    def test_missing_connection_file_exits_66_naming_it(self):
        path = "/nonexistent/flnb-kernel-connection.json"
        result = subprocess.run([FLNB, "kernel", "-f", path], capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(result.returncode, 66)
        self.assertIn(path, result.stderr)

    def test_unreadable_connection_file_exits_66(self):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "kernel.json")
            with open(path, "w") as f:
                f.write("{\"shell_port\": ")
            result = subprocess.run([FLNB, "kernel", "--connection-file", path], capture_output=True, text=True, timeout=TIMEOUT)
            self.assertEqual(result.returncode, 66)
            self.assertIn(path, result.stderr)


class NotebookThroughJupyterTests(unittest.TestCase):
    def test_quickstart_executed_by_nbclient_records_what_flnb_run_records(self):
        import nbformat
        from nbclient import NotebookClient

        with tempfile.TemporaryDirectory() as folder:
            source = os.path.join(REPO, "notebooks", "quickstart.flnb")
            ipynb = os.path.join(folder, "quickstart.ipynb")
            subprocess.run([FLNB, "convert", source, "--to", "ipynb", "--out", ipynb], check=True, capture_output=True)
            nb = nbformat.read(ipynb, as_version=4)
            nbformat.validate(nb)
            # Blank the recorded outputs so that everything checked below came from the kernel.
            for cell in nb.cells:
                if cell.cell_type == "code":
                    cell.outputs = []
            NotebookClient(nb, kernel_name="flnb", timeout=300, resources={"metadata": {"path": REPO}}).execute()
            executed = os.path.join(folder, "executed.ipynb")
            nbformat.write(nb, executed)
            self.assertTrue(all(c.outputs for c in nb.cells if c.cell_type == "code" and c.source.strip()))
            back = os.path.join(folder, "quickstart.flnb")
            subprocess.run([FLNB, "convert", executed, "--to", "flnb", "--out", back], check=True, capture_output=True)
            # `flnb run --check` compares recorded outputs with a fresh run, timings masked.
            check = subprocess.run([FLNB, "run", "--check", back], capture_output=True, text=True, cwd=REPO, timeout=600)
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
            masked = lambda t: re.sub(r"[0-9.]+ (s|img/s)\b", "T", t)
            with open(source) as a, open(back) as b:
                self.assertEqual(masked(a.read()), masked(b.read()))


if __name__ == "__main__":
    unittest.main(verbosity=2)
