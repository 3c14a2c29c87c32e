/**
 * How many records make one produce request, counted in Kafka's record-batch format (v2) the way Java's
 * producer fills a `batch.size` buffer: a 61-byte batch header, then per record its length, attributes,
 * timestamp and offset deltas, key length (no key), value length, the value and the header count.
 */
const BATCH_HEADER_BYTES = 61;

/** Bytes of a zig-zag varint, as Kafka writes record fields. */
function varintBytes(n: number): number {
  let v = n >= 0 ? 2 * n : -2 * n - 1;
  let bytes = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    bytes++;
  }
  return bytes;
}

/** One record's bytes in a batch: its timestamp delta is taken as 0 (records of one request go out together). */
function recordBytes(offsetDelta: number, valueBytes: number): number {
  const body =
    1 + varintBytes(0) + varintBytes(offsetDelta) + varintBytes(-1) + varintBytes(valueBytes) + valueBytes + 1;
  return varintBytes(body) + body;
}

/** Records of `valueBytes` that fit in a `batchBytes` batch, at least one (like Java, a larger record goes alone), at most `max`. */
export function recordsPerBatch(batchBytes: number, valueBytes: number, max: number): number {
  let size = BATCH_HEADER_BYTES;
  let records = 0;
  while (records < max) {
    size += recordBytes(records, valueBytes);
    if (size > batchBytes && records > 0) break;
    records++;
  }
  return records;
}
