/**
 * GCP label rules: keys and values at most 63 characters of lowercase letters, digits, `_` and
 * `-`; keys start with a letter. Anything else (a branch name, an upper-case environment) is
 * sanitised rather than sent and refused.
 */
export function sanitizeLabelValue(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
    .slice(0, 63);
}

export function sanitizeLabelKey(key: string): string {
  const cleaned = sanitizeLabelValue(key);
  return /^[a-z]/.test(cleaned) ? cleaned : `l-${cleaned}`.slice(0, 63);
}

export function sanitizeLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) out[sanitizeLabelKey(key)] = sanitizeLabelValue(value);
  return out;
}
