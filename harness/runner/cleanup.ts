/**
 * Last-in, first-out teardown for everything a run starts (Node 20 has no
 * AsyncDisposableStack). Every step runs even when an earlier one throws;
 * the first error is rethrown after all have run.
 */
export class Cleanup {
  readonly #steps: (() => unknown)[] = [];

  defer(step: () => unknown): void {
    this.#steps.push(step);
  }

  use<T extends AsyncDisposable>(resource: T): T {
    this.defer(() => resource[Symbol.asyncDispose]());
    return resource;
  }

  async run(): Promise<void> {
    let first: unknown;
    while (this.#steps.length > 0) {
      const step = this.#steps.pop()!;
      try {
        await step();
      } catch (error) {
        first ??= error;
      }
    }
    if (first !== undefined) throw first;
  }
}
