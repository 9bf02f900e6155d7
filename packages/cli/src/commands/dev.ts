import { startDevelopmentStack } from '../dev/supervisor.js';
import { readDevSettings, type DevSettings } from '../dev/settings.js';

/** `palisade dev`: runs the whole stack until Ctrl-C or until a service dies. */
export async function runDev(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const settings = readDevSettings(env);
  const output = (line: string) => process.stdout.write(`${line}\n`);

  const { stack, databaseUrl } = await startDevelopmentStack(settings, output);
  output(readyMessage(settings, databaseUrl));

  const stopOnSignal = (signal: NodeJS.Signals) => {
    output(`received ${signal}, stopping the stack`);
    void stack.stop();
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

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
