/**
 * Quoting for the statements that take no bind parameters (account and
 * grant statements), whose names can come back from the server's catalogue
 * (a host made by hand may hold anything). The session turns
 * NO_BACKSLASH_ESCAPES off (connect.ts), so a backslash is escaped too.
 */
export function literal(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/\0/g, '\\0').replace(/'/g, "''")}'`;
}

/** A quoted identifier: `` `orders` ``. */
export function ident(name: string): string {
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
