"""The Jupyter kernels the build starts talk to it over IPC, not TCP.

ipykernel (from 7) logs "Kernel is running over TCP without encryption ..." to its stderr when
its client connects over TCP, jupyter_client's default: the build printed it twice, once for
otter assign's run of the solution against the tests and once for the solution's execution.
Over IPC (Unix sockets in a private temporary folder, reachable by their owner only) there is
nothing to eavesdrop on and nothing is printed. The student's export cell, which has no
coursegrader to import, does the same with a few lines of its own (the master's init cell).
"""

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator

from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from traitlets.config import Config


def ipc_config(folder: str) -> Config:
    """A kernel manager's configuration (nbclient passes its own on to the manager it makes):
    IPC, the connection file and sockets in ``folder`` (a short path: a Unix socket's path is
    limited to about 100 bytes)."""
    config = Config()
    config.KernelManager.transport = "ipc"
    config.KernelManager.connection_file = os.path.join(folder, "kernel.json")
    config.KernelManager.ip = os.path.join(folder, "kernel-ipc")  # the sockets: kernel-ipc-<port>
    config.KernelManager.cache_ports = False  # TCP ports only
    return config


@contextlib.contextmanager
def ipc_kernel_config() -> Iterator[Config]:
    """``ipc_config`` of a private folder removed afterwards, for ``NotebookClient(config=...)``."""
    with tempfile.TemporaryDirectory(prefix="cg-kernel-") as folder:
        yield ipc_config(folder)


@contextlib.contextmanager
def kernels_over_ipc() -> Iterator[None]:
    """Every kernel an nbclient ``NotebookClient`` starts meanwhile, wherever it is made (otter
    assign's, deep inside otter, which passes nbclient no configuration of ours), starts over IPC."""
    made = NotebookClient.create_kernel_manager
    folders: list[str] = []

    def create_kernel_manager(client: NotebookClient) -> KernelManager:
        manager = made(client)
        folders.append(tempfile.mkdtemp(prefix="cg-kernel-"))
        manager.update_config(ipc_config(folders[-1]))
        return manager

    NotebookClient.create_kernel_manager = create_kernel_manager
    try:
        yield
    finally:
        NotebookClient.create_kernel_manager = made
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
