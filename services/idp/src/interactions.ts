import type { IncomingMessage, ServerResponse } from 'node:http';

import type Provider from 'oidc-provider';
import type { Logger } from 'pino';

import { authenticate } from './accounts.js';
import { readBody, sendHtml } from './http.js';
import { escapeHtml, renderPage } from './pages.js';
import { INTERACTION_PATH } from './provider.js';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

export interface InteractionOptions {
  readonly provider: Provider;
  /** Client whose consent is granted without asking, because it is part of Palisade. */
  readonly firstPartyClientId: string;
  readonly logger: Logger;
}

/**
 * Serves the login and consent steps that oidc-provider redirects the browser
 * to: `GET /interaction/{uid}` shows the current step and
 * `POST /interaction/{uid}/login` checks a username and password.
 *
 * @returns false when the request is not for an interaction route.
 */
export async function handleInteraction(
  options: InteractionOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<boolean> {
  const path = new URL(request.url ?? '/', 'http://idp.invalid').pathname;
  if (!path.startsWith(INTERACTION_PATH)) return false;

  const [uid, action, ...rest] = path.slice(INTERACTION_PATH.length).split('/');
  if (!uid || rest.length > 0) return false;

  const interaction = await findInteraction(options, request, response, uid);
  if (!interaction) return true;

  if (request.method === 'GET' && action === undefined) {
    await showStep(options, interaction, request, response);
  } else if (request.method === 'POST' && action === 'login') {
    await submitLogin(options, interaction, request, response);
  } else {
    sendHtml(response, 405, renderPage('Not allowed', '<p>This method is not allowed here.</p>'));
  }
  return true;
}

async function findInteraction(
  { provider, logger }: InteractionOptions,
  request: IncomingMessage,
  response: ServerResponse,
  uid: string,
): Promise<Interaction | undefined> {
  try {
    const interaction = await provider.interactionDetails(request, response);
    if (interaction.uid === uid) return interaction;
  } catch (error) {
    // Expired or missing interaction cookies end here: the user must start again.
    logger.info({ error: (error as Error).message }, 'interaction not found');
  }

  sendHtml(
    response,
    400,
    renderPage(
      'Sign-in expired',
      '<p class="error">This sign-in request has expired or was opened in another browser. ' +
        'Return to the application and sign in again.</p>',
    ),
  );
  return undefined;
}

async function showStep(
  options: InteractionOptions,
  interaction: Interaction,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (interaction.prompt.name === 'login') {
    sendHtml(response, 200, renderLoginForm(interaction.uid));
    return;
  }

  if (interaction.prompt.name === 'consent') {
    await grantConsent(options, interaction, request, response);
    return;
  }

  sendHtml(response, 400, renderPage('Unsupported step', '<p>This step is not supported.</p>'));
}

async function submitLogin(
  { provider, logger }: InteractionOptions,
  interaction: Interaction,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const form = new URLSearchParams(await readBody(request));
  const username = form.get('username') ?? '';
  const account = authenticate(username, form.get('password') ?? '');

  if (!account) {
    logger.info({ interaction: interaction.uid }, 'login failed');
    sendHtml(response, 401, renderLoginForm(interaction.uid, 'Invalid username or password.'));
    return;
  }

  logger.info({ interaction: interaction.uid, sub: account.subject }, 'login succeeded');
  await provider.interactionFinished(
    request,
    response,
    { login: { accountId: account.subject } },
    { mergeWithLastSubmission: false },
  );
}

/**
 * Grants every scope, claim and resource scope the first-party client asked
 * for. Palisade registers no other client, so any other client is denied.
 */
async function grantConsent(
  { provider, firstPartyClientId, logger }: InteractionOptions,
  interaction: Interaction,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const clientId = String(interaction.params.client_id);
  const accountId = interaction.session?.accountId;
  if (clientId !== firstPartyClientId || accountId === undefined) {
    logger.warn({ interaction: interaction.uid, clientId }, 'consent denied');
    await provider.interactionFinished(request, response, {
      error: 'access_denied',
      error_description: 'consent is granted only to the first-party client',
    });
    return;
  }

  const grant =
    (interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined) ??
    new provider.Grant({ accountId, clientId });
  const details = interaction.prompt.details as ConsentDetails;

  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope);
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes);
  }

  const grantId = await grant.save();
  await provider.interactionFinished(
    request,
    response,
    { consent: { grantId } },
    { mergeWithLastSubmission: true },
  );
}

/** Consent prompt details that oidc-provider reports for what is not yet granted. */
interface ConsentDetails {
  readonly missingOIDCScope?: string[];
  readonly missingOIDCClaims?: string[];
  readonly missingResourceScopes?: Record<string, string[]>;
}

function renderLoginForm(uid: string, error?: string): string {
  const action = `${INTERACTION_PATH}${encodeURIComponent(uid)}/login`;
  const message = error ? `<p class="error">${escapeHtml(error)}</p>` : '';

  return renderPage(
    'Sign in',
    `${message}
<form method="post" action="${escapeHtml(action)}" autocomplete="off">
<label for="username">Username</label>
<input id="username" name="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" required>
<button type="submit">Sign in</button>
</form>
<p>Development accounts: alice, bob and admin; each password equals the username.</p>`,
  );
}
