/**
 * Parses a Cookie header into name -> value. Never throws: a value that is not valid
 * percent-encoding (`x=%ZZ`) is kept as written, so one stray cookie set by another app on the
 * same host cannot lock a browser out of every page.
 */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, Math.max(0, eq)).trim();
    if (!name) continue;
    // A later cookie of the same name wins: Identity.ensure appends the one it just issued.
    out.set(name, safeDecode(part.slice(eq + 1).trim()));
  }
  return out;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
