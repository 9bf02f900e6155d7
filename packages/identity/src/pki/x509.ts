// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API
// at load time, so the polyfill must be evaluated first. Import x509 only through this module.
import 'reflect-metadata';

import { webcrypto } from 'node:crypto';

import * as x509 from '@peculiar/x509';

// @peculiar/x509 signs and verifies through a WebCrypto provider, here Node's.
x509.cryptoProvider.set(webcrypto);

export { x509 };
