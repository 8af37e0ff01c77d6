import { settleWithin, withTimeout } from '../../src/services/shared/time-limit';

describe('settleWithin', () => {
  afterEach(() => jest.useRealTimers());

  it('gives the value of work that ends in time, and clears its timer', async () => {
    jest.useFakeTimers();
    await expect(settleWithin(Promise.resolve('OK'), 2000)).resolves.toEqual({ kind: 'done', value: 'OK' });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('gives the error of work that fails in time, without rejecting, and clears its timer', async () => {
    jest.useFakeTimers();
    const error = new Error('refused');
    await expect(settleWithin(Promise.reject(error), 2000)).resolves.toEqual({ kind: 'failed', error });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('says late when the limit passes first, and observes a rejection that comes after it', async () => {
    jest.useFakeTimers();
    let fail!: (err: Error) => void;
    const work = new Promise<string>((_, reject) => (fail = reject));
    const outcome = settleWithin(work, 2000);
    await jest.advanceTimersByTimeAsync(2000);
    await expect(outcome).resolves.toEqual({ kind: 'late' });
    jest.useRealTimers();
    fail(new Error('too late'));
    // Jest fails the test on an unhandled rejection, reported once the microtasks have run.
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('withTimeout: the value or error of work in time, else a rejection with the message', async () => {
    jest.useFakeTimers();
    await expect(withTimeout(Promise.resolve(3), 2000, 'no answer')).resolves.toBe(3);
    await expect(withTimeout(Promise.reject(new Error('refused')), 2000, 'no answer')).rejects.toThrow('refused');
    const late = withTimeout(new Promise(() => undefined), 2000, 'no answer from the replica in 2000 ms');
    const settled = expect(late).rejects.toThrow('no answer from the replica in 2000 ms');
    await jest.advanceTimersByTimeAsync(2000);
    await settled;
  });
});
