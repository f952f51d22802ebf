"""Round-trip latency of a trivial cell through jupyter_client (not a timed test).

    .venv-test/bin/python bench/jupyter/latency.py [--kernel flnb] [-n 100]

Starts the kernel, runs `1 + 1` n times (after 10 warm-up runs) and prints the median, 10th and
90th percentile of execute_request → idle status, with the execute_result checked every time.
The goal for flnb is a median under 10 ms.
"""
import argparse
import statistics
import time

from jupyter_client.manager import start_new_kernel


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kernel", default="flnb")
    parser.add_argument("-n", type=int, default=100)
    args = parser.parse_args()
    km, kc = start_new_kernel(kernel_name=args.kernel, startup_timeout=60)
    try:
        def once():
            start = time.perf_counter()
            msg_id = kc.execute("1 + 1")
            result = None
            while True:
                msg = kc.get_iopub_msg(timeout=10)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "execute_result":
                    result = msg["content"]["data"]["text/plain"]
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    break
            reply = kc.get_shell_msg(timeout=10)
            elapsed = time.perf_counter() - start
            assert reply["content"]["status"] == "ok" and result == "2", (reply, result)
            return elapsed

        for _ in range(10):
            once()
        times = sorted(once() * 1000 for _ in range(args.n))
        q = statistics.quantiles(times, n=10)
        print(f"{args.kernel}: `1 + 1` round trip over {args.n} runs: median {statistics.median(times):.2f} ms "
              f"(p10 {q[0]:.2f} ms, p90 {q[-1]:.2f} ms)")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)


if __name__ == "__main__":
    main()
