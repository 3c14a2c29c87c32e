import { describe, expect, it } from '@jest/globals';
import { coversHost } from '../../src/features/health/data-services/endpoint.js';

/** Which cert-manager Certificate the TLS line names beside a served certificate: the host matched as a client does. */
describe('a cert-manager Certificate covers a host', () => {
  const cert = { dnsNames: ['*.x.com', 'api.y.com'] };

  it('by its exact name, or a wildcard standing for exactly one label (RFC 6125)', () => {
    expect(coversHost(cert, 'a.x.com')).toBe(true);
    expect(coversHost(cert, 'api.y.com')).toBe(true);
    expect(coversHost(cert, 'API.Y.com')).toBe(true);
  });

  it('not for a deeper name, the bare domain, or a Certificate with no dnsNames', () => {
    expect(coversHost(cert, 'a.b.x.com')).toBe(false);
    expect(coversHost(cert, 'x.com')).toBe(false);
    expect(coversHost(cert, 'y.com')).toBe(false);
    expect(coversHost({}, 'a.x.com')).toBe(false);
  });
});
