import { escapeIdentifier, escapeLiteral } from 'pg';

/** A quoted SQL identifier: `orders`, `"Orders"`. */
export function ident(name: string): string {
  return escapeIdentifier(name);
}

/** A schema-qualified relation name, each part quoted. */
export function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

/** A quoted SQL string literal, for the statements that take no bind parameters (ALTER ROLE, COMMENT). */
export function literal(text: string): string {
  return escapeLiteral(text);
}

/** Quoted identifiers separated by commas, e.g. grantees of one GRANT. */
export function identList(names: readonly string[]): string {
  return names.map(ident).join(', ');
}
