import { randomBytes } from 'node:crypto';

const POOL_SLACK = 64 * 1024;

/**
 * Record values like ProducerPerformance's: random upper-case letters, different for every record.
 * Values are windows at random offsets into one pool: generating fresh bytes per record would cost
 * the producer CPU that Java spends elsewhere, and the producer copies each value into its request anyway.
 */
export class PayloadSource {
  readonly #pool: Buffer;
  readonly #size: number;

  constructor(recordSize: number) {
    this.#size = recordSize;
    this.#pool = randomBytes(recordSize + POOL_SLACK);
    for (let i = 0; i < this.#pool.length; i++) this.#pool[i] = 65 + ((this.#pool[i] ?? 0) % 26);
  }

  next(): Buffer {
    const offset = Math.floor(Math.random() * (POOL_SLACK + 1));
    return this.#pool.subarray(offset, offset + this.#size);
  }
}
