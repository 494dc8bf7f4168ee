import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where Debian's OpenLDAP server and tools live (`apt-get install slapd ldap-utils`). */
const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';

export const LDAP_SUFFIX = 'dc=example,dc=com';
export const LDAP_ROOT_DN = `cn=admin,${LDAP_SUFFIX}`;
export const LDAP_ROOT_PASSWORD = 'directory-secret';

/** One person in a seed. */
export interface SeedPerson {
  uid: string;
  /** Omit for an entry without an e-mail. */
  mail?: string;
  givenName?: string;
  sn: string;
  country?: string;
}

/** One group in a seed: members are uids of people or cns of other groups (nesting). */
export interface SeedGroup {
  cn: string;
  people?: string[];
  groups?: string[];
}

/** A running slapd of a test, owned by the test process. */
export interface TestSlapd {
  url: string;
  /** `ldaps://` on its own port, with the certificate of `caPem`. */
  ldapsUrl: string;
  caPem: string;
  port: number;
  dir: string;
  /** Runs ldapmodify (as the root DN) with this LDIF. */
  modify(ldif: string): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The DN of a seeded person or group. */
export const personDn = (uid: string) => `uid=${uid},ou=people,${LDAP_SUFFIX}`;
export const groupDn = (cn: string) => `cn=${cn},ou=groups,${LDAP_SUFFIX}`;

/**
 * The LDIF of a seed: the suffix, ou=people (inetOrgPerson with `c` from the country object
 * class) and ou=groups (groupOfNames, members by DN; a group member is a nested group).
 */
export function seedLdif(people: Iterable<SeedPerson>, groups: SeedGroup[]): Generator<string> {
  return (function* () {
    yield `dn: ${LDAP_SUFFIX}\nobjectClass: top\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n`;
    yield `dn: ou=people,${LDAP_SUFFIX}\nobjectClass: organizationalUnit\nou: people\n\n`;
    yield `dn: ou=groups,${LDAP_SUFFIX}\nobjectClass: organizationalUnit\nou: groups\n\n`;
    for (const person of people) {
      yield personLdif(person);
    }
    for (const group of groups) {
      yield groupLdif(group);
    }
  })();
}

/** One person's add-LDIF. */
export function personLdif(person: SeedPerson): string {
  const lines = [
    `dn: ${personDn(person.uid)}`,
    'objectClass: inetOrgPerson',
    'objectClass: extensibleObject',
    `uid: ${person.uid}`,
    `cn: ${[person.givenName, person.sn].filter(Boolean).join(' ')}`,
    `sn: ${person.sn}`,
  ];
  if (person.givenName) {
    lines.push(`givenName: ${person.givenName}`);
  }
  if (person.mail) {
    lines.push(`mail: ${person.mail}`);
  }
  if (person.country) {
    lines.push(`c: ${person.country}`);
  }
  return `${lines.join('\n')}\n\n`;
}

function groupLdif(group: SeedGroup): string {
  const members = [...(group.people ?? []).map(personDn), ...(group.groups ?? []).map(groupDn)];
  // groupOfNames needs at least one member: an empty group names itself' parent, as tools do.
  const lines = [`dn: ${groupDn(group.cn)}`, 'objectClass: groupOfNames', `cn: ${group.cn}`];
  for (const member of members.length > 0 ? members : [`ou=groups,${LDAP_SUFFIX}`]) {
    lines.push(`member: ${member}`);
  }
  return `${lines.join('\n')}\n\n`;
}

async function makeCertificates(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const ca = path.join(dir, 'ca.pem');
  const caKey = path.join(dir, 'ca.key');
  const key = path.join(dir, 'server.key');
  const csr = path.join(dir, 'server.csr');
  const cert = path.join(dir, 'server.pem');
  const ext = path.join(dir, 'server.ext');
  await run(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', ca, '-days', '2'].concat([
      '-subj',
      '/CN=Usher test CA',
    ]),
  );
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=127.0.0.1']);
  await writeFile(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-out',
    cert,
    '-days',
    '2',
    '-extfile',
    ext,
  ]);
  return { ca, cert, key };
}

/**
 * Starts Debian's slapd as a child of the test process on loopback ports (ldap:// with StartTLS,
 * and ldaps://), with its own configuration and database in a temporary folder, seeded offline
 * by slapadd. No system service is used.
 * @param seed the LDIF chunks (see seedLdif)
 * @returns the running server
 */
export async function startSlapd(seed: Iterable<string>): Promise<TestSlapd> {
  const dir = await mkdtemp(path.join(tmpdir(), 'usher-slapd-'));
  await mkdir(path.join(dir, 'db'));
  const certificates = await makeCertificates(dir);
  const config = path.join(dir, 'slapd.conf');
  await writeFile(
    config,
    [
      'include /etc/ldap/schema/core.schema',
      'include /etc/ldap/schema/cosine.schema',
      'include /etc/ldap/schema/inetorgperson.schema',
      'include /etc/ldap/schema/nis.schema',
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      `pidfile ${path.join(dir, 'slapd.pid')}`,
      `TLSCACertificateFile ${certificates.ca}`,
      `TLSCertificateFile ${certificates.cert}`,
      `TLSCertificateKeyFile ${certificates.key}`,
      // Paged searches of any size (RFC 2696); an unpaged search stops at the default 500.
      'sizelimit size.soft=500 size.hard=unlimited size.pr=unlimited size.prtotal=unlimited',
      'database mdb',
      'maxsize 4294967296',
      `suffix "${LDAP_SUFFIX}"`,
      `rootdn "${LDAP_ROOT_DN}"`,
      `rootpw ${LDAP_ROOT_PASSWORD}`,
      `directory ${path.join(dir, 'db')}`,
      'index objectClass,uid,mail,member eq',
      '',
    ].join('\n'),
  );
  const ldif = path.join(dir, 'seed.ldif');
  const chunks: string[] = [];
  for (const chunk of seed) {
    chunks.push(chunk);
  }
  await writeFile(ldif, chunks.join(''));
  await run(SLAPADD, ['-q', '-f', config, '-l', ldif], { maxBuffer: 16 * 1024 * 1024 });
  const port = await freePort();
  const ldapsPort = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const ldapsUrl = `ldaps://127.0.0.1:${ldapsPort}`;
  // `-d 0` keeps slapd in the foreground, a child of this process, and ends with it.
  const child: ChildProcess = spawn(SLAPD, ['-h', `${url}/ ${ldapsUrl}/`, '-f', config, '-d', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => {
    stderr = (stderr + data.toString()).slice(-4000);
  });
  await waitForPort(port, child, () => stderr);
  const caPem = (await import('node:fs')).readFileSync(certificates.ca, 'utf8');
  return {
    url,
    ldapsUrl,
    caPem,
    port,
    dir,
    async modify(text) {
      await new Promise<void>((resolve, reject) => {
        const tool = spawn('ldapmodify', ['-a', '-x', '-H', url, '-D', LDAP_ROOT_DN, '-w', LDAP_ROOT_PASSWORD], {
          stdio: ['pipe', 'ignore', 'pipe'],
        });
        let errors = '';
        tool.stderr.on('data', (data: Buffer) => {
          errors += data.toString();
        });
        tool.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ldapmodify: ${errors}`))));
        tool.stdin.end(text);
      });
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const { connect } = await import('node:net');
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (child.exitCode !== null) {
      throw new Error(`slapd exited (${child.exitCode}): ${stderr()}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGTERM');
  throw new Error(`slapd did not listen on ${port}: ${stderr()}`);
}
