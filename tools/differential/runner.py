"""Running one program with one make, in a scratch tree, and what it left.

Both makes run at the same path, one after the other: the tree is created,
make A runs and the tree is read back, the tree is deleted and created again
for make B.  So no path, length of path or listing order can differ.  The
make is invoked as `make` through a symlink in a bin directory that is first
on PATH (the symlink is repointed between runs, so PATH is identical too), in
an environment of only PATH, LC_ALL=C and the program's variables, with stdin
from /dev/null, in its own process group, killed (whole group) at the timeout.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import time

MTIME_BASE = 1_000_000_000  # as tests/cases: mtime=N is 2001 + N seconds


class Outcome:
    __slots__ = ("stdout", "stderr", "status", "timed_out", "files", "cpu")

    def __init__(self, stdout, stderr, status, timed_out, files, cpu):
        self.stdout, self.stderr, self.status = stdout, stderr, status
        self.timed_out, self.files, self.cpu = timed_out, files, cpu


def file_text(f):
    if "lines" in f:
        body = "\n".join(f["lines"])
        if not f.get("noeol"):
            body += "\n"
        return body.encode("utf-8", "surrogateescape")
    return f["text"].encode("utf-8", "surrogateescape")


class Sandbox:
    def __init__(self, keep=False):
        self.base = tempfile.mkdtemp(prefix="fmx.")
        self.bin = os.path.join(self.base, "bin")
        self.work = os.path.join(self.base, "w")
        os.mkdir(self.bin)
        self.keep = keep

    def close(self):
        if not self.keep:
            shutil.rmtree(self.base, ignore_errors=True)

    def populate(self, prog):
        if os.path.lexists(self.work):
            _rmtree(self.work)
        os.mkdir(self.work)
        times = {}
        for f in prog["files"]:
            path = os.path.join(self.work, f["name"])
            if f.get("dir"):
                os.makedirs(path, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as fh:
                    fh.write(file_text(f))
            times[f["name"]] = f.get("mtime", 0)
        setup = {}
        # Files first, then every directory (creating files changed them).
        for name, off in times.items():
            t = MTIME_BASE + off
            p = os.path.join(self.work, name)
            if not os.path.isdir(p):
                os.utime(p, (t, t))
                setup[name] = t * 10**9
        for root, dirs, _ in os.walk(self.work, topdown=False):
            for d in dirs:
                rel = os.path.relpath(os.path.join(root, d), self.work)
                t = MTIME_BASE + times.get(rel, 0)
                os.utime(os.path.join(root, d), (t, t))
        os.utime(self.work, (MTIME_BASE, MTIME_BASE))
        return setup

    def run(self, make, prog, timeout=10):
        setup = self.populate(prog)
        link = os.path.join(self.bin, "make")
        tmp = link + ".new"
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(os.path.abspath(make), tmp)
        os.replace(tmp, link)
        env = {"PATH": self.bin + ":/usr/bin:/bin", "LC_ALL": "C"}
        for k, v in prog["env"]:
            env[k] = v
        ign = [getattr(signal, "SIG" + s) for s in prog.get("sig_ignore", [])]
        mode = prog.get("stdout", "pipe")
        stdout_arg = subprocess.PIPE
        rfd = wfd = None
        if mode == "full":
            stdout_arg = open("/dev/full", "wb")
        elif mode == "broken":
            rfd, wfd = os.pipe()
            os.close(rfd)
            stdout_arg = wfd
        elif mode == "closed":
            stdout_arg = subprocess.DEVNULL

        def pre():
            # Every make starts with the dispositions a shell's foreground
            # job has (a background explorer inherits SIGINT ignored), then
            # the program's ignored signals.
            for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
                signal.signal(s, signal.SIG_DFL)
            for s in ign:
                signal.signal(s, signal.SIG_IGN)
            if mode == "closed":
                os.close(1)

        before = os.times()
        start = time.time()
        p = subprocess.Popen(["make"] + prog["args"], executable=link, cwd=self.work, env=env,
                             stdin=subprocess.DEVNULL, stdout=stdout_arg, stderr=subprocess.PIPE,
                             process_group=0, preexec_fn=pre, restore_signals=True)
        if wfd is not None:
            os.close(wfd)
        if mode == "full":
            stdout_arg.close()
        timed_out = False
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _killpg(p.pid)
            out, err = p.communicate()
        _killpg(p.pid)   # stragglers: a recipe's background job
        after = os.times()
        cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        rc = p.returncode
        status = rc if rc >= 0 else 128 + (-rc)
        files = snapshot(self.work, setup, start)
        return Outcome(out or b"", err or b"", status, timed_out, files, cpu)


def _killpg(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _rmtree(path):
    def onerror(func, p, exc):
        try:
            os.chmod(os.path.dirname(p), 0o755)
            os.chmod(p, 0o755)
            func(p)
        except OSError:
            pass
    shutil.rmtree(path, onerror=onerror)


def snapshot(work, setup, start):
    """name -> (kind, content, mtime class) for everything under work.

    The mtime class of a file is "setup" when make left its mtime as the
    tree had it, "new" when it is from this run (every such file is newer
    than every setup file), else its offset from MTIME_BASE in seconds.
    Directories are listed by existence only (creating a file inside
    changes their mtime, which says nothing about make)."""
    files = {}
    for root, dirs, names in os.walk(work):
        for d in dirs:
            p = os.path.join(root, d)
            rel = os.path.relpath(p, work)
            if os.path.islink(p):
                files[rel] = ("link", os.readlink(p).encode(), "")
            else:
                files[rel] = ("dir", b"", "")
        for n in names:
            p = os.path.join(root, n)
            rel = os.path.relpath(p, work)
            st = os.lstat(p)
            if os.path.islink(p):
                files[rel] = ("link", os.readlink(p).encode(), "")
                continue
            if not os.path.isfile(p):
                files[rel] = ("other", b"", "")
                continue
            try:
                with open(p, "rb") as fh:
                    data = fh.read(1 << 16)
            except OSError:
                data = b"<unreadable>"
            if setup.get(rel) == st.st_mtime_ns:
                cls = "setup"
            elif st.st_mtime >= start - 2:
                cls = "new"
            else:
                cls = "%+d" % (int(st.st_mtime) - MTIME_BASE)
            files[rel] = ("file", data, cls)
    return files
