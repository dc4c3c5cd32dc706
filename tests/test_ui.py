"""The MLflow UI on a trained store, seen in a real headless Chromium: the experiment page lists
the training run with its leave-one-collection-out ROC-AUC, the registered model page shows the
version and its aliases. Screenshots and rendered DOMs go to test-artifacts/ (the README images
come from here: `make ui-screenshots`)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import mlflow
import pytest
from conftest import ROOT
from mlflow import MlflowClient

import train
from models import tracking

pytestmark = pytest.mark.slow

ARTIFACTS = ROOT / "test-artifacts"
METRIC = "loco_roc_auc"
METRIC_COLUMN = f"metrics.`{METRIC}`"
VIEW_KEY = tracking.RUNS_VIEW_KEY  # the runs-table view train.py saves on its experiment
MODEL = "botsieve-sample"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--hide-scrollbars", "--window-size=1600,900",
    "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--lang=en-US",
]
RENDER_BUDGET_MS = 20000  # virtual time: the UI is a single-page app that renders after load


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """Stop a process started in its own session, with everything it spawned."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"mlflow server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"mlflow server did not answer within {timeout:.0f}s:\n{log.read_text()[-3000:]}")


def _train(tmp: Path) -> int:
    return train.main([
        "--config", str(ROOT / "configs" / "default.yaml"),
        "--set", "tune.n_trials=2", "--set", "cv.random_folds=2",
        "--set", f"tune.storage=sqlite:///{tmp / 'optuna.db'}",
        "--set", f"tracking.uri=sqlite:///{tmp / 'mlflow.db'}",
        "--set", f"output_dir={tmp / 'out'}",
    ])


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    """A trained store served by `mlflow server` on 127.0.0.1; yields URL, client, run."""
    if _chromium() is None:
        pytest.skip("no chromium on PATH: `make browser` installs Debian's chromium")
    tmp = tmp_path_factory.mktemp("ui")
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    previous_uri = mlflow.get_tracking_uri()
    MlflowClient(uri).search_experiments()  # create the schema before the server opens the file
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp / "server.log"
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
           "MLFLOW_DISABLE_TELEMETRY": "true"}
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "mlflow"), "server", "--backend-store-uri", uri,
             "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    old = os.getcwd()
    try:
        os.chdir(tmp)  # MLflow puts run artifacts under the working directory
        try:
            assert _train(tmp) == 0  # the server starts meanwhile
        finally:
            os.chdir(old)
        _wait_until_up(url, server, log)
        client = MlflowClient(uri)
        experiment = client.get_experiment_by_name("botsieve-sample")
        (run,) = client.search_runs([experiment.experiment_id], "tags.kind = 'training'")
        yield url, client, run
    finally:
        _stop(server)
        mlflow.set_tracking_uri(previous_uri)
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copyfile(log, ARTIFACTS / "mlflow_ui_server.log")


def _render(url: str, name: str, tmp: Path) -> Node:
    """Open `url` in headless Chromium; save its screenshot and DOM as test artifacts."""
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / f"{name}.png"
    png.unlink(missing_ok=True)
    cmd = [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp / 'profile'}",
           f"--virtual-time-budget={RENDER_BUDGET_MS}", f"--screenshot={png}", "--dump-dom", url]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        dom, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        _stop(proc)
        pytest.fail(f"chromium did not finish rendering {url}")
    (ARTIFACTS / f"{name}.html").write_text(dom)
    assert proc.returncode == 0, f"chromium failed on {url}:\n{err[-3000:]}"
    assert png.stat().st_size > 10_000, f"no screenshot of {url}"
    return parse(dom)


