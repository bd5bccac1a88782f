"""Runs a notebook top to bottom in a fresh Jupyter kernel, over IPC (used for the solution notebook)."""

import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from coursegrader.build.kernels import ipc_kernel_config


def execute_seeded(nb: nbformat.NotebookNode, filename: str, seed: int, timeout: int,
                   support_files: dict[str, bytes] | None = None) -> nbformat.NotebookNode:
    """Execute ``nb`` saved as ``filename`` in a scratch folder, with random, NumPy and torch seeded.

    ``support_files`` (name -> bytes) are placed beside it, as they are beside the student notebook
    (matplotlib reads its matplotlibrc from the working folder).

    The notebook is saved first because otter's ``grader.check`` reads its tests from the file.
    The seeding cell is removed again and execution counts renumbered, so outputs are reproducible.
    """
    nb = nbformat.from_dict(nb)
    seed_cell = nbformat.v4.new_code_cell(
        f"import random, numpy, torch\nrandom.seed({seed}); numpy.random.seed({seed}); torch.manual_seed({seed});"
    )
    nb.cells.insert(0, seed_cell)
    with tempfile.TemporaryDirectory() as folder:
        nbformat.write(nb, str(Path(folder) / filename))
        for name, data in (support_files or {}).items():
            (Path(folder) / name).write_bytes(data)
        with ipc_kernel_config() as over_ipc:
            client = NotebookClient(nb, config=over_ipc, timeout=timeout, kernel_name="python3", record_timing=False,
                                    resources={"metadata": {"path": folder}})
            client.execute()
    nb.cells.pop(0)
    count = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            count += 1
            cell.execution_count = count
            for output in cell.outputs:
                if "execution_count" in output:
                    output["execution_count"] = count
        if cell.cell_type == "code":
            cell.outputs = _merged_streams(cell.outputs)
    return nb


def _merged_streams(outputs: list) -> list:
    """Consecutive prints to one stream as one output: how the kernel splits them into messages
    depends on timing (a loaded machine sends two), and the notebook's bytes must not."""
    merged = []
    for output in outputs:
        if merged and output.get("output_type") == "stream" and merged[-1].get("output_type") == "stream" \
                and merged[-1].get("name") == output.get("name"):
            merged[-1]["text"] = "".join([merged[-1]["text"], output["text"]])
        else:
            merged.append(output)
    return merged
