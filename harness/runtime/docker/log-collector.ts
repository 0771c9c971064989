import type { Readable } from 'node:stream';

/** Most lines kept; a chatty hub in a long soak must not grow memory without bound. */
const MAX_LINES = 20_000;

/**
 * Collects a container's output as lines. Docker ends a follow stream when
 * the container stops, so a restart attaches a fresh stream to the same
 * collector.
 */
export class LogCollector {
  readonly lines: string[] = [];
  #partial = '';
  #ended: Promise<void> = Promise.resolve();

  attach(stream: Readable): void {
    this.#ended = new Promise((resolve) => {
      stream.on('data', (chunk: string | Buffer) => this.#push(String(chunk)));
      const finish = () => {
        this.#flush();
        resolve();
      };
      stream.once('end', finish);
      stream.once('close', finish);
      stream.once('error', finish);
    });
  }

  /** Resolves when the current stream has ended, or after timeoutMs. */
  async drained(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#ended, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** The last `count` lines joined, for error messages. */
  tail(count: number): string {
    return this.lines.slice(-count).join('\n');
  }

  #push(text: string): void {
    const parts = (this.#partial + text).split('\n');
    this.#partial = parts.pop() ?? '';
    for (const line of parts) this.#add(line.replace(/\r$/, ''));
  }

  #flush(): void {
    if (this.#partial !== '') this.#add(this.#partial);
    this.#partial = '';
  }

  #add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
  }
}
