#!/usr/bin/env node
// Render formulas with KaTeX in strict mode, as tests/test_latex.py asks.
// stdin: JSON lines {"id": "...", "tex": "..."} (display mode). stdout: one JSON line per
// formula that failed, {"id": ..., "error": ...}, then {"checked": N, "failed": K}.
"use strict";
const path = require("path");
const readline = require("readline");

let katex;
try {
  katex = require(path.join(__dirname, "node_modules", "katex"));
} catch (err) {
  process.stdout.write(JSON.stringify({ missing: "katex is not installed: run npm install --prefix tests/latex" }) + "\n");
  process.exit(3);
}

const options = { displayMode: true, strict: "error", throwOnError: true, trust: false, output: "html" };
let checked = 0;
let failed = 0;
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on("line", (line) => {
  if (!line.trim()) return;
  const { id, tex } = JSON.parse(line);
  checked += 1;
  try {
    katex.renderToString(tex, options);
  } catch (err) {
    failed += 1;
    process.stdout.write(JSON.stringify({ id, error: String(err.message || err) }) + "\n");
  }
});
rl.on("close", () => {
  process.stdout.write(JSON.stringify({ checked, failed, version: katex.version }) + "\n");
});
