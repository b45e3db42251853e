/* hooked_symbols.h — every symbol the shim exports, in two lists: the libc (and libdbus) functions it
 * interposes, by the file that defines them, and its own API. make test checks that the built library
 * exports exactly these names and nothing else (tests/list_hooks.c prints both lists; run_tests.sh compares
 * them with `nm -D --defined-only`), and attaching patches exactly the first list into a running program
 * (got_patch.c). Add a hook here in the same commit as its definition (marked FDH_EXPORT). */
#ifndef FDHOUND_HOOKED_SYMBOLS_H
#define FDHOUND_HOOKED_SYMBOLS_H

#define FDH_HOOKED_SYMBOLS(X) \
    X(hooks_aliases, __open) \
    X(hooks_aliases, __open64) \
    X(hooks_aliases, __close) \
    X(hooks_aliases, __dup2) \
    X(hooks_aliases, __pipe) \
    X(hooks_aliases, __fork) \
    X(hooks_aliases, __fcntl) \
    X(hooks_close, close) \
    X(hooks_close, close_range) \
    X(hooks_close, closefrom) \
    X(hooks_dbus, dbus_connection_open) \
    X(hooks_dbus, dbus_connection_open_private) \
    X(hooks_dbus, dbus_bus_get) \
    X(hooks_dbus, dbus_bus_get_private) \
    X(hooks_dbus, dbus_connection_close) \
    X(hooks_dbus, dbus_connection_ref) \
    X(hooks_dbus, dbus_connection_unref) \
    X(hooks_dir, opendir) \
    X(hooks_dir, fdopendir) \
    X(hooks_dir, closedir) \
    X(hooks_limits, setrlimit) \
    X(hooks_limits, setrlimit64) \
    X(hooks_limits, prlimit) \
    X(hooks_limits, prlimit64) \
    X(hooks_dlopen, dlopen) \
    X(hooks_dlopen, dlclose) \
    X(hooks_linux_fds, eventfd) \
    X(hooks_linux_fds, timerfd_create) \
    X(hooks_linux_fds, signalfd) \
    X(hooks_linux_fds, epoll_create) \
    X(hooks_linux_fds, epoll_create1) \
    X(hooks_linux_fds, inotify_init) \
    X(hooks_linux_fds, inotify_init1) \
    X(hooks_linux_fds, fanotify_init) \
    X(hooks_linux_fds, memfd_create) \
    X(hooks_linux_fds, pidfd_open) \
    X(hooks_linux_fds, posix_openpt) \
    X(hooks_linux_fds, getpt) \
    X(hooks_longjmp, longjmp) \
    X(hooks_longjmp, _longjmp) \
    X(hooks_longjmp, siglongjmp) \
    X(hooks_longjmp, __longjmp_chk) \
    X(hooks_sigaltstack, sigaltstack) \
    X(hooks_open, open) \
    X(hooks_open, open64) \
    X(hooks_open, openat) \
    X(hooks_open, openat64) \
    X(hooks_open, creat) \
    X(hooks_open, creat64) \
    X(hooks_open, __open_2) \
    X(hooks_open, __open64_2) \
    X(hooks_open, __openat_2) \
    X(hooks_open, __openat64_2) \
    X(hooks_pipe_dup, pipe) \
    X(hooks_pipe_dup, pipe2) \
    X(hooks_pipe_dup, dup) \
    X(hooks_pipe_dup, dup2) \
    X(hooks_pipe_dup, dup3) \
    X(hooks_pipe_dup, fcntl) \
    X(hooks_pipe_dup, fcntl64) \
    X(hooks_process, fork) \
    X(hooks_process, _Fork) \
    X(hooks_process, clone) \
    X(hooks_process, posix_spawn) \
    X(hooks_process, posix_spawnp) \
    X(hooks_process, execve) \
    X(hooks_process, execv) \
    X(hooks_process, execvp) \
    X(hooks_process, execvpe) \
    X(hooks_process, fexecve) \
    X(hooks_process, execl) \
    X(hooks_process, execlp) \
    X(hooks_process, execle) \
    X(hooks_process, _exit) \
    X(hooks_process, _Exit) \
    X(hooks_recvmsg, recvmsg) \
    X(hooks_recvmsg, recvmmsg) \
    X(hooks_seccomp, prctl) \
    X(hooks_syscall, syscall) \
    X(hooks_socket, socket) \
    X(hooks_socket, socketpair) \
    X(hooks_socket, accept) \
    X(hooks_socket, accept4) \
    X(hooks_socket, connect) \
    X(hooks_socket, bind) \
    X(hooks_stdio, fopen) \
    X(hooks_stdio, fopen64) \
    X(hooks_stdio, fdopen) \
    X(hooks_stdio, fclose) \
    X(hooks_stdio, popen) \
    X(hooks_stdio, pclose) \
    X(hooks_stdio, tmpfile) \
    X(hooks_stdio, tmpfile64) \
    X(hooks_stdio, freopen) \
    X(hooks_stdio, freopen64) \
    X(hooks_tempfiles, mkstemp) \
    X(hooks_tempfiles, mkstemp64) \
    X(hooks_tempfiles, mkostemp) \
    X(hooks_tempfiles, mkstemps) \
    X(hooks_tempfiles, mkostemps) \
    X(hooks_vfork, vfork) \
    X(hooks_vfork, __vfork)

/* The shim's own entry points, documented in docs/ARCHITECTURE.md (not interposed on anything: no other
 * library defines them). The phase API is public for programs (shim/include/fdhound.h), which call it
 * through a weak reference or dlsym. */
#define FDH_EXPORTED_API(X) \
    X(attach, fdhound_attach) \
    X(attach, fdhound_detach) \
    X(attach, fdhound_attach_error) \
    X(attach, fdhound_attach_with) \
    X(phase_api, fdhound_phase_begin) \
    X(phase_api, fdhound_phase_end) \
    X(python_hints, fdhound_python_stack)

#endif /* FDHOUND_HOOKED_SYMBOLS_H */
