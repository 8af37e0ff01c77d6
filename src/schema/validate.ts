import { validate, type ValidationError } from 'class-validator';
import { badInput } from './errors';

/**
 * type-graphql's validateFn: runs class-validator on input objects and reports the first problem
 * as BAD_USER_INPUT naming the field (`extensions.field`, dotted for nested inputs).
 */
export async function validateInput(argValue: unknown): Promise<void> {
  if (argValue === null || typeof argValue !== 'object') return;
  const values = Array.isArray(argValue) ? argValue : [argValue];
  for (const value of values) {
    if (value === null || typeof value !== 'object') continue;
    const errors = await validate(value as object, { forbidUnknownValues: false, validationError: { target: false, value: false } });
    const first = firstProblem(errors);
    if (first) throw badInput(first.field, first.message);
  }
}

function firstProblem(errors: ValidationError[], prefix = ''): { field: string; message: string } | null {
  for (const error of errors) {
    const field = prefix + error.property;
    const message = error.constraints ? Object.values(error.constraints)[0] : undefined;
    if (message) return { field, message };
    const nested = firstProblem(error.children ?? [], `${field}.`);
    if (nested) return nested;
  }
  return null;
}
