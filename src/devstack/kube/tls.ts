// The stand-in serves HTTPS, as every real API server does, and not only for looks: kubectl (client-go)
// sends a kubeconfig's bearer token over https only. One self-signed certificate per process, valid for
// 127.0.0.1, ::1 and localhost; kubeconfigs trust it as their CA. Node makes the key (natively, fast);
// node-forge writes and signs the certificate, which Node's crypto cannot.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface ServingCert {
  /** PEM */
  cert: string;
  /** PEM */
  key: string;
}

/** What a certificate says: its subject, validity, the names it serves and, when not itself, its issuer's name. */
export interface CertSpec {
  commonName: string;
  notBefore: Date;
  notAfter: Date;
  altNames: ({ ip: string } | { dns: string })[];
  /** The issuer's name attributes; the subject's (self-issued) when unset. */
  issuer?: { name: string; value: string }[];
}

/** A certificate signed by its own key (a new RSA key each call), for HTTPS servers of the stand-ins and tests. */
export function selfSignedCert(spec: CertSpec): ServingCert {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  // A positive serial number in DER's minimal form: 16 bytes, the first 0x01..0x7f. (It was "0" and 15
  // random bytes: when the first of them was 0x00, OpenSSL refused the redundant leading zero byte
  // ("asn1 encoding routines::illegal padding") and the process could not serve: one start in 256.)
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  const name = [{ name: 'commonName', value: spec.commonName }];
  cert.setSubject(name);
  cert.setIssuer(spec.issuer ?? name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: spec.altNames.map((n) => ('ip' in n ? { type: 7, ip: n.ip } : { type: 2, value: n.dns })),
    },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: privateKey };
}

let cached: ServingCert | undefined;

/** The stand-in API server's certificate, one per process: valid a year for 127.0.0.1, ::1 and localhost. */
export function servingCert(): ServingCert {
  const now = Date.now();
  cached ??= selfSignedCert({
    commonName: 'carbon-devstack-apiserver',
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 365 * 24 * 3_600_000),
    altNames: [{ ip: '127.0.0.1' }, { ip: '::1' }, { dns: 'localhost' }],
  });
  return cached;
}
