"""A seccomp filter through libseccomp (ctypes): the submission's process opens no new socket.

Kernel Landlock covers TCP only and may be missing; this filter stops every new socket (any
family: UDP, Unix pathname and abstract, netlink, ...) and the calls that reach around it or
into other processes. Where the submission has no IPC namespace of its own, it also denies
every System V IPC and POSIX message-queue call (``IPC_CALLS``): objects that outlive the process
and that another submission could reach by key or id. Denied calls fail with EPERM, so student
code sees an ordinary error and is never killed. Sockets the process already holds (the one to the grader) keep working:
reading and writing them are not filtered.

libseccomp.so.2 ships with every Debian and Ubuntu image (systemd and apt depend on it); when it
cannot be loaded the caller records the wall as missing.
"""

import ctypes
import ctypes.util
import errno
import functools
import os

from coursegrader.engine.libc import LIBC

_ALLOW = 0x7FFF0000


def _errno_action(number: int) -> int:
    return 0x00050000 | (number & 0xFFFF)


_ATTR_BADARCH, _ATTR_NO_NEW_PRIVS = 2, 3
_CMP_MASKED_EQ = 7
_PR_SET_NO_NEW_PRIVS = 38

DENIED = (
    "socket", "socketpair",  # every new socket, whatever its family
    "io_uring_setup", "io_uring_enter", "io_uring_register",  # io_uring can open sockets without socket()
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",  # other processes' memory and files
    "bpf", "perf_event_open", "userfaultfd",
    "keyctl", "add_key", "request_key",  # kernel keyrings are shared by a user's processes
    "unshare", "setns",  # new namespaces: a user namespace would give back privileges
    "mount", "umount2", "pivot_root", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick",
    "mount_setattr",
    # a thread's scheduling weight: lowered (nice, SCHED_IDLE) on a busy machine, it would wait
    # for the CPU without using its time, which the runner's wall-clock backstop must not mistake
    # for code held back by the machine
    "setpriority", "sched_setscheduler", "sched_setattr", "sched_setparam",
)
# Objects that outlive the process, reached by key or id from any process of the same IPC namespace.
IPC_CALLS = (
    "shmget", "shmat", "shmdt", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop",
    "semctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
)
# clone() with a namespace flag is denied too; clone3's flags sit in memory a filter cannot read,
# so clone3 answers "not implemented" and the C library falls back to clone() (threads, fork).
_NAMESPACE_FLAGS = {"CLONE_NEWNS": 0x00020000, "CLONE_NEWCGROUP": 0x02000000, "CLONE_NEWUTS": 0x04000000,
                    "CLONE_NEWIPC": 0x08000000, "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000,
                    "CLONE_NEWNET": 0x40000000}


class _ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


def preload() -> None:
    """Find and load libseccomp now: the fork server does, so that no submission's process runs
    ``ldconfig -p`` (find_library's way of finding it: a fork and an exec per submission)."""
    try:
        _library()
    except OSError:
        pass  # each submission's process then says the wall is missing


@functools.cache
def _library() -> ctypes.CDLL:
    name = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
    library = ctypes.CDLL(name, use_errno=True)
    library.seccomp_init.restype = ctypes.c_void_p
    library.seccomp_init.argtypes = [ctypes.c_uint32]
    library.seccomp_attr_set.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]
    library.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    library.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                               ctypes.POINTER(_ArgCmp)]
    library.seccomp_load.argtypes = [ctypes.c_void_p]
    library.seccomp_release.argtypes = [ctypes.c_void_p]
    return library


def _check(result: int, what: str) -> None:
    if result < 0:  # libseccomp returns -errno
        raise OSError(-result, f"seccomp {what}: {os.strerror(-result)}")


def deny_new_sockets(also: tuple[str, ...] = ()) -> list[str]:
    """Load the filter into this process (and everything it starts) for good; ``also``: more
    calls to deny (``IPC_CALLS`` where there is no IPC namespace).

    Returns the calls this libseccomp does not know (an old version), which stay allowed.
    Raises OSError when libseccomp is missing or the kernel refuses the filter.
    """
    library = _library()
    if LIBC.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:  # also required to load a filter unprivileged
        raise OSError(ctypes.get_errno(), "no_new_privs refused")
    context = library.seccomp_init(_ALLOW)
    if not context:
        raise OSError(errno.ENOMEM, "seccomp_init failed")
    unknown = []
    try:
        # a call made through another architecture's numbers (int 0x80) fails instead of slipping past
        _check(library.seccomp_attr_set(context, _ATTR_BADARCH, _errno_action(errno.EPERM)), "bad-arch action")
        _check(library.seccomp_attr_set(context, _ATTR_NO_NEW_PRIVS, 1), "no_new_privs")

        def rule(name: str, action: int, conditions=()) -> None:
            number = library.seccomp_syscall_resolve_name(name.encode())
            if number == -1:  # __NR_SCMP_ERROR: not in this libseccomp's tables
                unknown.append(name)
                return
            array = (_ArgCmp * max(1, len(conditions)))(*conditions)
            _check(library.seccomp_rule_add_array(context, action, number, len(conditions), array), f"rule {name}")

        for name in (*DENIED, *also):
            rule(name, _errno_action(errno.EPERM))
        for flag in _NAMESPACE_FLAGS.values():
            rule("clone", _errno_action(errno.EPERM), [_ArgCmp(0, _CMP_MASKED_EQ, flag, flag)])
        rule("clone3", _errno_action(errno.ENOSYS))
        _check(library.seccomp_load(context), "load")
    finally:
        library.seccomp_release(context)
    return unknown
