# SPDX-License-Identifier: MIT
"""The GIL is released while the C++ kernels loop over data: another Python thread runs
meanwhile. The worker stamps the time just before and just after its call while holding the
GIL, and the main thread stamps the time every half millisecond meanwhile. With the GIL held
by the kernel, the main thread cannot run during the call: at most a stamp slips in between
the worker's first stamp and the call itself (a thread switch; 1 to 3 stamps measured with
list.sort, which holds the GIL). Released, the call is covered by stamps (70 to 350 here)."""

import threading
import time

import numpy as np

import dynmargin


def stamps_during(call):
    bounds = {}
    started = threading.Event()

    def worker():
        started.set()
        bounds["start"] = time.perf_counter()
        call()
        bounds["end"] = time.perf_counter()

    thread = threading.Thread(target=worker)
    stamps = []
    thread.start()
    started.wait()
    while thread.is_alive():
        stamps.append(time.perf_counter())
        time.sleep(0.0005)
    thread.join()
    return sum(bounds["start"] < s < bounds["end"] for s in stamps)


def test_other_threads_run_while_a_kernel_loops():
    r = np.random.default_rng(14).standard_normal(2_000_000)
    assert stamps_during(lambda: dynmargin.historical_var(r, window=1000)) >= 20
    long_series = np.tile(r, 4)
    assert stamps_during(lambda: dynmargin.ewma_variance(long_series)) >= 20
