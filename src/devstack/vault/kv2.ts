import { type ApiRequest, type ApiResponse, fail, isRecord, noContent, ok } from './api.js';

/**
 * One KV version 2 mount, kept only in memory, following the documented API
 * (developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2). Field names are Vault's own snake_case so
 * responses can be compared with the documentation line by line.
 */

interface VersionRecord {
  created_time: string;
  /** '' while live; the time of the soft delete otherwise. */
  deletion_time: string;
  destroyed: boolean;
  /** null once destroyed: the value is really gone, not only hidden. */
  data: Record<string, unknown> | null;
}

interface KeyRecord {
  created_time: string;
  updated_time: string;
  current_version: number;
  /** 0 until max_versions first trims a version, then the oldest version still kept (as Vault reports it). */
  oldest_version: number;
  versions: Map<number, VersionRecord>;
}

/** Vault keeps 10 versions when neither the mount nor the key sets max_versions. */
const MAX_VERSIONS = 10;

const CAS_MISMATCH = 'check-and-set parameter did not match the current version';

export class KvV2Mount {
  private readonly keys = new Map<string, KeyRecord>();

  /** `op` is the segment after the mount (data, metadata, delete, undelete, destroy); `key` is the rest. */
  handle(op: string, key: string, req: ApiRequest, now: Date): ApiResponse {
    const listing = req.method === 'LIST' || (req.method === 'GET' && req.query.get('list') === 'true');
    if (op === 'metadata' && listing) return this.list(key);
    if (key === '') return fail(404);
    const time = now.toISOString();
    switch (`${op} ${req.method}`) {
      case 'data GET':
        return this.read(key, req.query.get('version'));
      case 'data POST':
      case 'data PUT':
        return this.write(key, req.body, time);
      case 'data DELETE':
        return this.deleteLatest(key, time);
      case 'delete POST':
      case 'delete PUT':
        return this.changeVersions(key, req.body, (v) => {
          if (!v.destroyed && v.deletion_time === '') v.deletion_time = time;
        });
      case 'undelete POST':
      case 'undelete PUT':
        return this.changeVersions(key, req.body, (v) => {
          if (!v.destroyed) v.deletion_time = '';
        });
      case 'destroy POST':
      case 'destroy PUT':
        return this.changeVersions(key, req.body, (v) => {
          v.destroyed = true;
          v.data = null;
        });
      case 'metadata GET':
        return this.readMetadata(key);
      case 'metadata DELETE':
        this.keys.delete(key);
        return noContent();
      default:
        return ['data', 'metadata', 'delete', 'undelete', 'destroy'].includes(op)
          ? fail(405, 'unsupported operation')
          : fail(404);
    }
  }

  /** Drops every value, so closing the stand-in leaves no secret behind in memory. */
  wipe(): void {
    this.keys.clear();
  }

  private read(key: string, versionParam: string | null): ApiResponse {
    const version = versionParam === null ? 0 : Number(versionParam);
    if (!Number.isInteger(version) || version < 0)
      return fail(400, `error converting input "${versionParam}" for field "version"`);
    const record = this.keys.get(key);
    const wanted = version === 0 ? (record?.current_version ?? 0) : version;
    const entry = record?.versions.get(wanted);
    if (record === undefined || entry === undefined) return fail(404);
    const metadata = {
      created_time: entry.created_time,
      custom_metadata: null,
      deletion_time: entry.deletion_time,
      destroyed: entry.destroyed,
      version: wanted,
    };
    // Vault answers a deleted or destroyed version with 404 but still shows its metadata, so callers can tell
    // "never written" from "deleted".
    if (entry.data === null || entry.deletion_time !== '')
      return { ...ok({ data: null, metadata }, { mountType: 'kv' }), status: 404 };
    return ok({ data: structuredClone(entry.data), metadata }, { mountType: 'kv' });
  }

  private write(key: string, body: unknown, time: string): ApiResponse {
    if (!isRecord(body) || !isRecord(body.data)) return fail(400, 'no data provided');
    const record = this.keys.get(key);
    const current = record?.current_version ?? 0;
    const cas = isRecord(body.options) ? body.options.cas : undefined;
    if (cas !== undefined) {
      if (typeof cas !== 'number' || !Number.isInteger(cas) || cas < 0) return fail(400, 'invalid value for "cas"');
      // cas 0 means "create only": it matches only a key that has no version yet.
      if (cas !== current) return fail(400, CAS_MISMATCH);
    }
    const target = record ?? {
      created_time: time,
      updated_time: time,
      current_version: 0,
      oldest_version: 0,
      versions: new Map(),
    };
    const version = current + 1;
    target.versions.set(version, {
      created_time: time,
      deletion_time: '',
      destroyed: false,
      data: structuredClone(body.data),
    });
    target.current_version = version;
    target.updated_time = time;
    if (version > MAX_VERSIONS) {
      target.oldest_version = version - MAX_VERSIONS + 1;
      for (const old of target.versions.keys()) if (old < target.oldest_version) target.versions.delete(old);
    }
    this.keys.set(key, target);
    return ok(
      { created_time: time, custom_metadata: null, deletion_time: '', destroyed: false, version },
      { mountType: 'kv' },
    );
  }

  private deleteLatest(key: string, time: string): ApiResponse {
    const record = this.keys.get(key);
    const latest = record?.versions.get(record.current_version);
    if (latest !== undefined && !latest.destroyed && latest.deletion_time === '') latest.deletion_time = time;
    return noContent();
  }

  private changeVersions(key: string, body: unknown, change: (version: VersionRecord) => void): ApiResponse {
    const versions = isRecord(body) ? body.versions : undefined;
    if (!Array.isArray(versions) || versions.length === 0) return fail(400, 'no version number provided');
    if (!versions.every((v) => Number.isInteger(v))) return fail(400, 'versions must be integers');
    const record = this.keys.get(key);
    for (const v of versions as number[]) {
      const entry = record?.versions.get(v);
      if (entry !== undefined) change(entry);
    }
    return noContent();
  }

  private readMetadata(key: string): ApiResponse {
    const record = this.keys.get(key);
    if (record === undefined) return fail(404);
    const versions = Object.fromEntries(
      [...record.versions].map(([v, e]) => [
        String(v),
        { created_time: e.created_time, deletion_time: e.deletion_time, destroyed: e.destroyed },
      ]),
    );
    return ok(
      {
        cas_required: false,
        created_time: record.created_time,
        current_version: record.current_version,
        custom_metadata: null,
        delete_version_after: '0s',
        max_versions: 0,
        oldest_version: record.oldest_version,
        updated_time: record.updated_time,
        versions,
      },
      { mountType: 'kv' },
    );
  }

  /** Names directly under the folder; sub-folders end with '/'. An empty folder is a 404, as in Vault. */
  private list(key: string): ApiResponse {
    const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
    const names = new Set<string>();
    for (const name of this.keys.keys()) {
      if (!name.startsWith(prefix)) continue;
      const rest = name.slice(prefix.length);
      const slash = rest.indexOf('/');
      names.add(slash === -1 ? rest : rest.slice(0, slash + 1));
    }
    if (names.size === 0) return fail(404);
    return ok({ keys: [...names].sort() }, { mountType: 'kv' });
  }
}
