/**
 * Cleanups registered by the steps of a multi-step operation (moby's deferred cleanups in
 * containerStart): on failure they run in reverse, each even if an earlier one failed.
 */
export class UndoStack {
  private readonly steps: { what: string; undo: () => unknown }[] = [];

  push(what: string, undo: () => unknown): void {
    this.steps.push({ what, undo });
  }

  /** Runs every cleanup, last registered first; failures go to `onError` and do not stop the rest. */
  async unwind(onError: (what: string, err: unknown) => void): Promise<void> {
    for (const s of this.steps.splice(0).reverse()) {
      try {
        await s.undo();
      } catch (err) {
        onError(s.what, err);
      }
    }
  }
}
