/**
 * Schema validation for the invitee surface: Ajv without type coercion (a number is not a
 * username), every error collected, and one BadRequestError message that names the members.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

const ajv = new Ajv({ allErrors: true, strict: true, unicodeRegExp: true, coerceTypes: false });

/**
 * A route's validator, compiled on its first request: Fastify asks for every route's at
 * start, and compiling them all then was about 60 ms of a server's start-up.
 */
export function compileSchema(schema: unknown) {
  let compiled: ValidateFunction | undefined;
  const validate = (data: unknown): boolean => {
    compiled ??= ajv.compile(schema as object);
    const ok = compiled(data);
    validate.errors = compiled.errors;
    return ok;
  };
  validate.errors = undefined as ErrorObject[] | null | undefined;
  return validate;
}

interface FastifyValidationError {
  validation: ErrorObject[];
  validationContext?: string;
}

export function validationMessage(error: FastifyValidationError, what: string): string {
  if (error.validationContext === 'params') return 'The network ID must be 8 digits.';
  const missing: string[] = [];
  const problems: string[] = [];
  for (const e of error.validation) {
    const field =
      e.keyword === 'required'
        ? (e.params as { missingProperty: string }).missingProperty
        : e.instancePath.replace(/^\//, '').replace(/\//g, '.');
    if (field === '') {
      problems.push(`${what} needs a JSON object body.`);
      continue;
    }
    let problem: string | undefined;
    switch (e.keyword) {
      case 'required':
      case 'type':
      case 'minLength':
        if (!missing.includes(field)) missing.push(field);
        break;
      case 'maxLength':
        problem = `${field} must be at most ${(e.params as { limit: number }).limit} characters long.`;
        break;
      case 'pattern':
        problem = `${field} must not contain the NUL character (\\u0000)${field === 'username' ? ' and must not be blank' : ''}.`;
        break;
      case 'const':
      case 'anyOf':
        problem = `${field} has a value that is not accepted.`;
        break;
      default:
        problem = `${field} ${e.message ?? 'is not valid'}.`;
    }
    if (problem && !problems.includes(problem)) problems.push(problem);
  }
  if (missing.length > 0)
    problems.unshift(`${what} needs the string members ${missing.join(', ')}.`);
  return [...new Set(problems)].join(' ');
}
