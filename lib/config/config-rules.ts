import { z } from 'zod';

/** The rules the sections of the configuration share. */

/** A name made of lower-case letters, digits and '-', starting with a letter; `what` names it in the error. */
export const kebabName = (what: string): z.ZodString =>
  z.string().regex(/^[a-z][a-z0-9-]*$/, `must be a ${what}: lower-case letters, digits and '-', starting with a letter`);

/** A whole number from `min` to `max`, both included. */
export const intBetween = (min: number, max: number): z.ZodNumber =>
  z.number().int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);
