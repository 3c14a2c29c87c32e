/** Vault calls of one migration in flight at once: keys are independent (a path each). */
export const KEY_CONCURRENCY = 8;
