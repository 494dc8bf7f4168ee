import type { AddressInfo } from 'node:net';
import { createUDPServer, Packet } from 'dns2';

/** A DNS server on 127.0.0.1 that answers TXT questions from a zone the test edits. */
export interface TestDnsServer {
  /** `127.0.0.1:<port>`, as USHER_DNS_SERVERS takes it. */
  address: string;
  /** Publishes the TXT records of a name (replacing what it had). */
  setTxt(name: string, texts: string[]): void;
  /** Removes a name: questions about it get NXDOMAIN. */
  remove(name: string): void;
  /** Makes questions about a name fail with SERVFAIL (a broken DNS server). */
  fail(name: string): void;
  close(): Promise<void>;
}

const RCODE = { noError: 0, serverFailure: 2, nameError: 3 } as const;

/**
 * Starts an authoritative-only DNS server (dns2) on a random UDP port of 127.0.0.1.
 * @returns the server and its zone
 */
export async function startDnsServer(): Promise<TestDnsServer> {
  const zone = new Map<string, string[]>();
  const failing = new Set<string>();
  const server = createUDPServer((request, send) => {
    const response = Packet.createResponseFromRequest(request);
    const question = request.questions[0];
    const name = question?.name.toLowerCase().replace(/\.$/, '') ?? '';
    const texts = zone.get(name);
    if (failing.has(name)) {
      response.header.rcode = RCODE.serverFailure;
    } else if (!texts) {
      response.header.rcode = RCODE.nameError;
    } else if (question?.type === Packet.TYPE.TXT) {
      for (const text of texts) {
        // dns2 encodes plain objects; its types ask for the toBuffer of decoded records.
        const answer = { name: question.name, type: Packet.TYPE.TXT, class: Packet.CLASS.IN, ttl: 1, data: text };
        response.answers.push(answer as (typeof response.answers)[number]);
      }
    }
    void send(response);
  });
  await server.listen(0, '127.0.0.1');
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    setTxt: (name, texts) => {
      failing.delete(name);
      zone.set(name, texts);
    },
    remove: (name) => {
      failing.delete(name);
      zone.delete(name);
    },
    fail: (name) => failing.add(name),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
