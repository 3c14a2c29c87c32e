/** The names in `fields` whose value in `body` is not a non-empty string (`text` may be empty: a bare `/carbon`). */
export function missingFields(body: Record<string, unknown>, fields: readonly string[]): string[] {
  return fields.filter((field) => {
    const value = body[field];
    return typeof value !== 'string' || (value === '' && field !== 'text');
  });
}
