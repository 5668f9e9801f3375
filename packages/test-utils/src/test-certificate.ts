import { generate } from 'selfsigned';

/** A self-signed certificate for `localhost` and `127.0.0.1`, made at test time. */
export interface TestCertificate {
  /** PEM private key. */
  readonly key: string;
  /** PEM certificate; also the CA to trust. */
  readonly cert: string;
}

let cached: Promise<TestCertificate> | undefined;

/** Generate (once per process) a short-lived self-signed certificate for loopback TLS tests. */
export function testCertificate(): Promise<TestCertificate> {
  cached ??= Promise.resolve(
    generate([{ name: 'commonName', value: 'localhost' }], {
      notAfterDate: new Date(Date.now() + 2 * 86_400_000),
      keyType: 'ec',
      curve: 'P-256',
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
      ],
    }),
  ).then((pems) => ({ key: pems.private, cert: pems.cert }));
  return cached;
}
