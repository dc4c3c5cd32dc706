"""Helpers shared by the benchmark scripts: timing and peak memory of a child process."""

from __future__ import annotations

import json
import subprocess
import sys
import time


def run_child(code: str) -> dict:
    """Run ``code`` in a fresh Python process; return its JSON result plus wall time and peak
    RSS (MiB) of that process alone. ``code`` must print one JSON object as its last line."""
    wrapper = (
        "import json, resource, time\n"
        "_t0 = time.perf_counter()\n"
        + code
        + "\n_res = dict(RESULT)\n"
        "_res['peak_rss_mib'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps(_res))\n"
    )
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", wrapper], check=False, capture_output=True,
                         text=True)
    if out.returncode:
        raise RuntimeError(f"benchmark child failed:\n{out.stderr[-3000:]}")
    last = [line for line in out.stdout.splitlines() if line.startswith("{")][-1]
    res = json.loads(last)
    res["process_s"] = time.perf_counter() - t0
    return res


def parser_with_model(doc: str):
    """An argument parser for a benchmark of a trained model: ``--model`` (registry URI, runs:/
    URI or bundle folder; default the real-data champion) and ``--tracking-uri``."""
    import argparse

    parser = argparse.ArgumentParser(description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="models:/botsieve@champion")
    parser.add_argument("--tracking-uri")
    return parser

