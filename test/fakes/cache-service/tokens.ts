/**
 * ACTIONS_RUNTIME_TOKEN stand-ins. The real token is a JWT whose `ac` claim lists the cache scopes
 * the run may use, e.g. `[{"Scope":"refs/heads/feature","Permission":3},{"Scope":"refs/heads/main","Permission":1}]`
 * (1 read, 2 write). The fake service reads the claim (without verifying the signature) to scope
 * entries by ref the way the real service does.
 */
export interface CacheScope {
  scope: string;
  read: boolean;
  write: boolean;
}

export function runtimeToken(scopes: CacheScope[]): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const ac = JSON.stringify(
    scopes.map((s) => ({ Scope: s.scope, Permission: (s.read ? 1 : 0) | (s.write ? 2 : 0) })),
  );
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ ac, exp: Math.floor(Date.now() / 1000) + 3600 })}.fake-signature`;
}

/** The scopes in a token; a token that is not such a JWT gets one read-write scope ''. */
export function scopesOf(token: string): CacheScope[] {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      ac?: string;
    };
    const list = JSON.parse(payload.ac ?? '') as { Scope: string; Permission: number }[];
    return list.map((s) => ({
      scope: s.Scope,
      read: (s.Permission & 1) !== 0,
      write: (s.Permission & 2) !== 0,
    }));
  } catch {
    return [{ scope: '', read: true, write: true }];
  }
}
