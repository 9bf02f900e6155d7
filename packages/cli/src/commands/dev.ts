import { startDevelopmentStack } from '../dev/supervisor.js';
import { readDevSettings, type DevSettings } from '../dev/settings.js';

/** `palisade dev`: runs the whole stack until Ctrl-C or until a service dies. */
export async function runDev(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const settings = readDevSettings(env);
  const output = (line: string) => process.stdout.write(`${line}\n`);

  // The handlers are in place before anything starts, and a repeated Ctrl-C does not
  // abandon a stop in progress, so no service is ever left running without its supervisor.
  const interrupt = new AbortController();
  const stopOnSignal = (signal: NodeJS.Signals) => {
    if (interrupt.signal.aborted) {
      output(`received ${signal} again; still stopping the stack`);
      return;
    }
    output(`received ${signal}, stopping the stack`);
    interrupt.abort();
  };
  process.on('SIGINT', stopOnSignal);
  process.on('SIGTERM', stopOnSignal);

  let started: Awaited<ReturnType<typeof startDevelopmentStack>>;
  try {
    started = await startDevelopmentStack(settings, output, interrupt.signal);
  } catch (error) {
    if (!interrupt.signal.aborted) throw error;
    output('palisade dev stopped before it was ready');
    return 130;
  }
  const { stack, databaseUrl } = started;
  interrupt.signal.addEventListener('abort', () => void stack.stop(), { once: true });
  if (interrupt.signal.aborted) void stack.stop();
  else output(readyMessage(settings, databaseUrl));

  const failure = await stack.exited;
  if (failure !== undefined) {
    process.stderr.write(`palisade dev: ${failure}\n`);
    return 1;
  }
  output('palisade dev stopped');
  return 0;
}

function readyMessage(settings: DevSettings, databaseUrl: string): string {
  const { host, ports } = settings;
  const web = `http://${host}:${ports.web}`;
  const idpOption = ports.idp === 4000 ? '' : ` --idp http://${host}:${ports.idp}`;
  const database =
    settings.databaseUrl === undefined ? `embedded PGlite at ${databaseUrl}` : 'DATABASE_URL';
  return [
    '',
    'Palisade is ready.',
    `  app         ${settings.publicOrigin}   (sign in as alice/alice or admin/admin)`,
    `  web         ${web}/api   (API docs: ${web}/api/docs)`,
    `  idp         http://${host}:${ports.idp}   (development OpenID Connect provider)`,
    `  gatekeeper  ${host}:${ports.gatekeeper}   (gRPC over mutual TLS)`,
    `  database    ${database}`,
    '',
    'Try:',
    `  TOKEN=$(npx palisade token alice${idpOption})`,
    `  curl -H "Authorization: Bearer $TOKEN" ${web}/api/me`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}
