/**
 * Resources a benchmark opened (database, server, child process), released in reverse order of
 * acquisition whether the benchmark succeeded, failed or was interrupted. A failing step is reported
 * and the remaining steps still run; a step that hangs is abandoned after a timeout.
 */
export class Teardown {
  readonly #steps: Array<{ label: string; run: () => Promise<unknown> | unknown }> = [];
  #ran = false;

  add(label: string, run: () => Promise<unknown> | unknown): void {
    if (this.#ran) throw new Error(`teardown already ran; cannot add "${label}"`);
    this.#steps.push({ label, run });
  }

  /** Runs every step once, last added first. Returns false if any step failed or timed out. */
  async run(timeoutMs = 20_000): Promise<boolean> {
    if (this.#ran) return true;
    this.#ran = true;
    let ok = true;
    for (const step of this.#steps.reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([Promise.resolve().then(step.run), timeout]);
      } catch (e) {
        ok = false;
        process.stderr.write(
          `teardown: ${step.label} failed: ${e instanceof Error ? e.message : String(e)}\n`,
        );
      } finally {
        clearTimeout(timer);
      }
    }
    return ok;
  }
}
