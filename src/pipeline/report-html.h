// report.html of an evaluation, made from the files `ants eval` leaves in its --out directory
// (so `ants report DIR` can remake it later). The public entry point, write_report_html, is
// declared in <ants/pipeline.h>; this header adds the page as a string, for callers that do not
// want it on disk.
//
// The page is one self-contained HTML file: inline CSS and inline SVG, no script, no fonts, no
// network references. Every string taken from the inputs (set names, file names, labels, MLLM
// errors) is HTML-escaped, and invalid UTF-8 in it becomes U+FFFD.
//
// Inputs read from `out_dir` (formats: see write_eval_outputs and eval-schema.h):
//   metrics.json   required: the metrics table
//   run.json       required: summary and warnings
//   scores.csv     required: ROC curves and score histograms (first seed of each set)
//   trace.csv      optional: γ/λ charts (a note replaces them when the file is absent)
//   negatives.json optional: the mined negative labels (likewise)
// A required file that is missing, or any of them that is malformed, raises ants::Error (io or
// format) whose message starts with the file's path and, for CSV files, the line.
#pragma once

#include <ants/eval.h>

#include <filesystem>
#include <string>

namespace ants::pipeline {

// The page for the files in `out_dir`, without writing it.
std::string report_html(const std::filesystem::path& out_dir);

// A self-contained page in the report's style around `main_html` (already escaped): `title` as
// the heading, `nav_html` (links) under it.
std::string html_page(const std::string& title, const std::string& nav_html, const std::string& main_html);
// <section id=ID> with an escaped <h2> heading around `body`.
std::string html_section(const char* id, const std::string& heading, const std::string& body);

}  // namespace ants::pipeline
