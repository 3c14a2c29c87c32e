import { Store } from '../../src/app/store.js';
import { createPool } from '../../src/integrations/postgres.js';

/** A Store on the database at `url` whose every statement is written down, as PostgreSQL receives it. */
export function recordingStore(url: string): { store: Store; statements: string[] } {
  const statements: string[] = [];
  const pool = createPool(url);
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => {
      const first = args[0] as string | { text?: string };
      statements.push((typeof first === 'string' ? first : (first.text ?? '?')).replace(/\s+/g, ' ').trim());
      return query(...args);
    }) as typeof client.query;
  });
  return { store: new Store(pool), statements };
}
