"""Linux Landlock through ctypes: an unprivileged process gives up file-system and network access.

Used by the sandbox so that student code can read the Python installation and nothing else
(no test files, no other student's folder), write only in its own folder, open no TCP
connection and send no signal outside its sandbox. Kernels without Landlock report version 0;
the caller decides what to do then.
"""

import ctypes
import os

from coursegrader.engine.libc import LIBC

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # the same numbers on every architecture
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH, _RULE_NET_PORT = 1, 2
_PR_SET_NO_NEW_PRIVS = 38

# File-system rights by the ABI version that introduced them.
_FS_RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: 1 << 13, 3: 1 << 14, 5: 1 << 15}
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
TRUNCATE, IOCTL_DEV = 1 << 14, 1 << 15
_FILE_ONLY_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
READ_ONLY = EXECUTE | READ_FILE | READ_DIR
_NET_TCP = (1 << 0) | (1 << 1)  # bind and connect (ABI 4)
_SCOPE_ALL = (1 << 0) | (1 << 1)  # abstract unix sockets and signals (ABI 6)



class LandlockError(OSError):
    pass


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def abi_version() -> int:
    """The kernel's Landlock ABI version, 0 when Landlock is unavailable."""
    version = LIBC.syscall(_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))
    return max(0, version)


def _check(result: int, what: str) -> int:
    if result < 0:
        error = ctypes.get_errno()
        raise LandlockError(error, f"landlock {what}: {os.strerror(error)}")
    return result


def restrict(read_only: list[str], read_write: list[str]) -> int:
    """Confine this process (and what it starts) for good. Returns the ABI version used.

    Paths that do not exist are skipped. Raises LandlockError when the kernel refuses.
    """
    abi = abi_version()
    if abi < 1:
        raise LandlockError(0, "Landlock is not available in this kernel")
    handled_fs = 0
    for since, rights in _FS_RIGHTS_BY_ABI.items():
        if abi >= since:
            handled_fs |= rights
    attr = _RulesetAttr(handled_fs, _NET_TCP if abi >= 4 else 0, _SCOPE_ALL if abi >= 6 else 0)
    size = ctypes.sizeof(_RulesetAttr) if abi >= 6 else (16 if abi >= 4 else 8)
    ruleset = _check(LIBC.syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0)),
                     "create_ruleset")
    try:
        for paths, rights in ((read_only, READ_ONLY), (read_write, handled_fs)):
            for path in paths:
                _allow(ruleset, path, rights & handled_fs)
        _check(LIBC.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        _check(LIBC.syscall(_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)), "restrict_self")
    finally:
        os.close(ruleset)
    return abi


def _allow(ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not os.path.isdir(path):
            rights &= _FILE_ONLY_RIGHTS
        rule = _PathBeneathAttr(rights, fd)
        _check(LIBC.syscall(_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH),
                             ctypes.byref(rule), ctypes.c_uint32(0)), f"add_rule {path}")
    finally:
        os.close(fd)
