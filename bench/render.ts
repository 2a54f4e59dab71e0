import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { renderMarkdown, writeResults, type BenchResults } from './report';

/**
 * `node .tmp/bench/bench/render.js bench/results/latest.json`: writes the
 * Markdown of a results file again (after a change to the report), next to it.
 */
const file = process.argv[2];
if (!file) {
  console.error('usage: node .tmp/bench/bench/render.js bench/results/<name>.json');
  process.exit(1);
}
const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
const { md } = writeResults(results, basename(file, '.json'));
console.log(renderMarkdown(results));
console.error(`wrote ${md}`);
