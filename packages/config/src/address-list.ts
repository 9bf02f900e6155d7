import { isIP } from 'node:net';

/**
 * Parses a comma-separated list of IP addresses and CIDR ranges, IPv4 or IPv6, as trusted proxy
 * settings take it. Each entry that is neither becomes a problem naming `variable` and the entry.
 */
export function parseAddressList(
  variable: string,
  list: string,
): { addresses: string[]; problems: string[] } {
  const addresses = list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const problems = addresses
    .filter((entry) => !isAddressOrRange(entry))
    .map(
      (entry) =>
        `${variable} contains ${JSON.stringify(entry)}, which is not an IP address or ` +
        'CIDR range such as 10.0.0.0/8',
    );
  return { addresses, problems };
}

function isAddressOrRange(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;

  const maxPrefix = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix;
}
