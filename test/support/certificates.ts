import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM files made for one test run (paths), and a way to remove them. */
export interface TestCertificates {
  dir: string;
  /** The CA that signed the server's and the client's certificates. */
  ca: string;
  /** Server certificate for localhost and 127.0.0.1, and its key. */
  serverCert: string;
  serverKey: string;
  /** Client certificate (for mutual TLS), and its key. */
  clientCert: string;
  clientKey: string;
  /** A CA that signed nothing here (a client that trusts only it must refuse the server). */
  otherCa: string;
  /** The content of a file, e.g. to pass a Buffer instead of a path. */
  read(path: string): Buffer;
  remove(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** Makes a CA, a server and a client certificate, and an unrelated CA, with openssl. */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-kubemq-tls-'));
  const ca = (name: string) => [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
  ];
  openssl(ca('test-ca'), dir);
  openssl(ca('other-ca'), dir);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  for (const [name, ext] of [
    ['server', ['-extfile', 'server.ext']],
    ['client', []],
  ] as const) {
    openssl(
      [
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        `/CN=${name}`,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
      ],
      dir,
    );
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'test-ca.pem',
        '-CAkey',
        'test-ca.key',
        '-CAcreateserial',
        '-days',
        '2',
        '-out',
        `${name}.pem`,
        ...ext,
      ],
      dir,
    );
  }
  const at = (file: string) => join(dir, file);
  return {
    dir,
    ca: at('test-ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server.key'),
    clientCert: at('client.pem'),
    clientKey: at('client.key'),
    otherCa: at('other-ca.pem'),
    read: (path) => readFileSync(path),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
