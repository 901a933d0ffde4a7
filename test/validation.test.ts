import { describe, expect, it } from 'vitest';
import { contract } from '../src/contract/index.js';
import { ApiError } from '../src/contract/errors.js';
import { planBinding } from '../src/contract/binding-plan.js';
import { bindInput } from '../src/protocol/binding.js';
import { fieldPath } from '../src/contract/field-path.js';
import { compileValidator } from '../src/pipeline/validate.js';
import { Pager } from '../src/domain/pagination.js';

function reasonsOf(fn: () => void) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return (e as ApiError).reasons ?? [];
  }
  throw new Error('expected a ValidationError');
}

describe('validation', () => {
  const createUsers = compileValidator(contract.BatchCreateUser);
  const reinvite = compileValidator(contract.BatchReinviteUser);

  it('names every offending field path in one error', () => {
    const reasons = reasonsOf(() =>
      createUsers({
        networkId: '123',
        users: [{ username: 'a', securityGroupIds: ['g'] }, { securityGroupIds: 'x' }],
      }),
    );
    const fields = reasons.map((r) => r.field).sort();
    expect(fields).toEqual(
      ['networkId', 'networkId', 'users[1].securityGroupIds', 'users[1].username'].sort(),
    );
  });

  it('enforces the documented batch limits of 1 to 50', () => {
    expect(reasonsOf(() => reinvite({ networkId: '12345678', userIds: [] }))).toEqual([
      { field: 'userIds', reason: 'must contain at least 1 item' },
    ]);
    const many = Array.from({ length: 51 }, (_, i) => String(i + 1));
    expect(reasonsOf(() => reinvite({ networkId: '12345678', userIds: many }))[0]?.field).toBe(
      'userIds',
    );
    expect(reasonsOf(() => reinvite({ networkId: '12345678', userIds: ['1', 'abc'] }))[0]).toEqual({
      field: 'userIds[1]',
      reason: 'must match the pattern [0-9]+',
    });
  });

  it('drops unknown members and accepts valid input', () => {
    const input: Record<string, unknown> = { networkId: '12345678', userIds: ['1'], extra: true };
    reinvite(input);
    expect(input).not.toHaveProperty('extra');
  });

  it('converts JSON pointers to field paths', () => {
    expect(fieldPath('/users/3/username')).toBe('users[3].username');
    expect(fieldPath('')).toBe('');
  });
});

describe('binding', () => {
  it('binds labels, typed query parameters and headers, and drops null members', () => {
    const plan = planBinding(contract.BatchToggleUserSuspendStatus);
    const input = bindInput(plan, {
      params: { networkId: '12345678' },
      query: 'suspend=true',
      headers: { 'x-client-token': 'tok' },
      body: Buffer.from('{"userIds":["1"],"networkId":"99999999","nothing":null}'),
    });
    expect(input).toEqual({
      networkId: '12345678',
      suspend: true,
      userIds: ['1'],
      clientToken: 'tok',
    });
  });

  it('keeps unparseable query values for validation to report', () => {
    const plan = planBinding(contract.ListUsers);
    const input = bindInput(plan, {
      params: { networkId: '12345678' },
      query: 'maxResults=ten',
      headers: {},
      body: undefined,
    });
    expect(input['maxResults']).toBe('ten');
    expect(reasonsOf(() => compileValidator(contract.ListUsers)(input))).toEqual([
      { field: 'maxResults', reason: 'must be an integer' },
    ]);
  });

  it('refuses a body that is not a JSON object', () => {
    const plan = planBinding(contract.CreateNetwork);
    const raw = { params: {}, query: '', headers: {} };
    expect(() => bindInput(plan, { ...raw, body: Buffer.from('{nope') })).toThrow(/not valid JSON/);
    expect(() => bindInput(plan, { ...raw, body: Buffer.from('[1]') })).toThrow(/JSON object/);
  });
});

describe('page tokens', () => {
  const pager = new Pager(Buffer.alloc(32, 7));
  it('round-trips and is bound to its query', () => {
    const token = pager.encode('ListUsers|1', ['alice', 3]);
    expect(pager.decode('ListUsers|1', token)).toEqual(['alice', 3]);
    expect(() => pager.decode('ListUsers|2', token)).toThrow(ApiError);
  });
  it('rejects tampering', () => {
    const token = pager.encode('s', ['a', 1]);
    const forged = `${Buffer.from(JSON.stringify(['z', 1])).toString('base64url')}.${token.split('.')[1]}`;
    expect(() => pager.decode('s', forged)).toThrow(ApiError);
    expect(() => pager.decode('s', 'garbage')).toThrow(ApiError);
  });
});

describe('every operation', () => {
  // Validators compile on first use (faster start); make sure each one compiles at all.
  it.each(Object.keys(contract))('%s has a validator that compiles', (name) => {
    const validate = compileValidator(contract[name as keyof typeof contract]);
    try {
      validate({});
    } catch (e) {
      // A ValidationError for the empty input is fine; a schema Ajv rejects is not.
      expect(e).toBeInstanceOf(ApiError);
    }
  });
});
