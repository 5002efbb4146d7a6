"""Write an evaluation run to a folder: results.jsonl, summary.json, report.md and PNG charts, all or nothing."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from rag.evaluation.qa_eval import CATEGORIES, EvalRun, EvalSummary, GroupMetrics, QuestionResult

log = logging.getLogger(__name__)

RESULTS, SUMMARY, REPORT = "results.jsonl", "summary.json", "report.md"
CATEGORY_CHART, LATENCY_CHART = "metrics_by_category.png", "latency_hist.png"
TABLE_GROUPS = (*CATEGORIES, "answerable", "overall")
CHART_GROUPS = (*CATEGORIES, "overall")
TABLE_METRICS = ("accuracy", "strict_accuracy", "cited_accuracy", "short_accuracy", "short_f1", "verified_share",
                 "short_answer_accuracy",
                 "hit_at_1", "hit_at_3", "hit_at_5", "mrr",
                 "citation_precision", "citation_recall", "abstention_precision", "abstention_recall")
CHART_METRICS = ("accuracy", "strict_accuracy", "hit_at_1", "hit_at_5", "mrr", "citation_precision", "citation_recall",
                 "abstention_recall")
TRIM = 300


def _cell(value: float | None) -> str:
    """A metric for a table: three decimals, or - when undefined."""
    return "-" if value is None else f"{value:.3f}"


def metrics_table(summary: EvalSummary) -> str:
    """Markdown table: one row per metric, one column per category and overall (- where undefined)."""
    groups = [summary.groups.get(g, GroupMetrics()) for g in TABLE_GROUPS]
    lines = ["| metric | " + " | ".join(TABLE_GROUPS) + " |", "|---" * (len(TABLE_GROUPS) + 1) + "|",
             "| questions | " + " | ".join(str(g.questions) for g in groups) + " |"]
    for metric in TABLE_METRICS:
        lines.append(f"| {metric} | " + " | ".join(_cell(getattr(g, metric)) for g in groups) + " |")
    return "\n".join(lines)


def latency_table(summary: EvalSummary) -> str:
    """Markdown table of latency p50 / p95 / mean seconds per group."""
    lines = ["| group | p50 s | p95 s | mean s |", "|---|---|---|---|"]
    for name in TABLE_GROUPS:
        g = summary.groups.get(name, GroupMetrics())
        lines.append(f"| {name} | {_cell(g.latency_p50)} | {_cell(g.latency_p95)} | {_cell(g.latency_mean)} |")
    return "\n".join(lines)


def gate_lines(summary: EvalSummary) -> list[str]:
    """One bullet per CI threshold with PASS/FAIL."""
    return [f"- {'PASS' if c.passed else 'FAIL'} {c.name}: {_cell(c.value)} (threshold {c.threshold:.2f})"
            for c in summary.gate]


def _trim(text: str) -> str:
    """One line of at most TRIM characters, so long answers do not swamp the report."""
    text = " ".join(text.split())
    return text if len(text) <= TRIM else text[:TRIM] + "…"


def failure_lines(records: list[QuestionResult]) -> list[str]:
    """A bullet per failed question: incorrect, wrong short answer, gold source missed in the top 5, engine error."""
    lines = []
    for r in records:
        problems = (("error", r.error is not None), ("incorrect", not r.correct),
                    ("wrong short answer", r.short_answer_correct is False),
                    ("no gold source in top 5", r.hit_at_5 == 0.0))
        why = [w for w, bad in problems if bad]
        if not why:
            continue
        expected = " | ".join(r.accepted_answers) if r.answerable else "(abstain)"
        got = r.error or (_trim(r.answer_text) if r.answered else f"(abstained) {_trim(r.answer_text)}")
        after = f" (after: {' / '.join(r.history)})" if r.history else ""
        lines.append(f"- **{r.id}** ({r.category}; {', '.join(why)}) {r.question}{after}  \n"
                     f"  expected: {expected}  \n  got: {got}")
    return lines or ["(none)"]


def render_markdown(run: EvalRun) -> str:
    """The human report: gate verdict, metric and latency tables, failed questions."""
    s = run.summary
    settings = ", ".join(f"{k}={v}" for k, v in s.settings.items())
    parts = [f"# Q&A evaluation, {s.created}", "", f"{len(run.records)} questions in {s.total_seconds:.1f}s "
             f"({settings}).", "", "## CI gate", "", *gate_lines(s), "", "## Metrics", "", metrics_table(s), "",
             "## Latency (seconds per ask call)", "", latency_table(s), "", "## Failed questions", "",
             *failure_lines(run.records), "",
             f"Charts: [{CATEGORY_CHART}]({CATEGORY_CHART}), [{LATENCY_CHART}]({LATENCY_CHART}).", ""]
    return "\n".join(parts)


def write_charts(run: EvalRun, folder: Path) -> None:
    """metrics_by_category.png (grouped bars, metric x group) and latency_hist.png, via matplotlib's Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 4.5))
    width = 0.8 / len(CHART_GROUPS)
    for i, name in enumerate(CHART_GROUPS):
        g = run.summary.groups.get(name, GroupMetrics())
        values = [getattr(g, m) or 0.0 for m in CHART_METRICS]
        ax.bar([x + i * width for x in range(len(CHART_METRICS))], values, width, label=f"{name} ({g.questions})")
    ax.set_xticks([x + width * (len(CHART_GROUPS) - 1) / 2 for x in range(len(CHART_METRICS))], CHART_METRICS,
                  rotation=15)
    ax.set_ylim(0, 1.05)
    ax.set_title("Q&A metrics by question category (undefined shown as 0)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    fig.tight_layout()
    fig.savefig(folder / CATEGORY_CHART, dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4))
    latencies = [r.latency_s for r in run.records if r.error is None]
    ax.hist(latencies or [0.0], bins=min(30, max(5, len(latencies) // 3)), color="#4477aa")
    ax.set_xlabel("seconds per ask call")
    ax.set_ylabel("questions")
    ax.set_title("Latency")
    fig.tight_layout()
    fig.savefig(folder / LATENCY_CHART, dpi=100)
    plt.close(fig)


def check_out_dir(out_dir: str | Path) -> Path:
    """The output folder, refusing one that exists and is not empty (so a run never mixes with another)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise ValueError(f"output folder {out_dir} already exists and is not empty: choose another --out")
    return out_dir


def write_run(run: EvalRun, out_dir: str | Path) -> Path:
    """Write every output into a temporary folder beside `out_dir`, then rename it into place."""
    out_dir = check_out_dir(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        with open(tmp / RESULTS, "w", encoding="utf-8") as f:
            for record in run.records:
                f.write(record.model_dump_json() + "\n")
        (tmp / SUMMARY).write_text(run.summary.model_dump_json(indent=2), encoding="utf-8")
        (tmp / REPORT).write_text(render_markdown(run), encoding="utf-8")
        write_charts(run, tmp)
        if out_dir.exists():
            out_dir.rmdir()  # checked empty above
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("evaluation written to %s", out_dir)
    return out_dir
