/**
 * Quoting for the statements that take no bind parameters (account and
 * grant statements). Every name that reaches them is a schema identifier, a
 * host pattern dbfence wrote, a computed hash, or a name read back from the
 * server's own catalogue, so quoting by doubling is enough; a backslash or
 * NUL, which NO_BACKSLASH_ESCAPES would read differently, is refused.
 */
function refuseAmbiguous(text: string): void {
  if (/[\\\0]/.test(text)) throw new Error(`a name with a backslash or NUL cannot be quoted safely: ${JSON.stringify(text)}`);
}

/** A quoted string literal: `'orders'`. */
export function literal(text: string): string {
  refuseAmbiguous(text);
  return `'${text.replace(/'/g, "''")}'`;
}

/** A quoted identifier: `` `orders` ``. */
export function ident(name: string): string {
  if (name.includes('\0')) throw new Error('an identifier cannot contain NUL');
  return `\`${name.replace(/`/g, '``')}\``;
}

/** An account: `'user'@'host'`. */
export function account(user: string, host: string): string {
  return `${literal(user)}@${literal(host)}`;
}

/**
 * A database name as the schema part of a `db.*` grant, where `_` and `%`
 * are wildcards: `my_db` would also grant `myxdb`. Escaped, it names one
 * database; inside backticks the backslash is literal, and mysql.db stores
 * the escaped form (`my\_db`), which is also what inspect reads back.
 */
export function databasePattern(name: string): string {
  return name.replace(/[\\_%]/g, '\\$&');
}