# -- the rendered DOM -------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Node:
    """An element of the rendered page: tag, attributes, children (nodes and text)."""

    def __init__(self, tag: str, attrs: dict[str, str | None]):
        self.tag, self.attrs, self.children = tag, attrs, []

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def text(self) -> str:
        if self.tag in ("script", "style"):
            return ""
        parts = (c if isinstance(c, str) else c.text() for c in self.children)
        return " ".join(" ".join(parts).split())  # also folds non-breaking spaces


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def grid_rows(page: Node) -> dict[str, dict[str, str]]:
    """Rows of the runs table by run id: column id -> cell text (pinned and scrolled parts)."""
    rows: dict[str, dict[str, str]] = {}
    for node in page.iter():
        run_id = node.attrs.get("row-id")
        if run_id:
            cells = rows.setdefault(run_id, {})
            for cell in node.iter():
                if cell.attrs.get("role") == "gridcell" and cell.attrs.get("col-id"):
                    cells[cell.attrs["col-id"]] = cell.text()
    return rows


# -- the pages --------------------------------------------------------------------------------

def test_experiment_page_lists_the_run_with_its_loco_roc_auc(ui, tmp_path):
    url, client, run = ui
    exp = run.info.experiment_id
    page = _render(f"{url}/#/experiments/{exp}/runs?viewStateShareKey={VIEW_KEY}",
                   "mlflow_ui_experiment", tmp_path)
    text = page.text()
    assert "botsieve" in text and "Training runs" in text, text[:2000]
    rows = grid_rows(page)
    assert list(rows) == [run.info.run_id], f"runs listed: {rows}"
    cells = rows[run.info.run_id]
    run_name = run.info.run_name
    assert run_name.startswith("sample-") and run_name in cells["attributes.`Run Name`"], cells
    links = {n.attrs.get("href") for n in page.iter() if n.tag == "a"}
    assert f"#/experiments/{exp}/runs/{run.info.run_id}" in links
    headers = [n.text() for n in page.iter() if n.attrs.get("role") == "columnheader"]
    assert METRIC in headers, headers
    stored = client.get_run(run.info.run_id).data.metrics[METRIC]
    assert 0.5 < stored <= 1.0
    assert cells[METRIC_COLUMN] == repr(stored), (cells[METRIC_COLUMN], stored)
    assert f"{MODEL} v1" in cells["attributes.`Models`"], cells


def test_model_page_shows_the_version_and_its_aliases(ui, tmp_path):
    url, client, run = ui
    page = _render(f"{url}/#/models/{MODEL}", "mlflow_ui_model", tmp_path)
    aliases = {alias: str(v) for alias, v in client.get_registered_model(MODEL).aliases.items()}
    assert aliases == {"champion": "1", "challenger": "1"}, aliases
    version = client.get_model_version(MODEL, "1")
    assert version.run_id == run.info.run_id
    rows = [n for n in page.iter() if n.attrs.get("role") == "row"
            and any(a.attrs.get("href") == f"#/models/{MODEL}/versions/1" for a in n.iter())]
    assert len(rows) == 1, page.text()[:2000]
    row = rows[0]
    assert "Version 1" in row.text()
    shown = {n.attrs.get("title") for n in row.iter() if n.attrs.get("role") == "status"}
    assert shown == set(aliases), (shown, row.text())
    for alias in aliases:
        assert f"@ {alias}" in row.text(), row.text()
    links = {n.attrs.get("href") for n in page.iter() if n.tag == "a"}
    assert f"#/models/{MODEL}/versions/2" not in links  # one version, one row


def test_run_page_shows_the_training_summary(ui, tmp_path):
    url, client, run = ui
    note = client.get_run(run.info.run_id).data.tags["mlflow.note.content"]
    assert f"python -m models.promote models:/{MODEL}/1" in note
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "plots")}
    assert "plots/per_group.png" in artifacts
    page = _render(f"{url}/#/experiments/{run.info.experiment_id}/runs/{run.info.run_id}",
                   "mlflow_ui_run", tmp_path)
    text = page.text()
    for shown in ("This version is the champion now", "sample_092026", "Decision thresholds",
                  "python -m models.compare", f"python -m models.promote models:/{MODEL}/1"):
        assert shown in text, (shown, text[:3000])
