/** Keeps the last lines of a process's output, bounded. */
export class LogTail {
  readonly #lines: string[] = [];
  readonly #max: number;
  #partial = '';

  constructor(max = 2_000) {
    this.#max = max;
  }

  push(chunk: string): string[] {
    const parts = (this.#partial + chunk).split('\n');
    this.#partial = parts.pop() ?? '';
    for (const line of parts) {
      this.#lines.push(line);
      if (this.#lines.length > this.#max) this.#lines.shift();
    }
    return parts;
  }

  lines(): string[] {
    return this.#partial ? [...this.#lines, this.#partial] : [...this.#lines];
  }
}
