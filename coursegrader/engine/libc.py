"""The C library, for the system calls Python has no function for (mount, unshare, prctl, the
System V IPC calls), and the one way their failures become OSError."""

import ctypes
import os

LIBC = ctypes.CDLL(None, use_errno=True)
LIBC.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]

# mount(2) flags, from <sys/mount.h>
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_PRIVATE = 2, 4, 8, 1 << 12, 1 << 14, 1 << 18


def call(result: int, what: str) -> None:
    """Raise OSError (errno and ``what``) when a C call returned other than 0."""
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")
