import { describe, expect, it } from 'vitest';
import { clientOf } from '../../../functions/core/aws/client-source.js';

class FakeClient {
  public constructor(public readonly id: number) {}
}

describe('clientOf', () => {
  it('hands back a ready client as it is', async () => {
    const client = new FakeClient(1);

    await expect(clientOf(client)()).resolves.toBe(client);
  });

  it('calls a factory only when the client is first asked for, and shares that client', async () => {
    // Prepare
    let made = 0;
    const client = clientOf(() => Promise.resolve(new FakeClient(++made)));

    // Act & Assess: nothing made until asked; concurrent and later calls share the first.
    expect(made).toBe(0);
    const [first, second] = await Promise.all([client(), client()]);
    const third = await client();
    expect(made).toBe(1);
    expect(second).toBe(first);
    expect(third).toBe(first);
  });

  it('tries a failed creation again on the next call instead of failing forever', async () => {
    // Prepare
    let attempts = 0;
    const client = clientOf(() => (++attempts === 1 ? Promise.reject(new Error('Cannot find package @aws-sdk/client-sqs')) : Promise.resolve(new FakeClient(attempts))));

    // Act & Assess
    await expect(client()).rejects.toThrow('Cannot find package @aws-sdk/client-sqs');
    await expect(client()).resolves.toEqual(new FakeClient(2));
    await expect(client()).resolves.toEqual(new FakeClient(2));
    expect(attempts).toBe(2);
  });
});
