"""The app's look: a cinema theme (night blue, warm amber) and the CSS that shapes posters.

Fonts are the visitor's own system fonts (no web-font download, so the page works offline
and on a Space without extra requests). The CSS makes both galleries poster-shaped (2:3)
with a caption band over the bottom of each poster, lets the grid choose its column count
from the width (two or three posters across on a 390 px phone), and styles the status
lines, chips and details panel the `views` module emits.
"""

from __future__ import annotations

import gradio as gr

THEME = gr.themes.Base(
    primary_hue=gr.themes.colors.amber,
    secondary_hue=gr.themes.colors.indigo,
    neutral_hue=gr.themes.colors.slate,
    radius_size=gr.themes.sizes.radius_lg,
    font=("Inter", "ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto",
          "sans-serif"),
    font_mono=("ui-monospace", "SFMono-Regular", "Menlo", "monospace"),
).set(
    body_background_fill="#f6f4ef",
    body_background_fill_dark="#0d1020",
    block_background_fill="#ffffff",
    block_background_fill_dark="#161a2e",
    block_border_width="0px",
    block_shadow="0 1px 3px rgba(15, 18, 40, 0.08)",
    button_primary_background_fill="linear-gradient(90deg, #f59e0b, #ef6c3a)",
    button_primary_background_fill_hover="linear-gradient(90deg, #fbbf24, #f27d4f)",
    button_primary_text_color="#1b1206",
    button_large_text_size="1.1rem",
    input_background_fill="#fbfaf7",
)

CSS = """
.gradio-container { max-width: 1280px !important; margin: 0 auto; }
.mr-hero { background: radial-gradient(circle at 15% 20%, #3b2f8f 0%, #151a3a 55%, #0b0e1f 100%);
  color: #fff; border-radius: 18px; padding: 22px 26px; margin-bottom: 6px; }
.mr-hero h1 { margin: 0; font-size: 2rem; letter-spacing: -0.02em; color: #fff; }
.mr-hero p { margin: 6px 0 0; color: #e7e3ff; font-size: 1.02rem; max-width: 760px; }
.mr-h2 { margin: 0 0 2px; font-size: 1.15rem; }
.mr-msg { padding: 8px 12px; border-radius: 10px; font-size: 0.95rem; line-height: 1.4; }
.mr-info { background: #eef0fb; color: #262b59; }
.mr-ok { background: #e9f7ee; color: #14532d; }
.mr-warn { background: #fff4df; color: #6b3d00; }
.mr-error { background: #fde8e8; color: #7f1d1d; }
.mr-picks { display: flex; flex-wrap: wrap; gap: 6px; }
.mr-chip { display: inline-block; padding: 4px 10px; border-radius: 999px; font-size: 0.9rem;
  background: #fff1d6; color: #3f2a00; border: 1px solid #f3d18a; }
.mr-chip.mr-like { background: #e3f4ff; border-color: #9fd1f5; color: #0c3a5b; }
.mr-chip.mr-dislike { background: #f1f1f4; border-color: #c9c9d3; color: #4b4b5a; }
.mr-chip.mr-rated { background: #f3ecff; border-color: #cdb8f7; color: #34205f; }
.mr-chip.mr-liked { background: #e3f4ff; border-color: #9fd1f5; color: #0c3a5b; }
.mr-chip.mr-disliked, .mr-chip.mr-not_interested { background: #f1f1f4; border-color: #c9c9d3;
  color: #4b4b5a; }
.mr-chip.mr-seen { background: #eef7ee; border-color: #b9dcb9; color: #1f4a1f; }
.mr-feedback-chips { margin-top: 6px; display: flex; flex-wrap: wrap; gap: 6px;
  align-items: center; }
.mr-note { color: #6b7085; font-size: 0.88rem; }
.mr-empty { color: #6b7085; }
.mr-edit-row { align-items: center; }
.mr-edit-label { font-weight: 600; }
.mr-examples button { flex: 1 1 auto; }
.mr-details { padding: 6px 4px; }
.mr-details .mr-title { margin: 0 0 6px; font-size: 1.25rem; }
.mr-details .mr-year { color: #6b7085; font-weight: 400; }
.mr-details .mr-rank { color: #d97706; }
.mr-tag { display: inline-block; margin: 0 6px 6px 0; padding: 2px 8px; border-radius: 6px;
  background: #eef0fb; color: #262b59; font-size: 0.82rem; }
.mr-why { background: #fff7e8; border-left: 4px solid #f59e0b; padding: 8px 10px;
  border-radius: 6px; }
.mr-overview { line-height: 1.5; }
.mr-people, .mr-links { color: #4b5063; font-size: 0.92rem; }
.mr-meta { margin: 0; padding-left: 18px; }

#mr-results .grid-container, #mr-sample .grid-container {
  grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)) !important;
  grid-template-rows: none !important; grid-auto-rows: auto !important; }
#mr-sample .grid-container { grid-template-columns: repeat(auto-fill, minmax(96px, 1fr)) !important;
  gap: 8px !important; }
.mr-table-wrap { max-width: 100%; overflow-x: auto; }
#mr-results .grid-wrap, #mr-sample .grid-wrap { overflow-y: auto !important;
  max-height: none !important; }
#mr-results .thumbnail-item, #mr-sample .thumbnail-item {
  aspect-ratio: 2 / 3 !important; height: auto !important; border-radius: 12px !important; }
#mr-results .thumbnail-item img, #mr-sample .thumbnail-item img { object-fit: cover; }
#mr-results .caption-label, #mr-sample .caption-label {
  left: 0 !important; right: 0 !important; bottom: 0 !important; max-width: 100% !important;
  white-space: normal !important; opacity: 1 !important; border: none !important;
  border-radius: 0 !important;
  background: linear-gradient(transparent, rgba(8, 10, 24, 0.92) 38%) !important;
  color: #fff !important; padding: 26px 8px 0 !important;
  border-bottom: 8px solid rgba(8, 10, 24, 0.92) !important; font-size: 12px !important;
  line-height: 1.3 !important; display: -webkit-box !important; -webkit-line-clamp: 5;
  -webkit-box-orient: vertical; overflow: hidden !important; }
#mr-results .thumbnail-item.selected { box-shadow: 0 0 0 3px #f59e0b !important; }
#mr-detail-box { border-radius: 14px; }
.mr-thumbs button { min-width: 120px; }

@media (max-width: 480px) {
  .mr-hero { padding: 16px; border-radius: 14px; }
  .mr-hero h1 { font-size: 1.6rem; }
  #mr-results .grid-container {
    grid-template-columns: repeat(auto-fill, minmax(105px, 1fr)) !important; gap: 8px !important; }
  #mr-results .caption-label, #mr-sample .caption-label { font-size: 11px !important;
    -webkit-line-clamp: 4; }
}
"""
