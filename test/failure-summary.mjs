// The end of a log is what is read first: bin/test (when its output is not a terminal, or CI is set) prints this after
// the run, from vitest's JSON report: the failed tests, one line each, then one plain line with the counts. Plain Node:
// it runs without a build.
// Usage: node test/failure-summary.mjs REPORT.json
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
// vitest reports a test that ran out of time as a bare STACK_TRACE_ERROR.
const why = (message = '', ms = 0) =>
  message.startsWith('Error: STACK_TRACE_ERROR') ? `timed out after ${Math.round(ms / 1000)} s` : strip(message).split('\n')[0].slice(0, 200);

const failed = [];
for (const file of report.testResults) {
  const rel = file.name.replace(`${process.cwd()}/`, '');
  const tests = file.assertionResults.filter((t) => t.status === 'failed');
  for (const t of tests) failed.push(`${rel} > ${t.fullName}: ${why(t.failureMessages[0], t.duration)}`);
  if (tests.length === 0 && file.status === 'failed') failed.push(`${rel}: ${file.message || 'failed outside its tests (a hook: see above)'}`);
}
if (failed.length > 0) console.log(`failed:\n${failed.slice(0, 40).map((l) => `  ${l}`).join('\n')}`);
console.log(`${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped`);
