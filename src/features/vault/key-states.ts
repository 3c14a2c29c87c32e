import type { KeyState, KeyUpdate, VaultMigrations } from './store.js';

/**
 * One migration's key states on their way to PostgreSQL, group-committed: the updates made while a write is
 * in flight go together in the next one (one statement for all of them), so a migration moving 8 keys at once
 * makes a few round trips instead of two per key. Each `set` resolves once its update is recorded; updates of
 * one key are applied in the order made (merged when they meet in one batch). A crash loses at most the
 * batch in flight, which a re-run finds again: a key already in Vault is recognised by its value.
 */
export class KeyStates {
  private pending = new Map<string, KeyUpdate>();
  private last: Promise<void> = Promise.resolve();
  private next: Promise<void> | undefined;

  constructor(
    private readonly migrations: Pick<VaultMigrations, 'setKeys'>,
    private readonly id: string,
  ) {}

  /** As VaultMigrations.setKey: a new state (undefined: as it is), with its Vault version and why. */
  set(key: string, state: KeyState | undefined, extra: { vaultVersion?: number; detail?: string } = {}): Promise<void> {
    const before = this.pending.get(key);
    this.pending.set(key, {
      key,
      state: state ?? before?.state,
      vaultVersion: extra.vaultVersion ?? before?.vaultVersion,
      detail: extra.detail,
    });
    if (this.next === undefined) {
      this.next = this.last
        .catch(() => undefined) // a failed batch was reported to its own callers
        .then(() => {
          this.next = undefined;
          const batch = [...this.pending.values()];
          this.pending = new Map();
          return this.migrations.setKeys(this.id, batch);
        });
      // Handled from the start: a caller may await its `set` only later (the migration reads Vault back first),
      // and a batch failing meanwhile must not be an unhandled rejection, which ends the worker. The caller's
      // await still sees the failure.
      this.next.catch(() => undefined);
    }
    this.last = this.next;
    return this.next;
  }

  /** Resolves once every update made so far is recorded (or has failed). */
  settled(): Promise<void> {
    return this.last.catch(() => undefined);
  }
}
