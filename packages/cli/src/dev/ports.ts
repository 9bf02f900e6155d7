import { createServer } from 'node:net';

export interface PortClaim {
  /** What needs the port, for the message. */
  readonly owner: string;
  readonly host: string;
  readonly port: number;
  /** The variable that moves it elsewhere. */
  readonly variable: string;
}

/** Thrown when a port the stack needs is taken; the message says what to do. */
export class PortTakenError extends Error {
  readonly code = 'PORT_TAKEN';

  constructor(readonly claim: PortClaim) {
    super(
      `port ${claim.port} on ${claim.host} (${claim.owner}) is already in use: stop the process using it or set ${claim.variable} to another port`,
    );
    this.name = 'PortTakenError';
  }
}

/** Checks every claim by binding to it briefly; throws on the first taken port. */
export async function assertPortsFree(claims: readonly PortClaim[]): Promise<void> {
  for (const claim of claims) {
    if (!(await isPortFree(claim.host, claim.port))) throw new PortTakenError(claim);
  }
}

export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/** Asks the kernel for a free port on `host`. */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
