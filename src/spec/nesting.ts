// Refuses deeply nested YAML before it is parsed: the yaml library builds documents recursively,
// and a few thousand `[` can exhaust the stack (or worse, abort the process). Only yaml's lexer
// runs here: it is iterative, and it knows what is a quote, a comment or a block scalar.
import { CST, Lexer } from 'yaml';
import { SPEC_LIMITS } from './limits.js';
import { specError } from './spec-error.js';

/** Lexer tokens that stand for no source text. */
const SYNTHETIC = new Set(['\u0002', '\u0018', '\u001f']);
const SCALAR = '\u001f';

/**
 * An upper bound of the nesting depth, computed line by line: indentation levels of block
 * collections, plus `-`/`?` indicators on the line, plus open flow brackets. It may count a
 * level or two more than the document really has, never fewer than half.
 */
export function assertNestingDepth(text: string, file: string): void {
  const indents: number[] = [];
  let offset = 0;
  let flow = 0;
  let atLineStart = true;
  let indent = 0;
  let lineDepth = 0;
  let blockScalarPending = false;
  let skipContent = false;

  for (const token of new Lexer().lex(text)) {
    const start = offset;
    if (!SYNTHETIC.has(token)) offset += token.length;
    if (skipContent) {
      // The text of a block scalar: its lines and their indentation are not structure.
      skipContent = false;
      atLineStart = token.endsWith('\n');
      indent = 0;
      continue;
    }
    const type = CST.tokenType(token);
    if (token === SCALAR && blockScalarPending) {
      blockScalarPending = false;
      skipContent = true;
      continue;
    }
    if (type === 'doc-mode' || type === 'byte-order-mark') continue;
    if (type === 'newline') {
      if (flow === 0) {
        atLineStart = true;
        indent = 0;
      }
      continue;
    }
    if (type === 'space') {
      if (atLineStart && !token.includes('\n')) indent = token.length;
      continue;
    }
    if (type === 'comment') continue;
    if (atLineStart) {
      // The first token of a line of block structure: its column says which collections are still open.
      atLineStart = false;
      while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
      lineDepth = indents.length;
    }
    if (type === 'block-scalar-header') blockScalarPending = true;
    else if (type === 'seq-item-ind' || type === 'explicit-key-ind') lineDepth += 1;
    else if (type === 'flow-seq-start' || type === 'flow-map-start') flow += 1;
    else if (type === 'flow-seq-end' || type === 'flow-map-end') flow = Math.max(0, flow - 1);
    else if (type === 'flow-error-end') flow = 0;
    if (lineDepth + flow > SPEC_LIMITS.depth) {
      throw specError(
        `the spec nests more than ${SPEC_LIMITS.depth} levels of maps and lists`,
        { file, ...positionOf(text, start), path: '' },
        'a spec needs a handful of levels (containers.web.template.name): flatten this part',
      );
    }
  }
}

/** 1-based line and column of `offset`, counted only when an error needs it. */
export function positionOf(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, col: end - lineStart + 1 };
}
