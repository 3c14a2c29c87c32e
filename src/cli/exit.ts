/** Exit codes of `carbon run`: 0 done, 1 failed or refused, 2 usage error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
