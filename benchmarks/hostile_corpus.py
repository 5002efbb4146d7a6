"""A hostile corpus: build an index over a folder of everything a careless or hostile user can put in it, and report
what was tried, what was skipped and why, and what was indexed, and that nothing outside the folder was read or
written.

    python benchmarks/hostile_corpus.py

Prints a table; the same cases are asserted by tests/test_hardening.py.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import rag

CANARY = "CANARY-5d41402abc4b2a76"  # a string that lives only in files outside the corpus


def make_corpus(root: Path) -> tuple[Path, Path]:
    """A corpus folder full of trouble, and an outside folder with a canary file it links to."""
    outside, folder = root / "outside", root / "corpus"
    outside.mkdir()
    folder.mkdir()
    (outside / "secret.txt").write_text(f"The secret is {CANARY}. " * 20, encoding="utf-8")
    entries = {
        "good.txt": "Ferry returns\n\nThe Tarvash ferry returned on Monday, the operator Hollin Lines said.\n",
        "utf16.txt": ("Bridge reopens\n\nThe Marlow bridge reopened after two years of work.\n").encode("utf-16"),
        "deep.html": "<html><body>" + "<div>" * 400 + "<p>The deep page says the museum opens in May.</p>"
                     + "</div>" * 400 + "</body></html>",
        "新闻报道.txt": "Harbour news\n\nThe harbour will get 12 new berths by 2027, the port authority said.\n",
        "empty.txt": "",
        "binary.txt": b"\x00\x01\x02garbage\x00" * 100,
        "broken.pdf": b"%PDF-1.4\n1 0 obj garbage\n%%EOF",
        "huge.txt": "word " * 2_200_000,  # 11 MB: over the file size limit
        "memo.docx": b"PK\x03\x04",
        "one-line.txt": "Tarvash " + "ferry" * 150_000 + " returns.",
    }
    for name, content in entries.items():
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    (folder / "leak.txt").symlink_to(outside / "secret.txt")
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    (folder / "zero.txt").symlink_to("/dev/zero")
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    (folder / "dangling.txt").symlink_to(root / "nowhere.txt")
    os.mkfifo(folder / "pipe.txt")
    (folder / "alias.txt").symlink_to(folder / "good.txt")
    (folder / "subfolder").mkdir()
    return folder, outside


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder, outside = make_corpus(root)
        outside_before = {p: p.stat().st_mtime_ns for p in outside.rglob("*")}
        started = time.perf_counter()
        report = rag.build(corpus_dir=folder, index_dir=root / "index")
        seconds = time.perf_counter() - started
        engine = rag.load(index_dir=root / "index", corpus_dir=folder)
        texts = " ".join(engine.store.document(d.doc_id).text for d in engine.store.catalogue())
        tried = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
        skipped = {s.path: s.reason for s in report.skipped}
        print(f"{len(tried)} entries tried, {len(report.added)} indexed, {len(skipped)} skipped in {seconds:.1f} s\n")
        print("| entry | outcome |\n|---|---|")
        for name in tried:
            stem = Path(name).stem
            outcome = ("indexed" if engine.store.document(stem) is not None else
                       f"skipped: {skipped[name]}" if name in skipped else "ignored (a folder)")
            print(f"| {name} | {outcome} |")
        outside_after = {p: p.stat().st_mtime_ns for p in outside.rglob("*")}
        print(f"\ncanary from outside the corpus in the index: {'YES' if CANARY in texts else 'no'}")
        print(f"/etc/passwd in the index: {'YES' if 'root:x:' in texts else 'no'}")
        print(f"files outside the corpus written or added: {'YES' if outside_after != outside_before else 'none'}")


if __name__ == "__main__":
    main()
