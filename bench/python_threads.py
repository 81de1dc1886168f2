"""Does C++ work hold the GIL? Two measurements with one model:
1. two Python threads encode at once: when each reported progress (both must advance together);
2. a pure-Python loop counts in one thread while another encodes: its rate against the loop alone
   (near 100 % of the idle rate, less the compute it shares the cores with, means the GIL is free).

    PYTHONPATH=build/python /usr/bin/python3 bench/python_threads.py --model MODEL_DIR [--images 64]
"""
import argparse
import threading
import time

import numpy as np

import ants


def count_for(seconds):
    n, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        n += 1
    return n / seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--images", type=int, default=64)
    a = ap.parse_args()
    clip = ants.Clip(a.model)
    s = clip.info["image_size"]
    px = np.random.default_rng(0).standard_normal((a.images, 3, s, s)).astype(np.float32)
    clip.encode_images(px[:8], batch=8)

    t = time.perf_counter()
    clip.encode_images(px, batch=8)
    alone = time.perf_counter() - t
    stamps = {"a": [], "b": []}
    t0 = time.perf_counter()
    threads = [threading.Thread(target=lambda n=n: clip.encode_images(
        px, batch=8, progress=lambda d, tot: stamps[n].append(time.perf_counter() - t0))) for n in "ab"]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    both = time.perf_counter() - t0
    print(f"one thread, {a.images} images: {alone:.2f} s; two threads, {a.images} each at once: {both:.2f} s")
    for n in "ab":
        print(f"  thread {n}: progress at " + ", ".join(f"{x:.2f}" for x in stamps[n]) + " s")

    idle = count_for(2.0)
    rate = []
    worker = threading.Thread(target=lambda: clip.encode_images(px, batch=8))
    worker.start()
    rate.append(count_for(min(alone * 0.8, 5.0)))
    worker.join()
    print(f"Python loop while another thread encodes: {rate[0]:.3g} iterations/s = "
          f"{100 * rate[0] / idle:.0f} % of its idle rate {idle:.3g}/s")


if __name__ == "__main__":
    main()
