// What every benchmark part receives and returns: options in, a markdown section and target verdicts out.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PartOptions {
  quick: boolean;
  /** Profile even when every target is met. */
  profile: boolean;
  log: (line: string) => void;
}

export interface TargetVerdict {
  part: string;
  what: string;
  value: string;
  target: string;
  met: boolean;
}

export interface PartResult {
  title: string;
  markdown: string;
  targets: TargetVerdict[];
}

/** Repository root (dist/bench/ -> ../..). */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const LOCKER_BIN = path.join(REPO, 'bin/locker');
/** A compiled bench file next to this one (dist/bench/NAME.js; NAME.cjs from a .cts source). */
export const benchFile = (name: string, ext: 'js' | 'cjs' = 'js') => path.join(path.dirname(fileURLToPath(import.meta.url)), `${name}.${ext}`);
