"""What the fault tests share: real inputs made on the spot, bounded subprocesses, probes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import GOLD, REPO, SEEDS, kg_command, kg_env

SEED = SEEDS / "000_46c7afd8f487e697.txt"
NEWS = GOLD / "news" / "articles"
AS_LIMIT = 6 * 1024**3  # address space of a kg process a fault test starts (a runaway stops)


def limited() -> None:
    """preexec_fn: a bound on the address space, so a fault cannot eat the shared machine."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))


def kg_popen(*args: object, **kwargs) -> subprocess.Popen:
    """Start ``kg ARGS`` (text mode, output captured) under the address-space bound."""
    return subprocess.Popen(
        kg_command(*args),
        env=kg_env(),
        cwd=kwargs.pop("cwd", None),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        preexec_fn=limited,
        **kwargs,
    )


def kg_run(*args: object, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """Run ``kg ARGS`` to completion under the bound; a hang fails the test after ``timeout``."""
    proc = kg_popen(*args)
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def one_line_error(proc: subprocess.CompletedProcess[str], *words: str) -> str:
    """Assert a clean failure: non-zero exit, no traceback, one stderr line holding ``words``."""
    assert proc.returncode != 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for word in words:
        assert word.lower() in lines[0].lower(), proc.stderr
    return lines[0]


def news_articles() -> list[Path]:
    """Real news articles: the shared gold corpus when present, else the seeds."""
    found = sorted(NEWS.glob("*.txt")) if NEWS.is_dir() else []
    return found or sorted(SEEDS.iterdir())


def corpus(folder: Path, copies: int = 1) -> Path:
    """A folder of real articles; ``copies`` > 1 adds variants (one line more) of each."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(copies):
        for path in news_articles():
            text = path.read_text(encoding="utf-8")
            if n:
                text += f"\nThis report was updated, version {n}.\n"
            (folder / f"{path.stem}-{n}.txt").write_text(text, encoding="utf-8")
    return folder


def long_article(path: Path, chars: int) -> Path:
    """One article body of at least ``chars`` characters of real news prose (no dateline, each
    paragraph distinct, so the cleaner keeps all of it as body)."""
    paragraphs = []
    for article in news_articles():
        lines = article.read_text(encoding="utf-8").splitlines()[1:]  # not the headline
        paragraphs += [line for line in lines if len(line) > 80 and "(" not in line[:30]]
    out, size, n = ["A long report"], 0, 0
    while size < chars:
        line = f"In update {n}, {paragraphs[n % len(paragraphs)]}"
        out.append(line)
        size += len(line) + 1
        n += 1
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def can_mount_tmpfs() -> bool:
    """Whether this process may make a private mount namespace with a tmpfs in it (root)."""
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c",
         "d=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs $d && umount $d && rmdir $d"],
        capture_output=True, timeout=30, check=False,
    )  # fmt: skip
    return probe.returncode == 0


def python() -> str:
    return sys.executable


__all__ = ["REPO", "SEED", "SEEDS"]
