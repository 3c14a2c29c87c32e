import type { ApiException } from '@kubernetes/client-node';

/** The Status object of a failed client-node call (and its HTTP code); fails the test when the call succeeds. */
export async function statusOf(call: Promise<unknown>): Promise<{ code: number; status: Record<string, unknown> }> {
  const error = await call.then(
    () => Promise.reject(new Error('the call succeeded')),
    (e: unknown) => e as ApiException<unknown>,
  );
  const body =
    typeof error.body === 'string'
      ? (JSON.parse(error.body) as Record<string, unknown>)
      : (error.body as Record<string, unknown>);
  return { code: error.code, status: body };
}
