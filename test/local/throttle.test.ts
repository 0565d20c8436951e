import { TokenBucket } from '../../local/throttle';

const T0 = 1_000_000;

describe('TokenBucket', () => {
  test('a full bucket lets a burst through, then refuses', () => {
    const bucket = new TokenBucket(1, 3, T0);

    expect([bucket.take(T0), bucket.take(T0), bucket.take(T0), bucket.take(T0)]).toEqual([true, true, true, false]);
  });

  test('refills at the rate per second', () => {
    const bucket = new TokenBucket(2, 2, T0);
    bucket.take(T0);
    bucket.take(T0);

    expect(bucket.take(T0 + 499)).toBe(false);
    expect(bucket.take(T0 + 500)).toBe(true);
    expect(bucket.take(T0 + 500)).toBe(false);
    expect(bucket.take(T0 + 1_000)).toBe(true);
  });

  test('a refused request does not spend the part-filled token', () => {
    const bucket = new TokenBucket(1, 1, T0);
    bucket.take(T0);

    expect(bucket.take(T0 + 600)).toBe(false);
    expect(bucket.take(T0 + 1_000)).toBe(true);
  });

  test('a long idle refills no more than the burst', () => {
    const bucket = new TokenBucket(10, 2, T0);
    bucket.take(T0);
    bucket.take(T0);
    const later = T0 + 3_600_000;

    expect([bucket.take(later), bucket.take(later), bucket.take(later)]).toEqual([true, true, false]);
  });

  test('a rate below one a second takes several seconds per token', () => {
    const bucket = new TokenBucket(0.5, 1, T0);
    bucket.take(T0);

    expect(bucket.take(T0 + 1_999)).toBe(false);
    expect(bucket.take(T0 + 2_000)).toBe(true);
  });
});
