"""The app's theme (system fonts only: nothing is fetched from the internet) and its CSS."""

from __future__ import annotations

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import gradio as gr  # noqa: E402


def theme() -> gr.themes.Base:
    """Soft theme with locally installed fonts (no GoogleFont)."""
    return gr.themes.Soft(
        primary_hue="indigo",
        neutral_hue="slate",
        font=[gr.themes.Font("Liberation Sans"), gr.themes.Font("DejaVu Sans"), "sans-serif"],
        font_mono=[gr.themes.Font("DejaVu Sans Mono"), "monospace"],
    )


CSS = """
.gradio-container { max-width: 1400px !important; }
#rag-header h1 { margin-bottom: 0; }
#rag-header p { margin-top: 2px; color: var(--body-text-color-subdued); }
.rag-empty { color: var(--body-text-color-subdued); font-style: italic; padding: 8px 2px; }
.rag-pending { color: var(--body-text-color-subdued); font-style: italic; }
.rag-question { white-space: normal; }
.rag-answer-text { line-height: 1.55; }
.rag-short { font-weight: 700; font-size: 1.15em; margin-bottom: 6px; }
.rag-answer-quotes { color: var(--body-text-color); font-style: italic; }
sup.rag-cite { color: var(--color-accent); font-weight: 700; font-size: 0.75em; margin-left: 1px; }
ul.rag-answer-sources { margin: 8px 0 0 0 !important; padding: 0 !important; list-style: none !important;
  font-size: 0.85em; color: var(--body-text-color-subdued); }
ul.rag-answer-sources li { margin: 2px 0 !important; }
.rag-answer-foot { margin-top: 6px; font-size: 0.75em; color: var(--body-text-color-subdued); }
.rag-num { display: inline-block; min-width: 1.45em; height: 1.45em; line-height: 1.45em; border-radius: 999px;
  text-align: center; font-size: 0.8em; font-weight: 700; color: #fff; background: var(--color-accent);
  margin-right: 6px; }
.rag-rank { font-size: 0.8em; font-weight: 700; color: var(--body-text-color-subdued); margin-right: 6px; }
.rag-abstain { border: 1px solid #d97706; border-left: 5px solid #d97706; background: rgba(245, 158, 11, 0.12);
  border-radius: 8px; padding: 10px 12px; }
.rag-abstain-title { font-weight: 700; color: #b45309; margin-bottom: 4px; }
.dark .rag-abstain-title { color: #fbbf24; }
.rag-abstain-body { font-size: 0.9em; }
.rag-abstain-foot { font-size: 0.8em; margin-top: 6px; color: var(--body-text-color-subdued); }
.rag-abstain-small { margin: 6px 0 10px 0; font-size: 0.9em; }
.rag-error { border-left: 5px solid #dc2626; padding: 8px 12px; background: rgba(220, 38, 38, 0.08);
  border-radius: 8px; }
.rag-sources-for { font-size: 0.85em; color: var(--body-text-color-subdued); margin-bottom: 8px; }
.rag-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 12px;
  margin-bottom: 10px; background: var(--background-fill-primary); }
.rag-card-head { display: flex; align-items: baseline; font-weight: 600; }
.rag-title { flex: 1; }
.rag-meta { font-size: 0.8em; color: var(--body-text-color-subdued); margin: 3px 0 6px 0; }
.rag-meta code { font-size: 0.95em; }
.rag-unknown { font-style: italic; }
.rag-note { font-size: 0.85em; background: var(--background-fill-secondary); border-radius: 6px;
  padding: 4px 8px; margin-bottom: 6px; }
blockquote.rag-passage { margin: 0 !important; padding: 4px 10px !important;
  border-left: 3px solid var(--border-color-accent); font-size: 0.9em; line-height: 1.5; }
#rag-passages blockquote.rag-passage { max-height: 220px; overflow-y: auto; }
.rag-passage mark, .rag-quote-alone mark { background: #fde68a; color: #1f2937; padding: 0 2px;
  border-radius: 3px; }
.rag-rewrite { font-size: 0.9em; margin-bottom: 8px; }
ul.rag-results { list-style: none; padding: 0; margin: 6px 0; }
ul.rag-results li { margin: 3px 0; }
.rag-ok { color: #15803d; }
.dark .rag-ok { color: #4ade80; }
.rag-bad { color: #b91c1c; }
.rag-pending { color: #6b7280; }
.rag-unsupported { color: #b91c1c; text-decoration: line-through; }
.rag-flag-unsupported { color: #b91c1c; font-size: 0.85em; }
.rag-notice-line { color: #92400e; font-size: 0.9em; margin-bottom: 0.4em; }
.dark .rag-bad { color: #f87171; }
.rag-flag { font-weight: 700; }
.rag-notice { padding: 4px 0; }
#rag-examples button { font-size: 0.85em; }
"""
