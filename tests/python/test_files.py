"""The file-placing rules (ingest/files.py) on real files: free names, same content, interrupted writes."""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ingest.files import free_name, part_for, place, sha256_file, write_new, writing

ROOT = Path(__file__).resolve().parents[2]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_in(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def run_python(code: str, **kwargs) -> subprocess.Popen:
    """`code` in a child interpreter that imports this checkout's `ingest`."""
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, **kwargs)


# -- names ------------------------------------------------------------------------------------------------------
def test_a_free_name_is_the_name_itself(tmp_path):
    assert free_name(tmp_path, "a.csv", sha(b"x"), 1) == (tmp_path / "a.csv", False)


def test_the_same_content_is_recognised(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"same")
    assert free_name(tmp_path, "a.csv", sha(b"same"), 4) == (tmp_path / "a.csv", True)


def test_a_name_held_by_other_content_gives_the_newcomer_its_hash_name(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"old!")  # the same size: the content decides
    digest = sha(b"new!")
    assert free_name(tmp_path, "a.csv", digest, 4) == (tmp_path / f"a__{digest[:12]}.csv", False)
    (tmp_path / "a.b.zip").write_bytes(b"old!")
    assert free_name(tmp_path, "a.b.zip", digest, 4)[0].name == f"a.b__{digest[:12]}.zip"  # the last suffix
    (tmp_path / "noext").write_bytes(b"old!")
    assert free_name(tmp_path, "noext", digest, 4)[0].name == f"noext__{digest[:12]}"


def test_the_hash_name_already_holding_the_content_is_recognised(tmp_path):
    digest = sha(b"new")
    (tmp_path / "a.csv").write_bytes(b"old")
    (tmp_path / f"a__{digest[:12]}.csv").write_bytes(b"new")
    assert free_name(tmp_path, "a.csv", digest, 3) == (tmp_path / f"a__{digest[:12]}.csv", True)


def test_a_hash_name_held_by_other_content_is_not_overwritten(tmp_path):
    """A file delivered under the name the newcomer would get keeps it: the newcomer goes on to `_2`, `_3`."""
    digest = sha(b"new")
    (tmp_path / "a.csv").write_bytes(b"old")
    (tmp_path / f"a__{digest[:12]}.csv").write_bytes(b"a file delivered under this name")
    assert free_name(tmp_path, "a.csv", digest, 3) == (tmp_path / f"a__{digest[:12]}_2.csv", False)
    (tmp_path / f"a__{digest[:12]}_2.csv").write_bytes(b"and another")
    assert free_name(tmp_path, "a.csv", digest, 3) == (tmp_path / f"a__{digest[:12]}_3.csv", False)


def test_taken_names_are_passed_over(tmp_path):
    """A name promised to a file not written yet (landing's CSVs waiting for validation) is not free."""
    digest = sha(b"new")
    taken = {tmp_path / "a.csv"}
    assert free_name(tmp_path, "a.csv", digest, 3, taken) == (tmp_path / f"a__{digest[:12]}.csv", False)
    taken.add(tmp_path / f"a__{digest[:12]}.csv")
    assert free_name(tmp_path, "a.csv", digest, 3, taken) == (tmp_path / f"a__{digest[:12]}_2.csv", False)


# -- place ------------------------------------------------------------------------------------------------------
def test_place_renames_a_part_into_a_free_name(tmp_path):
    part = part_for(tmp_path / "a.zip")
    assert part == tmp_path / "a.zip.part"
    part.write_bytes(b"first")
    assert place(part, tmp_path / "a.zip") == tmp_path / "a.zip"
    assert files_in(tmp_path) == {"a.zip": b"first"}


def test_place_drops_a_part_whose_content_is_there(tmp_path):
    (tmp_path / "a.zip").write_bytes(b"first")
    part_for(tmp_path / "a.zip").write_bytes(b"first")
    assert place(part_for(tmp_path / "a.zip"), tmp_path / "a.zip") == tmp_path / "a.zip"
    assert files_in(tmp_path) == {"a.zip": b"first"}


def test_place_never_overwrites_other_content(tmp_path):
    target, part = tmp_path / "a.zip", part_for(tmp_path / "a.zip")
    target.write_bytes(b"first")
    part.write_bytes(b"second")
    other = place(part, target)
    assert other.name == f"a__{sha(b'second')[:12]}.zip"
    assert files_in(tmp_path) == {"a.zip": b"first", other.name: b"second"}
    part.write_bytes(b"second")  # the same newcomer again: recognised under its hash name
    assert place(part, target) == other
    assert files_in(tmp_path) == {"a.zip": b"first", other.name: b"second"}
    other.write_bytes(b"tampered")  # its hash name now holds other content: that stays too
    part.write_bytes(b"second")
    third = place(part, target)
    assert third.name == f"a__{sha(b'second')[:12]}_2.zip"
    assert files_in(tmp_path) == {"a.zip": b"first", other.name: b"tampered", third.name: b"second"}


# -- writing ----------------------------------------------------------------------------------------------------
def test_write_new_writes_through_a_part_file(tmp_path):
    target = tmp_path / "sub" / "a.csv"
    write_new(target, b"x,y\n1,2\n")
    assert files_in(target.parent) == {"a.csv": b"x,y\n1,2\n"}
    assert sha256_file(target) == sha(b"x,y\n1,2\n")


def test_a_failing_write_leaves_no_part_file(tmp_path):
    part = part_for(tmp_path / "a.csv")
    with pytest.raises(RuntimeError):
        with writing(part) as fh:
            fh.write(b"half")
            raise RuntimeError("the transfer broke")
    assert list(tmp_path.iterdir()) == []
    with writing(part, "w", fsync=False, encoding="utf-8") as fh:
        fh.write("text")
    assert files_in(tmp_path) == {"a.csv.part": b"text"}


def test_a_write_the_filesystem_refuses_leaves_nothing(tmp_path):
    """A real failed write (the file size limit: EFBIG, as a full disk gives ENOSPC) leaves neither the file nor its
    part file."""
    child = run_python(f"""
        import resource, signal
        from pathlib import Path
        from ingest.files import write_new
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
        try:
            write_new(Path({str(tmp_path / "big.csv")!r}), b"x" * (4 << 20))
        except OSError as exc:
            raise SystemExit(exc.errno)
    """)
    assert child.wait(timeout=60) == errno.EFBIG
    assert list(tmp_path.iterdir()) == []


def test_a_writer_killed_mid_write_leaves_nothing_under_the_final_name(tmp_path):
    """SIGKILL mid-write: only the part file is left (landing.clean_partials removes it), never a partial file under
    the final name."""
    target = tmp_path / "a.csv"
    child = run_python(f"""
        import sys, time
        from pathlib import Path
        from ingest.files import part_for, place, writing
        target = Path({str(target)!r})
        with writing(part_for(target)) as fh:
            fh.write(b"x" * 100000)
            fh.flush()
            print("writing", flush=True)
            time.sleep(60)
        place(part_for(target), target)
    """, stdout=subprocess.PIPE)
    try:
        assert child.stdout.readline() == b"writing\n"
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        child.kill()
        child.stdout.close()
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv.part"]
