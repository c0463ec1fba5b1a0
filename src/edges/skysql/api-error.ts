import type { ApiErrorBody } from './api-types.js';

/** The human part of an `errr.ErrorResponse` body, or undefined when the body is not one. */
export function errorMessageOf(text: string): string | undefined {
  let body: ApiErrorBody;
  try {
    body = JSON.parse(text) as ApiErrorBody;
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const first = Array.isArray(body.errors) ? body.errors[0] : undefined;
  const message = first?.message ?? first?.error ?? body.exception;
  if (typeof message !== 'string' || message.trim() === '') return undefined;
  return typeof first?.solution === 'string' && first.solution !== '' ? `${message} (${first.solution})` : message;
}

/**
 * A mutation refused because the service is busy with an earlier one: today a
 * 400 "service modification not allowed while service is in a pending state",
 * a 409 Conflict on newer builds (as the official Terraform provider reads it).
 */
export function isPendingRejection(status: number, message: string | undefined): boolean {
  return status === 409 || (status === 400 && message !== undefined && /pending state/i.test(message));
}
