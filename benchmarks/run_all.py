"""Run every benchmark in this folder (each prints a table and writes benchmarks/results/*.csv)."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script in (
    "compare_bench.py",
    "render_bench.py",
    "speed_bench.py",
    "train_bench.py",
    "swap_bench.py",
    "paper_bench.py",
    "code_bench.py",
):
    print(f"== {script}", flush=True)
    subprocess.run([sys.executable, str(HERE / script)], check=True)
