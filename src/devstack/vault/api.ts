import { randomUUID } from 'node:crypto';

/** One Vault API call after the HTTP layer has parsed it; the handlers never see node:http. */
export interface ApiRequest {
  /** Upper-case HTTP method; `LIST` arrives either as itself or as `GET ?list=true`. */
  method: string;
  /** The decoded path after `/v1/`, e.g. `secret/data/app/db`. */
  path: string;
  query: URLSearchParams;
  token: string | undefined;
  /** Parsed JSON body, or undefined when the request had none. */
  body: unknown;
}

export interface ApiResponse {
  status: number;
  /** Serialised as JSON; absent for 204 and HEAD. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** Vault reports every failure as `{"errors": [...]}`, even when the list is empty (a plain 404). */
export const fail = (status: number, ...errors: string[]): ApiResponse => ({ status, body: { errors } });

export const noContent = (): ApiResponse => ({ status: 204 });

/** The envelope Vault wraps around every logical response. */
export function ok(data: unknown, extra: { auth?: unknown; mountType?: string } = {}): ApiResponse {
  return {
    status: 200,
    body: {
      request_id: randomUUID(),
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data,
      wrap_info: null,
      warnings: null,
      auth: extra.auth ?? null,
      mount_type: extra.mountType ?? '',
    },
  };
}

/** Vault's own wording, reused by several handlers. */
export const PERMISSION_DENIED = 'permission denied';

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
