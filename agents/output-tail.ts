// The output of a step's commands as it comes: cut into lines for whoever watches, and its tail kept for
// the event log (the last OUTPUT_TAIL_CHARS characters, whole lines where they fit).

/** How much of a step's output its event keeps: about 4 KiB, the end of it. */
export const OUTPUT_TAIL_CHARS = 4096;
/** A "line" without a newline is cut here: output that never ends a line must not grow without bound. */
const LONGEST_LINE = 16_384;

export class OutputTail {
  private partial = '';
  private readonly lines: string[] = [];
  private chars = 0;
  private seen = false;

  /** `onLines`: every complete line, in order, as soon as it is complete. */
  constructor(private readonly onLines: (lines: string[]) => void = () => {}) {}

  write(text: string): void {
    if (text === '') return;
    this.seen = true;
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop()!;
    while (this.partial.length > LONGEST_LINE) {
      parts.push(this.partial.slice(0, LONGEST_LINE));
      this.partial = this.partial.slice(LONGEST_LINE);
    }
    if (parts.length > 0) this.emit(parts);
  }

  /** Ends the last line, if one was started: the end of one command's output. */
  flush(): void {
    if (this.partial === '') return;
    const last = this.partial;
    this.partial = '';
    this.emit([last]);
  }

  /** The last ~4 KiB, or undefined when nothing was written. */
  tail(): string | undefined {
    this.flush();
    if (!this.seen) return undefined;
    const text = this.lines.join('\n');
    return text.length > OUTPUT_TAIL_CHARS ? text.slice(text.length - OUTPUT_TAIL_CHARS) : text;
  }

  private emit(lines: string[]): void {
    const clean = lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    for (const line of clean) {
      this.lines.push(line);
      this.chars += line.length + 1;
      while (this.lines.length > 1 && this.chars - this.lines[0]!.length - 1 >= OUTPUT_TAIL_CHARS) this.chars -= this.lines.shift()!.length + 1;
    }
    this.onLines(clean);
  }
}
